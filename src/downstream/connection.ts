import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_BACKOFF, reconnectDelayMs, type BackoffPolicy } from './backoff.ts';
import { toGatewayError } from './errors.ts';
import { openSession, type Session, type SessionTransportKind } from './open-session.ts';

/** A server's tools as last listed, in the server's order, with a by-name index. */
export interface ToolCatalog {
  readonly tools: readonly Tool[];
  readonly byName: ReadonlyMap<string, Tool>;
}

/** What `list_servers` and `get_gateway_status` show of a server (SPEC §8). */
export type ConnectionStatus =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'unavailable' | 'closed';

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  lastError: string | null;
  toolCount: number | null;
  restarts: number;
  pid: number | null;
  transport: SessionTransportKind | null;
}

export interface CallToolOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

export interface DownstreamConnectionOptions {
  logger: Logger;
  clientVersion: string;
  parentEnv: Readonly<Record<string, string | undefined>>;
  connectTimeoutMs?: number;
  backoff?: BackoffPolicy;
}

/** Connections are a state union, never loose booleans (DESIGN rule 8). */
type State =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: Promise<Session>; controller: AbortController }
  | { kind: 'ready'; session: Session }
  | { kind: 'failed'; error: GatewayError; retryAt: number }
  | { kind: 'closed' };

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * One persistent, supervised session with one downstream server (SPEC §12): connected on first
 * use (or eagerly), shared by every caller, single-flight while connecting, failing fast while
 * down, reconnecting with capped backoff, and holding the server's cached tool list.
 */
export class DownstreamConnection {
  #config: ServerConfig;
  readonly #options: DownstreamConnectionOptions;
  readonly #logger: Logger;
  #state: State = { kind: 'idle' };
  #consecutiveFailures = 0;
  #restarts = 0;
  #catalog: ToolCatalog | undefined;
  #catalogLoading: Promise<ToolCatalog> | undefined;
  /** Bumped whenever the cached list goes stale, so a slow load cannot install an old list. */
  #catalogGeneration = 0;

  constructor(config: ServerConfig, options: DownstreamConnectionOptions) {
    this.#config = config;
    this.#options = options;
    this.#logger = options.logger.child({ server: config.name });
  }

  get config(): ServerConfig {
    return this.#config;
  }

  get name(): string {
    return this.#config.name;
  }

  /** A description-only change restarts nothing (SPEC §12). */
  updateDescription(description: string | undefined): void {
    this.#config = { ...this.#config, description };
  }

  snapshot(): ConnectionSnapshot {
    const state = this.#state;
    const session = state.kind === 'ready' ? state.session : undefined;
    return {
      status: this.#status(),
      lastError: state.kind === 'failed' ? state.error.message : (this.config.unavailableReason ?? null),
      toolCount: this.#catalog?.tools.length ?? null,
      restarts: this.#restarts,
      pid: session?.pid ?? null,
      transport: session?.transportKind ?? null,
    };
  }

