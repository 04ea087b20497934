import type { CallToolResult, Client, Tool, Transport } from '@modelcontextprotocol/client';
import type { Logger } from '../../logger.ts';
import { sessionLoss } from '../errors.ts';
import type { DirectToolRequests } from './direct-tool-requests.ts';
import { listAllTools } from './list-all-tools.ts';
import type {
  CallToolParams,
  Session,
  SessionCallOptions,
  SessionListener,
  SessionLoss,
  SessionTransportKind,
} from './session.ts';

export interface ClientSessionOptions {
  client: Client;
  transport: Transport;
  transportKind: SessionTransportKind;
  /** The direct tools/call path, when this session takes it. */
  direct?: DirectToolRequests | undefined;
  pid?: number | undefined;
  /** How a child ended (exit code, useful stderr), once it has. */
  describeEnd?: () => string | undefined;
  listener: SessionListener;
  /** Bound to the server's name. */
  logger: Logger;
  scrub: (text: string) => string;
}

/**
 * A session that owns its SDK client and transport (issue 7 item 6): it watches them for the
 * ways a session ends (close, a forgotten session id, a refused connection, a dropped SSE stream)
 * and tells its listener once, then stops itself. `callTool` is always there: the direct path on
 * 2025-era sessions (stdio, HTTP, SSE), the SDK's `client.callTool` otherwise.
 */
export class ClientSession implements Session {
  readonly transportKind: SessionTransportKind;
  readonly pid: number | undefined;
  readonly directToolCalls: boolean;
  readonly callTool: (params: CallToolParams, options: SessionCallOptions) => Promise<CallToolResult>;

  readonly #client: Client;
  readonly #transport: Transport;
  readonly #describeEnd: () => string | undefined;
  readonly #listener: SessionListener;
  readonly #logger: Logger;
  readonly #scrub: (text: string) => string;
  #loss: SessionLoss | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ClientSessionOptions) {
    this.transportKind = options.transportKind;
    this.pid = options.pid;
    this.#client = options.client;
    this.#transport = options.transport;
    this.#describeEnd = options.describeEnd ?? (() => undefined);
    this.#listener = options.listener;
    this.#logger = options.logger;
    this.#scrub = options.scrub;
    const { direct } = options;
    this.directToolCalls = direct !== undefined;
    // Chosen once: the hot path is one bound call, with no branch or await added per call.
    this.callTool = direct
      ? direct.call.bind(direct)
      : (params, callOptions) => this.#sdkCallTool(params, callOptions);
    this.#watch();
  }

  listTools(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Tool[]> {
    return listAllTools(this.#client, options);
  }

  closeReason(): string | undefined {
    return this.#loss?.reason ?? this.#describeEnd();
  }

  loss(): SessionLoss | undefined {
    return this.#loss;
  }

  close(): Promise<void> {
    this.#closing ??= closeClient(this.#client, this.#transport);
    return this.#closing;
  }

  /**
   * Remote sessions on the 2026 protocol must go through `client.callTool`: it mirrors arguments
   * into headers. Progress is asked for only when the caller asked for it; while it flows, the
   * tool is alive and each notification restarts the timeout.
   */
  #sdkCallTool(params: CallToolParams, options: SessionCallOptions): Promise<CallToolResult> {
    return this.#client
      .callTool(params, {
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
        ...(options.onprogress && { onprogress: options.onprogress }),
        ...(options.signal && { signal: options.signal }),
      })
      .then((result) => withoutHopEnvelope(result));
  }

  #watch(): void {
    const client = this.#client;
    client.onclose = () => {
      if (this.#closing) return;
      const reason = this.#describeEnd() ?? 'the connection was closed';
      this.#lose({ kind: 'closed', reason });
    };
    client.onerror = (error) => {
      const loss = sessionLoss(error, this.transportKind);
      if (loss) this.#lose(loss);
      else this.#logger.debug({ err: this.#scrub(error.message) }, 'session error');
    };
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      this.#logger.info('tool list changed');
      this.#listener.toolsChanged(this);
    });
    client.setNotificationHandler('notifications/message', (notification) => {
      this.#listener.log(this, notification.params);
    });
  }

  #lose(loss: SessionLoss): void {
    if (this.#loss || this.#closing) return;
    this.#loss = { kind: loss.kind, reason: this.#scrub(loss.reason) };
    this.#listener.lost(this, this.#loss);
    // What is left of it stops: pending requests fail at once instead of at their timeout.
    void this.close().catch(() => {});
  }
}

export async function closeClient(client: Client, transport: Transport): Promise<void> {
  try {
    await client.close();
  } finally {
    // client.close() closes the transport too; closing again is a no-op that makes sure of it.
    await transport.close();
  }
}

/** The reserved `_meta` key with which a 2026-07-28 server names itself on each response. */
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

/**
 * A 2026-07-28 server stamps its own identity on every result. That describes this hop, not the
 * result: forwarded, it would override the gateway's own stamp (the SDK lets a handler's `_meta`
 * win) and tell the gateway's client it talks to the downstream server. Everything else in
 * `_meta` passes through unchanged (SPEC §8).
 */
function withoutHopEnvelope(result: CallToolResult): CallToolResult {
  const meta = result._meta;
  if (meta === undefined || !(SERVER_INFO_KEY in meta)) return result;
  const { [SERVER_INFO_KEY]: _hop, ...rest } = meta;
  const { _meta: _dropped, ...body } = result;
  return Object.keys(rest).length > 0 ? { ...body, _meta: rest } : body;
}
