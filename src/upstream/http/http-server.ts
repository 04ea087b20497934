import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus.ts';
import type { AddressInfo } from 'node:net';
import type { GatewayDispatcher } from '../../gateway/dispatcher.ts';
import type { Logger } from '../../logger.ts';
import { credentialPrincipal, type Authenticate } from './authenticate.ts';
import { checkHost, checkOrigin, isLoopbackHost, normaliseOrigin } from './guards.ts';
import { McpEndpoint } from './mcp-endpoint.ts';
import { refuse, sendJson, sendText } from './respond.ts';

export interface HttpUpstreamOptions {
  dispatcher: GatewayDispatcher;
  version: string;
  logger: Logger;
  host: string;
  /** 0 picks a free port; `url` then tells which. */
  port: number;
  /** Aborted when shutdown begins: /readyz turns 503 and new sessions get 503. */
  stopping: AbortSignal;
  /**
   * The credential check when credentials are configured (SPEC §13); absent, requests carry no
   * principal and §7's identities apply (allowed on a loopback bind only, which the CLI enforces).
   */
  authenticate?: Authenticate | undefined;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  sessionIdleMs: number;
  /** SPEC §14: 64. */
  maxSessionsPerPrincipal?: number;
  /** false keeps every tools/call on the SDK path (GATEWAY_DIRECT_TOOL_CALLS=off). */
  directToolCalls?: boolean | undefined;
  /** Prometheus text for /metrics, from the composition root's one metrics system. */
  metricsText: () => string | Promise<string>;
  /** GATEWAY_METRICS_PUBLIC: /metrics without a credential even when credentials are configured. */
  metricsPublic: boolean;
}

export interface HttpUpstream {
  /** `http://host:port/mcp` as bound (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** 2025-era sessions open now (the sessions-open gauge of /metrics reads this). */
  openSessions(): number;
  /** Idempotent: lets finished responses flush, ends every session, stops listening. */
  close(): Promise<void>;
}

export const MAX_SESSIONS_PER_PRINCIPAL = 64;

const KEEP_ALIVE_MS = 60_000;
const LISTEN_BACKLOG = 2048;

/**
 * The gateway on Streamable HTTP (SPEC §14): `/mcp` behind the Origin and Host guards and the
 * credential check, plus `/healthz`, `/readyz` and `/metrics`. Every path is guarded: a rebinding
 * page must not read metrics either. Resolves once listening.
 */
export async function startHttpUpstream(options: HttpUpstreamOptions): Promise<HttpUpstream> {
  const { logger, authenticate } = options;
  const endpoint = new McpEndpoint({
    dispatcher: options.dispatcher,
    version: options.version,
    logger,
    stopping: options.stopping,
    maxBodyBytes: options.maxBodyBytes,
    sessionIdleMs: options.sessionIdleMs,
    maxSessionsPerPrincipal: options.maxSessionsPerPrincipal ?? MAX_SESSIONS_PER_PRINCIPAL,
    directToolCalls: options.directToolCalls,
  });
  const allowedOrigins = new Set(options.allowedOrigins.map((origin) => normaliseOrigin(origin) ?? origin));
  const loopbackBind = isLoopbackHost(options.host);
  let listening = false;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal =
      checkOrigin(req.headers.origin, allowedOrigins) ?? checkHost(req.headers.host, loopbackBind);
    if (refusal !== undefined) {
      refuse(logger, req, res, refusal);
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0];
    switch (path) {
      case '/healthz': {
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      case '/readyz':
        if (listening && !options.stopping.aborted) sendJson(res, 200, { status: 'ready' });
        else sendJson(res, 503, { status: options.stopping.aborted ? 'stopping' : 'starting' });
        return;
      case '/metrics': {
        if (authenticate !== undefined && !options.metricsPublic) {
          const outcome = await authenticate(req.headers.authorization);
          if (!outcome.ok) {
            unauthorized(req, res, outcome.reason, outcome.wwwAuthenticate);
            return;
          }
        }
        sendText(res, 200, await options.metricsText(), PROMETHEUS_CONTENT_TYPE);
        return;
      }
      case '/mcp': {
        if (authenticate === undefined) return endpoint.handle(req, res, undefined);
        const outcome = await authenticate(req.headers.authorization);
        if (!outcome.ok) {
          unauthorized(req, res, outcome.reason, outcome.wwwAuthenticate);
          return;
        }
        return endpoint.handle(req, res, credentialPrincipal(outcome.principal));
      }
      default: {
        sendJson(res, 404, { error: `no route ${JSON.stringify(path)}; MCP is served on /mcp` });
        return;
      }
    }
  }

  function unauthorized(req: IncomingMessage, res: ServerResponse, reason: string, challenge: string): void {
    refuse(logger, req, res, { status: 401, message: reason, headers: { 'www-authenticate': challenge } });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: req.url }, 'http request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Clients reuse connections; a server that closes an idle one first races the client's next
  // request into ECONNRESET (a POST is not retried), so the client's keep-alive (undici: 4 s) must
  // always end first, even on a loaded machine whose timers fire late.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deeper accept queue than Node's 511: hundreds of clients connect at once on a busy gateway.
    server.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'http server error'));
  listening = true;
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}/mcp`,
    port,
    openSessions: () => endpoint.openSessions,
    close: () =>
      (closing ??= (async () => {
        listening = false;
        await endpoint.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })()),
  };
}