  #status(): ConnectionStatus {
    if (this.config.unavailableReason !== undefined) return 'unavailable';
    switch (this.#state.kind) {
      case 'idle':
        return 'idle';
      case 'connecting':
        return this.#restarts > 0 || this.#consecutiveFailures > 0 ? 'reconnecting' : 'connecting';
      case 'ready':
        return 'connected';
      case 'failed':
        return 'unavailable';
      case 'closed':
        return 'closed';
    }
  }

  /** Resolves with a ready session, connecting if needed; rejects with SERVER_UNAVAILABLE. */
  async connect(signal?: AbortSignal): Promise<Session> {
    const state = this.#state;
    switch (state.kind) {
      case 'ready':
        return state.session;
      case 'connecting':
        return waitFor(state.attempt, signal);
      case 'closed':
        throw new GatewayError('SERVER_UNAVAILABLE', `server "${this.name}" has been shut down`, {
          server: this.name,
        });
      case 'failed':
        if (Date.now() < state.retryAt) throw state.error;
        break;
      case 'idle':
        break;
    }
    if (this.config.unavailableReason !== undefined) {
      throw new GatewayError(
        'SERVER_UNAVAILABLE',
        `server "${this.name}" is unavailable: ${this.config.unavailableReason}`,
        {
          server: this.name,
        },
      );
    }
    const controller = new AbortController();
    const attempt = this.#open(controller.signal);
    this.#state = { kind: 'connecting', attempt, controller };
    return waitFor(attempt, signal);
  }

  async #open(signal: AbortSignal): Promise<Session> {
    const wasRestart = this.#restarts > 0 || this.#consecutiveFailures > 0;
    let session: Session;
    try {
      session = await openSession(this.config, {
        logger: this.#logger,
        signal,
        connectTimeoutMs: this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        clientVersion: this.#options.clientVersion,
        parentEnv: this.#options.parentEnv,
      });
    } catch (cause) {
      const error = this.#connectError(cause);
      if (this.#state.kind === 'connecting') this.#fail(error);
      throw error;
    }
    if (this.#state.kind !== 'connecting') {
      // Closed while connecting: the session must not outlive its owner.
      await session.close().catch(() => {});
      throw new GatewayError('SERVER_UNAVAILABLE', `server "${this.name}" has been shut down`, {
        server: this.name,
      });
    }
    this.#watch(session);
    // The failure count is reset by the first answered request, not by connecting: a server that
    // crashes right after `initialize` every time must still back off.
    this.#state = { kind: 'ready', session };
    if (wasRestart) this.#restarts += 1;
    this.#invalidateCatalog();
    this.#logger.info({ transport: session.transportKind, pid: session.pid }, 'connected');
    return session;
  }

  #connectError(cause: unknown): GatewayError {
    const mapped = toGatewayError(cause, { server: this.name });
    if (mapped.code === 'SERVER_UNAVAILABLE') return mapped;
    // A timeout or protocol error during `initialize` still means the server cannot be used.
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      `server "${this.name}" could not be started: ${mapped.message}`,
      {
        server: this.name,
      },
    );
  }

  #watch(session: Session): void {
    const { client } = session;
    const previousOnClose = client.onclose;
    client.onclose = () => {
      previousOnClose?.();
      this.#onSessionLost(session);
    };
    client.onerror = (error) => this.#logger.debug({ err: error.message }, 'session error');
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      this.#logger.info('tool list changed');
      this.#invalidateCatalog();
    });
    client.setNotificationHandler('notifications/message', (notification) => {
      const { level, logger, data } = notification.params;
      this.#logger.info({ level, logger, data }, 'server log');
    });
  }

  #onSessionLost(session: Session): void {
    const state = this.#state;
    if (state.kind !== 'ready' || state.session !== session) return;
    const reason = session.closeReason() ?? 'the connection was closed';
    this.#logger.warn({ reason }, 'server disconnected');
    this.#fail(
      new GatewayError('SERVER_UNAVAILABLE', `server "${this.name}" is unavailable: ${reason}`, {
        server: this.name,
      }),
    );
    void session.close().catch(() => {});
  }

  #fail(error: GatewayError): void {
    this.#consecutiveFailures += 1;
    const delay = reconnectDelayMs(this.#consecutiveFailures, this.#options.backoff ?? DEFAULT_BACKOFF);
    this.#state = { kind: 'failed', error, retryAt: Date.now() + delay };
    this.#invalidateCatalog();
    this.#logger.warn({ err: error.message, retryInMs: delay }, 'server unavailable');
  }

  #invalidateCatalog(): void {
    this.#catalogGeneration += 1;
    this.#catalog = undefined;
    this.#catalogLoading = undefined;
  }

  /** The server's tools, from cache when fresh; concurrent callers share one `tools/list`. */
  async listTools(signal?: AbortSignal): Promise<ToolCatalog> {
    if (this.#catalog) return this.#catalog;
    if (!this.#catalogLoading) {
      const generation = this.#catalogGeneration;
      const loading = this.#loadCatalog(generation);
      this.#catalogLoading = loading;
      // A failed load must not stay cached; the next caller tries again.
      loading.catch(() => {
        if (this.#catalogLoading === loading) this.#catalogLoading = undefined;
      });
    }
    return waitFor(this.#catalogLoading, signal);
  }

  async #loadCatalog(generation: number): Promise<ToolCatalog> {
    const session = await this.connect();
    let tools: Tool[];
    try {
      ({ tools } = await session.client.listTools(undefined, {
        timeout: this.config.timeoutMs,
        cacheMode: 'bypass',
      }));
    } catch (error) {
      throw toGatewayError(error, { server: this.name, closeReason: () => session.closeReason() });
    }
    this.#consecutiveFailures = 0;
    const catalog: ToolCatalog = { tools, byName: new Map(tools.map((tool) => [tool.name, tool])) };
    if (generation === this.#catalogGeneration) {
      this.#catalog = catalog;
      this.#catalogLoading = undefined;
    }
    return catalog;
  }

  /** Calls a tool on the shared session; the result is returned exactly as the server sent it. */
  async callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    options: CallToolOptions,
  ): Promise<CallToolResult> {
    const session = await this.connect(options.signal);
    try {
      const result = await session.client.callTool(params, {
        timeout: options.timeoutMs,
        // A tool that keeps reporting progress is alive: progress restarts the timeout.
        resetTimeoutOnProgress: true,
        ...(options.signal && { signal: options.signal }),
        ...(options.onprogress && { onprogress: options.onprogress }),
      });
      this.#consecutiveFailures = 0;
      return result;
    } catch (error) {
      throw toGatewayError(error, {
        server: this.name,
        tool: params.name,
        timeoutMs: options.timeoutMs,
        closeReason: () => session.closeReason(),
      });
    }
  }

  /** Idempotent: stops the session (and the child process group) for good. */
  async close(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: 'closed' };
    this.#invalidateCatalog();
    if (state.kind === 'ready') await state.session.close();
    if (state.kind === 'connecting') {
      state.controller.abort();
      await state.attempt.then((session) => session.close()).catch(() => {});
    }
  }
}

/** Waits for `promise`, but lets one caller stop waiting without cancelling the shared work. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
