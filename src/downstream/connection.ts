import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../config/servers-schema.ts';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_BACKOFF, reconnectDelayMs, type BackoffPolicy } from './backoff.ts';
import { isSessionNotFound, toGatewayError } from './errors.ts';
import { listAllTools } from './list-all-tools.ts';
import { secretScrubber } from './secrets.ts';
import { openSession, OpenSessionError, type Session, type SessionTransportKind } from './open-session.ts';
import { waitFor } from './wait-for.ts';
import { createDownstreamAuth, type DownstreamAuth } from './oauth/downstream-auth.ts';
import { findAuthRequired } from './oauth/oauth-target.ts';

/** A server's tools as last listed, in the server's order, with a by-name index. */
export interface ToolCatalog {
  readonly tools: readonly Tool[];
  readonly byName: ReadonlyMap<string, Tool>;
}

/** What `list_servers` and `get_gateway_status` show of a server (SPEC §8). */
export type ConnectionStatus =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'unavailable' | 'needs_auth' | 'closed';

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  /** The last failure, kept after a successful reconnect so status can say why it restarted. */
  lastError: string | null;
  toolCount: number | null;
  restarts: number;
  pid: number | null;
  transport: SessionTransportKind | null;
  inFlight: number;
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
  backoff?: BackoffPolicy;
}

/** Connections are a state union, never loose booleans (DESIGN rule 8). */
type State =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: Promise<Session>; controller: AbortController; isRestart: boolean }
  | { kind: 'ready'; session: Session }
  | { kind: 'failed'; error: GatewayError; retryAt: number }
  | { kind: 'closed'; reason: string };

/** One piece of work on the connection; a retired connection closes when none is left. */
interface Hold {
  timeoutMs: number;
}

