import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { GatewayDispatcher } from '../../gateway/dispatcher.ts';
import type { Principal } from '../../identity/principal.ts';
import type { Closable } from '../../lifecycle.ts';
import { raceAbort } from '../../lifecycle.ts';
import type { Logger } from '../../logger.ts';
import { createMcpSession } from '../mcp-session.ts';
import { credentialPrincipal } from './authenticate.ts';
import type { HttpRefusal } from './guards.ts';
import { readBody } from './read-body.ts';
import { refuse } from './respond.ts';
import { SessionTable, type HttpSession } from './session-table.ts';
import { SessionTransport } from './session-transport.ts';

/** A 2025-era session: its transport serves every request that names its id. */
interface LegacySession extends HttpSession {
  readonly transport: SessionTransport;
}

export interface McpEndpointOptions {
  dispatcher: GatewayDispatcher;
  version: string;
  logger: Logger;
  /** Aborted when shutdown begins: new sessions and new stateless requests get 503 (SPEC §14). */
  stopping: AbortSignal;
  maxBodyBytes: number;
  sessionIdleMs: number;
  maxSessionsPerPrincipal: number;
  /** false keeps every tools/call of a 2025-era session on the SDK path (differential tests). */
  directToolCalls?: boolean | undefined;
}

/** How long close() waits for responses whose calls have finished to reach their clients. */
const FLUSH_MS = 2000;

/**
 * `/mcp` for both protocol eras (SPEC §14). 2025-era traffic (`initialize`, `Mcp-Session-Id`,
 * GET stream, DELETE) gets one SDK server per session on our node transport
 * (session-transport.ts), bound to the principal that opened it;
 * 2026-07-28 traffic (`server/discover`, stateless requests) goes to the SDK's `createMcpHandler`,
 * which builds a server per request. Either way a call's progress and cancellation travel on its
 * own request's stream, so they stay within the session that made the call. The body is read
 * here, once, under the size limit, and handed to the SDK parsed.
 */
export class McpEndpoint implements Closable {
  readonly #options: McpEndpointOptions;
  readonly #sessions: SessionTable<LegacySession>;
  readonly #modern: ReturnType<typeof createMcpHandler>;
  readonly #serveModern: ReturnType<typeof toNodeHandler>;
  /** POST exchanges whose response is still open: close() lets them finish writing. */
  readonly #exchanges = new Set<Promise<void>>();