const SESSION_FORGOTTEN = 'the server no longer knows the session (HTTP 404 "Session not found")';

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
  #lastError: string | null = null;
  #catalog: ToolCatalog | undefined;
  #catalogLoading: Promise<ToolCatalog> | undefined;
  /** Bumped whenever the cached list goes stale, so a slow load cannot install an old list. */
  #catalogGeneration = 0;
  readonly #holds = new Set<Hold>();
  /** Set once a reload has replaced or removed this server: no new session is ever opened. */
  #retiredBecause: string | undefined;
  #onDrained: (() => void) | undefined;
  /** Why each lost session ended, for the calls that were still waiting on it. */
  readonly #lostBecause = new WeakMap<Session, string>();
  /** Masks this server's secrets in text that the SDK, `fetch` or the child wrote. */
  readonly #scrub: (text: string) => string;
  /** OAuth for a remote server (SPEC §16), kept across sessions: one refresh in flight per server. */
  readonly #auth: DownstreamAuth | undefined;

  constructor(config: ServerConfig, options: DownstreamConnectionOptions) {
    this.#config = config;
    this.#options = options;
    this.#logger = options.logger.child({ server: config.name });
    this.#scrub = secretScrubber(config);
    this.#auth = createDownstreamAuth(config, { logger: this.#logger, parentEnv: options.parentEnv });
  }

  get config(): ServerConfig {
    return this.#config;
  }

  get name(): string {
    return this.#config.name;
  }

  /**
   * Applies settings that do not change how the session is made (description, timeouts, output
   * limit) without touching the session: a description-only change restarts nothing (SPEC §12).
   */
  updateSettings(config: ServerConfig): void {
    this.#config = config;
  }

  snapshot(): ConnectionSnapshot {
    const state = this.#state;
    const session = state.kind === 'ready' ? state.session : undefined;
    return {
      status: this.#status(),
      lastError: this.config.unavailableReason ?? this.#lastError,
      toolCount: this.#catalog?.tools.length ?? null,
      restarts: this.#restarts,
      pid: session?.pid ?? null,
      transport: session?.transportKind ?? null,
      inFlight: this.#holds.size,
    };
  }

  #status(): ConnectionStatus {
    if (this.config.unavailableReason !== undefined) return 'unavailable';
    if (this.#auth?.needsAuth() !== undefined && this.#state.kind !== 'closed') return 'needs_auth';
    switch (this.#state.kind) {
      case 'idle':
        return 'idle';
      case 'connecting':
        return this.#state.isRestart ? 'reconnecting' : 'connecting';
      case 'ready':
        return 'connected';
      case 'failed':
        return this.#state.error.code === 'AUTH_REQUIRED' ? 'needs_auth' : 'unavailable';
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
        throw this.#unavailable(state.reason);
      case 'failed':
        if (Date.now() < state.retryAt || this.#retiredBecause !== undefined) throw state.error;
        break;
      case 'idle':
        break;
    }
    if (this.#retiredBecause !== undefined) throw this.#unavailable(this.#retiredBecause);
    if (this.config.unavailableReason !== undefined) throw this.#unavailable(this.config.unavailableReason);
    // Any connect after a failure (a crash, a lost session, a failed start) is a restart.
    const isRestart = state.kind === 'failed';
    const controller = new AbortController();
    const attempt = this.#open(controller.signal, isRestart);
    this.#state = { kind: 'connecting', attempt, controller, isRestart };
    return waitFor(attempt, signal);
  }

  async #open(signal: AbortSignal, isRestart: boolean): Promise<Session> {
    let session: Session;
    try {
      session = await openSession(this.config, {
        logger: this.#logger,
        signal,
        connectTimeoutMs: this.config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        scrub: this.#scrub,
        clientVersion: this.#options.clientVersion,
        parentEnv: this.#options.parentEnv,
        ...(this.#auth && { authProvider: this.#auth.provider }),
      });
    } catch (cause) {
      const error = this.#connectError(cause);
      // A missing login is no crash: no backoff, so the call after `auth <server>` connects at once.
      if (this.#state.kind === 'connecting') this.#fail(error, error.code !== 'AUTH_REQUIRED');
      throw error;
    }
    if (this.#state.kind !== 'connecting') {
      // Closed while connecting: the session must not outlive its owner.
      await session.close().catch(() => {});
      throw this.#unavailable(this.#state.kind === 'closed' ? this.#state.reason : 'it was shut down');
    }
    this.#watch(session);
    // The failure count is reset by the first answered request, not by connecting: a server that
    // crashes right after `initialize` every time must still back off.
    this.#state = { kind: 'ready', session };
    if (isRestart) this.#restarts += 1;
    // A new session may serve a different list; a load waiting on this connect lists afresh.
    this.#catalog = undefined;
    this.#logger.info({ transport: session.transportKind, pid: session.pid }, 'connected');
    return session;
  }

  #connectError(cause: unknown): GatewayError {
    const authRequired = findAuthRequired(cause);
    if (authRequired) return new GatewayError('AUTH_REQUIRED', authRequired.message, { server: this.name });
    const mapped =
      cause instanceof OpenSessionError ? undefined : toGatewayError(cause, { server: this.name });
    if (mapped?.code === 'SERVER_UNAVAILABLE') return this.#scrubbed(mapped);
    const why = mapped?.message ?? (cause as OpenSessionError).message;
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      this.#scrub(`server "${this.name}" could not be started: ${why}`),
      { server: this.name },
    );
  }

  /** The same error with this server's secrets masked in its message. */
  #scrubbed(error: GatewayError): GatewayError {
    const message = this.#scrub(error.message);
    return message === error.message ? error : new GatewayError(error.code, message, error.details);
  }

  #watch(session: Session): void {
    const { client } = session;
    const previousOnClose = client.onclose;
    client.onclose = () => {
      previousOnClose?.();
      this.#sessionLost(session, session.closeReason() ?? 'the connection was closed', true);
    };
    client.onerror = (error) => {
      // The standalone SSE stream of a forgotten session fails with 404 before any request does.
      if (session.transportKind !== 'stdio' && isSessionNotFound(error)) {
        this.#sessionLost(session, SESSION_FORGOTTEN, false);
      } else {
        this.#logger.debug({ err: this.#scrub(error.message) }, 'session error');
      }
    };
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      this.#logger.info('tool list changed');
      this.#invalidateCatalog();
    });
    client.setNotificationHandler('notifications/message', (notification) => {
      const { level, logger, data } = notification.params;
      // `level` is pino's own key: the server's level goes under another name.
      this.#logger[pinoLevel(level)]({ server_level: level, logger, data }, 'server log');
    });
  }

  /**
   * The session is gone: mark the server unavailable with the reason, and stop what is left of
   * it. A crash counts towards backoff; a session the server forgot does not.
   */
  #sessionLost(session: Session, reason: string, isFailure: boolean): void {
    const state = this.#state;
    if (state.kind !== 'ready' || state.session !== session) return;
    this.#lostBecause.set(session, reason);
    this.#logger.warn({ reason }, 'server disconnected');
    this.#fail(this.#unavailable(reason), isFailure);
    void session.close().catch(() => {});
  }

  #fail(error: GatewayError, isFailure = true): void {
    if (isFailure) this.#consecutiveFailures += 1;
    const policy = this.#options.backoff ?? DEFAULT_BACKOFF;
    const delay = isFailure ? reconnectDelayMs(this.#consecutiveFailures, policy) : 0;
    this.#state = { kind: 'failed', error, retryAt: Date.now() + delay };
    this.#lastError = error.message;
    this.#invalidateCatalog();
    this.#logger.warn({ err: error.message, retryInMs: delay }, 'server unavailable');
  }

  #unavailable(reason: string): GatewayError {
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      this.#scrub(`server "${this.name}" is unavailable: ${reason}`),
      { server: this.name },
    );
  }

  #invalidateCatalog(): void {
    this.#catalogGeneration += 1;
    this.#catalog = undefined;
    this.#catalogLoading = undefined;
  }

  /**
   * Marks work on this connection, so a retired connection stays open until it is done (SPEC §12:
   * in-flight calls finish on the config they started with). Returns the release function.
   */
  hold(timeoutMs = this.config.timeoutMs): () => void {
    const hold: Hold = { timeoutMs };
    this.#holds.add(hold);
    return () => {
      this.#holds.delete(hold);
      if (this.#holds.size === 0) this.#onDrained?.();
    };
  }

  /** The cached tool list, if there is one: lets the hot path skip an await (see listTools). */
  get cachedTools(): ToolCatalog | undefined {
    return this.#catalog;
  }

  /** The server's tools, from cache when fresh; concurrent callers share one `tools/list`. */
  async listTools(signal?: AbortSignal): Promise<ToolCatalog> {
    if (this.#catalog) return this.#catalog;
    const release = this.hold();
    try {
      if (!this.#catalogLoading) {
        const loading = this.#loadCatalog();
        this.#catalogLoading = loading;
        // Settled loads never stay cached as promises: a failure is retried by the next caller.
        void loading.then(
          () => this.#clearLoading(loading),
          () => this.#clearLoading(loading),
        );
      }
      return await waitFor(this.#catalogLoading, signal);
    } finally {
      release();
    }
  }

  #clearLoading(loading: Promise<ToolCatalog>): void {
    if (this.#catalogLoading === loading) this.#catalogLoading = undefined;
  }

  async #loadCatalog(): Promise<ToolCatalog> {
    for (let attempt = 1; ; attempt += 1) {
      const session = await this.connect();
      const generation = this.#catalogGeneration;
      let tools: Tool[];
      try {
        tools = await listAllTools(session, this.config.timeoutMs);
      } catch (error) {
        // tools/list is safe to repeat: a forgotten session is re-initialised once, transparently.
        if (attempt === 1 && this.#wasForgotten(session, error)) {
          this.#sessionLost(session, SESSION_FORGOTTEN, false);
          continue;
        }
        throw this.#scrubbed(
          toGatewayError(error, { server: this.name, closeReason: () => this.#closeReason(session) }),
        );
      }
      this.#consecutiveFailures = 0;
      const catalog: ToolCatalog = { tools, byName: new Map(tools.map((tool) => [tool.name, tool])) };
      if (generation === this.#catalogGeneration) this.#catalog = catalog;
      return catalog;
    }
  }

  /** Calls a tool on the shared session; the result is returned exactly as the server sent it. */
  async callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    options: CallToolOptions,
  ): Promise<CallToolResult> {
    const release = this.hold(options.timeoutMs);
    try {
      // A ready session is used at once: every await on the hot path is a trip through the queue.
      const session = this.#state.kind === 'ready' ? this.#state.session : await this.connect(options.signal);
      try {
        // Progress is asked for only when the caller asked for it; while it flows, the tool is
        // alive and each notification restarts the timeout. A caller that does not watch
        // progress gets the hard deadline it chose.
        const watch = {
          ...(options.onprogress && { onprogress: options.onprogress }),
          ...(options.signal && { signal: options.signal }),
        };
        // Stdio sessions take the direct path (the hot path, see direct-tool-requests.ts).
        // Remote ones keep callTool: on the 2026 protocol it mirrors arguments into headers.
        const result = session.callTool
          ? await session.callTool(params, { timeoutMs: options.timeoutMs, ...watch })
          : await session.client.callTool(params, {
              timeout: options.timeoutMs,
              resetTimeoutOnProgress: true,
              ...watch,
            });
        this.#consecutiveFailures = 0;
        return result;
      } catch (error) {
        throw this.#callError(error, session, params.name, options);
      }
    } finally {
      release();
    }
  }

  #callError(error: unknown, session: Session, tool: string, options: CallToolOptions): GatewayError {
    const details = { server: this.name, tool };
    if (options.signal?.aborted) {
      return new GatewayError(
        'TIMEOUT',
        `the caller cancelled the call to tool "${tool}" on server "${this.name}"; the cancellation was forwarded to the server`,
        details,
      );
    }
    if (this.#wasForgotten(session, error)) {
      // Never replayed: the server may have run it, or may not; only the caller can decide.
      this.#sessionLost(session, SESSION_FORGOTTEN, false);
      return new GatewayError(
        'SERVER_UNAVAILABLE',
        `server "${this.name}" no longer knows this gateway's session (HTTP 404); the call was not sent again, ` +
          'because a tool call may not be safe to repeat. Retry it: the next call opens a new session.',
        details,
      );
    }
    return this.#scrubbed(
      toGatewayError(error, {
        ...details,
        timeoutMs: options.timeoutMs,
        closeReason: () => this.#closeReason(session),
      }),
    );
  }

  /** Why calls on `session` failed: our own close (a reload, shutdown) or the session's end. */
  #closeReason(session: Session): string | undefined {
    if (this.#state.kind === 'closed') return this.#state.reason;
    return this.#lostBecause.get(session) ?? session.closeReason();
  }

  /**
   * The server answered 404 for our session, on this request or another one (the SDK then fails
   * every pending request with "connection closed" as we drop the session).
   */
  #wasForgotten(session: Session, error: unknown): boolean {
    if (session.transportKind === 'stdio') return false;
    return isSessionNotFound(error) || this.#lostBecause.get(session) === SESSION_FORGOTTEN;
  }

  /**
   * A reload removed or replaced this server: open no new session, let the calls already running
   * finish (at most the longest of their timeouts), then close.
   */
  async retire(reason: string): Promise<void> {
    this.#retiredBecause ??= reason;
    let outlived = false;
    if (this.#holds.size > 0 && this.#state.kind !== 'closed') {
      const deadlineMs = Math.max(...[...this.#holds].map((hold) => hold.timeoutMs));
      this.#logger.info({ inFlight: this.#holds.size, deadlineMs }, 'retired; closing after in-flight calls');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        timer.unref();
        this.#onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      outlived = this.#holds.size > 0;
    }
    await this.close(outlived ? `${reason}, and the call did not finish in time` : reason);
  }

  /** Idempotent: stops the session (and the child process group) for good. */
  async close(reason = 'the gateway is shutting down'): Promise<void> {
    const state = this.#state;
    if (state.kind === 'closed') return;
    this.#state = { kind: 'closed', reason };
    this.#invalidateCatalog();
    this.#onDrained?.();
    if (state.kind === 'ready') await state.session.close();
    if (state.kind === 'connecting') {
      state.controller.abort();
      await state.attempt.then((session) => session.close()).catch(() => {});
    }
  }
}

/** MCP's syslog levels onto the gateway log's. */
function pinoLevel(level: string): 'debug' | 'info' | 'warn' | 'error' {
  switch (level) {
    case 'debug':
      return 'debug';
    case 'info':
    case 'notice':
      return 'info';
    case 'warning':
      return 'warn';
    default:
      return 'error';
  }
}