  constructor(options: McpEndpointOptions) {
    this.#options = options;
    const { logger } = options;
    this.#sessions = new SessionTable({
      idleMs: options.sessionIdleMs,
      maxPerPrincipal: options.maxSessionsPerPrincipal,
      onClosed: (session, reason) =>
        logger.info({ session: session.id, principal: session.principal, reason }, 'http session closed'),
    });
    const onerror = (error: Error) => logger.debug({ err: error }, 'http request failed');
    this.#modern = createMcpHandler(
      ({ authInfo }) =>
        createMcpSession({
          dispatcher: options.dispatcher,
          version: options.version,
          logger,
          session: { id: randomUUID(), transport: 'http' },
          principal: authInfo === undefined ? undefined : credentialPrincipal(authInfo.clientId),
        }).server,
      { legacy: 'reject', onerror, maxRequestBodySize: options.maxBodyBytes },
    );
    this.#serveModern = toNodeHandler(this.#modern, { onerror, maxRequestBodySize: options.maxBodyBytes });
  }

  /** 2025-era sessions open now. */
  get openSessions(): number {
    return this.#sessions.size;
  }

  /** Serves one /mcp request whose guards and credential have passed. */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal | undefined): Promise<void> {
    const sessionId = header(req, 'mcp-session-id');
    if (req.method === 'GET' || req.method === 'DELETE') {
      // Body-less session operations exist only in the 2025 era.
      if (sessionId === undefined) {
        this.#refuse(req, res, principal, missingSession());
        return;
      }
      return this.#onSession(req, res, sessionId, principal, undefined);
    }
    if (req.method !== 'POST') {
      this.#refuse(req, res, principal, {
        status: 405,
        message: 'use POST, GET or DELETE',
        headers: { allow: 'GET, POST, DELETE' },
      });
      return;
    }
    const read = await readBody(req, this.#options.maxBodyBytes);
    if (!read.ok) {
      this.#refuse(req, res, principal, read.refusal);
      return;
    }
    const parsed = parseJson(read.body);
    if (!parsed.ok) {
      this.#refuse(req, res, principal, { status: 400, message: 'Parse error: the body is not JSON' });
      return;
    }
    const exchange = new Promise<void>((resolve) => res.once('close', resolve));
    this.#exchanges.add(exchange);
    void exchange.then(() => this.#exchanges.delete(exchange));
    // A session id exists only in the 2025 era, so the hot path of a session skips classifying.
    if (sessionId !== undefined) return this.#onSession(req, res, sessionId, principal, parsed.value);
    const legacy = await isLegacyRequest(await toWebRequest(req, parsed.value), parsed.value);
    if (!legacy) return this.#onModern(req, res, parsed.value, principal);
    if (
      !isInitializeRequest(parsed.value) &&
      !(Array.isArray(parsed.value) && parsed.value.some(isInitializeRequest))
    ) {
      this.#refuse(req, res, principal, missingSession());
      return;
    }
    return this.#openSession(req, res, principal, parsed.value);
  }

  async #onSession(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    principal: Principal | undefined,
    body: unknown,
  ): Promise<void> {
    const session = this.#sessions.get(id);
    // 404 tells a 2025-era client to initialise again (SPEC §14: expired ids).
    if (session === undefined) {
      this.#refuse(req, res, principal, { status: 404, message: 'Session not found' });
      return;
    }
    if (session.principal !== (principal?.agentId ?? null)) {
      this.#refuse(req, res, principal, {
        status: 403,
        message: 'this session belongs to another principal',
      });
      return;
    }
    if (req.method === 'GET') {
      session.transport.handleGet(req, res);
      return;
    }
    res.once('close', this.#sessions.begin(id));
    if (req.method === 'DELETE') await session.transport.handleDelete(req, res);
    else session.transport.handlePost(req, res, body);
  }

  async #openSession(
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal | undefined,
    body: unknown,
  ): Promise<void> {
    if (this.#options.stopping.aborted) {
      this.#refuse(req, res, principal, shuttingDown());
      return;
    }
    const id = randomUUID();
    const { server, callTool } = createMcpSession({
      dispatcher: this.#options.dispatcher,
      version: this.#options.version,
      logger: this.#options.logger,
      session: { id, transport: 'http' },
      principal,
    });
    const transport = new SessionTransport({
      sessionId: id,
      callTool: this.#options.directToolCalls === false ? undefined : callTool,
    });
    server.onclose = () => this.#sessions.remove(id);
    await server.connect(transport);
    let closing: Promise<void> | undefined;
    this.#sessions.add({
      id,
      principal: principal?.agentId ?? null,
      transport,
      close: () => (closing ??= server.close()),
    });
    res.once('close', this.#sessions.begin(id));
    transport.handlePost(req, res, body);
    // An initialize the transport refused (malformed, a second one in a batch) opened nothing.
    if (!transport.initialized) {
      await this.#sessions.get(id)?.close();
      return;
    }
    this.#options.logger.debug({ session: id, principal: principal?.agentId ?? null }, 'http session opened');
  }

  async #onModern(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    principal: Principal | undefined,
  ) {
    if (this.#options.stopping.aborted) {
      this.#refuse(req, res, principal, shuttingDown());
      return;
    }
    // The principal reaches the per-request server factory as the SDK's pass-through authInfo;
    // the credential itself is not put there, so nothing downstream of this line can leak it.
    if (principal !== undefined) {
      (req as IncomingMessage & { auth?: AuthInfo }).auth = {
        token: '',
        clientId: principal.agentId,
        scopes: [],
      };
    }
    await this.#serveModern(req, res, body);
  }

  #refuse(
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal | undefined,
    refusal: HttpRefusal,
  ): void {
    refuse(this.#options.logger, req, res, refusal, principal?.agentId ?? null);
  }

  /** Lets finished calls' responses reach their clients, then ends every session. Idempotent. */
  async close(): Promise<void> {
    await raceAbort(Promise.allSettled([...this.#exchanges]), AbortSignal.timeout(FLUSH_MS), 'flush').catch(
      () => {},
    );
    await this.#sessions.close();
    await this.#modern.close();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function missingSession(): HttpRefusal {
  return { status: 400, message: 'Bad Request: Mcp-Session-Id header is required (send initialize first)' };
}

function shuttingDown(): HttpRefusal {
  return { status: 503, message: 'the gateway is shutting down', headers: { 'retry-after': '1' } };
}
