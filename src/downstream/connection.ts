import type { CallToolResult } from '@modelcontextprotocol/client';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../config/servers-schema.ts';
import type { ServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_BACKOFF, reconnectDelayMs } from './backoff.ts';
import type {
  CallToolOptions,
  ConnectionSnapshot,
  ConnectionStatus,
  DownstreamConnectionOptions,
} from './connection-types.ts';
import { Holds } from './holds.ts';
import { deadlineSignal, sessionLoss, type CallPhase } from './errors.ts';
import { createSecretScrubber, type SecretScrubber } from './secrets.ts';
import { logServerMessage } from './server-log.ts';
import { ServerErrors } from './server-errors.ts';
import { openSession } from './session/open-session.ts';
import type { CallToolParams, Session, SessionListener, SessionLoss } from './session/session.ts';
import { ToolListCache, type LoadedTools, type ToolCatalog } from './tool-list-cache.ts';
import { waitFor } from './wait-for.ts';
import { createDownstreamAuth, type DownstreamAuth } from './oauth/downstream-auth.ts';
import { findAuthRequired } from './oauth/oauth-target.ts';

export type { ToolCatalog } from './tool-list-cache.ts';
export type {
  CallToolOptions,
  ConnectionSnapshot,
  ConnectionStatus,
  DownstreamConnectionOptions,
} from './connection-types.ts';

/** Connections are a state union, never loose booleans (DESIGN rule 8). */
type State =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: Promise<Session>; controller: AbortController; isRestart: boolean }
  | { kind: 'ready'; session: Session }
  | { kind: 'failed'; error: GatewayError; retryAt: number }
  | { kind: 'closed'; reason: string };

/**
 * One persistent, supervised session with one downstream server (SPEC §12): connected on first
 * use (or eagerly), shared by every caller, single-flight while connecting, failing fast while
 * down, reconnecting with capped backoff, and holding the server's cached tool list. The session
 * itself (client, transport, how it ends) lives in session/.
 */
export class DownstreamConnection {
  #config: ServerConfig;
  readonly #options: DownstreamConnectionOptions;
  readonly #logger: Logger;
  #state: State = { kind: 'idle' };
  #consecutiveFailures = 0;
  #restarts = 0;
  #lastError: string | null = null;
  #callsInFlight = 0;
  readonly #tools: ToolListCache;
  readonly #toolListeners = new Set<() => void>();
  readonly #holds = new Holds();
  /** Set once a reload has replaced or removed this server: no new session is ever opened. */
  #retiredBecause: string | undefined;
  /** Masks this server's secrets in text that the SDK, `fetch` or the child wrote. */
  readonly #secrets: SecretScrubber;
  readonly #scrub: (text: string) => string;
  readonly #errors: ServerErrors;
  readonly #listener: SessionListener = {
    lost: (session, loss) => this.#sessionLost(session, loss),
    toolsChanged: (session) => {
      if (this.#isCurrent(session)) this.#tools.invalidate();
    },
    log: (_session, params) => logServerMessage(this.#logger, params, this.#scrub),
  };
  /** OAuth for a remote server (SPEC §16), kept across sessions: one refresh in flight per server. */
  readonly #auth: DownstreamAuth | undefined;

  constructor(config: ServerConfig, options: DownstreamConnectionOptions) {
    this.#config = config;
    this.#options = options;
    this.#logger = options.logger.child({ server: config.name });
    this.#secrets = createSecretScrubber(config);
    this.#scrub = (text) => this.#secrets.scrub(text);
    this.#errors = new ServerErrors(config.name, this.#scrub);
    this.#tools = new ToolListCache(() => this.#emitToolsChanged());
    this.#auth = createDownstreamAuth(config, {
      logger: this.#logger,
      parentEnv: options.parentEnv,
      onSecret: (secret) => this.#secrets.add(secret),
    });
  }

  get config(): ServerConfig {
    return this.#config;
  }

  get name(): string {
    return this.#config.name;
  }

  /** This server's secrets; `add` teaches it one learnt at run time (an OAuth token). */
  get secrets(): SecretScrubber {
    return this.#secrets;
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
      toolCount: this.#tools.lastCount,
      restarts: this.#restarts,
      pid: session?.pid ?? null,
      transport: session?.transportKind ?? null,
      inFlight: this.#callsInFlight,
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

  /**
   * Calls `listener` whenever the cached tool list goes stale or is replaced: list_changed, a
   * new session, a lost or closed one, a fresh list. Returns the unsubscribe function.
   */
  onToolsChanged(listener: () => void): () => void {
    this.#toolListeners.add(listener);
    return () => this.#toolListeners.delete(listener);
  }

  #emitToolsChanged(): void {
    for (const listener of this.#toolListeners) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ err: error }, 'a tools-changed listener threw');
      }
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
        throw this.#errors.unavailable(state.reason);
      case 'failed':
        if (Date.now() < state.retryAt || this.#retiredBecause !== undefined) throw state.error;
        break;
      case 'idle':
        break;
    }
    if (this.#retiredBecause !== undefined) throw this.#errors.unavailable(this.#retiredBecause);
    if (this.config.unavailableReason !== undefined)
      throw this.#errors.unavailable(this.config.unavailableReason);
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
        listener: this.#listener,
        directToolCalls: this.#options.directToolCalls ?? true,
        ...(this.#options.protocol !== undefined && { protocol: this.#options.protocol }),
        ...(this.#auth && { authProvider: this.#auth.provider }),
      });
    } catch (cause) {
      const authRequired = findAuthRequired(cause);
      const error = authRequired
        ? new GatewayError('AUTH_REQUIRED', authRequired.message, { server: this.name })
        : this.#errors.connectFailed(cause);
      // A missing login is no crash: no backoff, so the call after `auth <server>` connects at once.
      if (this.#state.kind === 'connecting') this.#fail(error, error.code !== 'AUTH_REQUIRED');
      throw error;
    }
    if (this.#state.kind !== 'connecting') {
      // Closed while connecting: the session must not outlive its owner.
      await session.close().catch(() => {});
      throw this.#errors.unavailable(this.#state.kind === 'closed' ? this.#state.reason : 'it was shut down');
    }
    // The failure count is reset by the first answered request, not by connecting: a server that
    // crashes right after `initialize` every time must still back off.
    this.#state = { kind: 'ready', session };
    if (isRestart) this.#restarts += 1;
    this.#tools.reset();
    this.#logger.info({ transport: session.transportKind, pid: session.pid }, 'connected');
    // Lost between the handshake and now (its event found no ready session): the same end.
    const loss = session.loss();
    if (loss) this.#sessionLost(session, loss);
    return session;
  }

  #isCurrent(session: Session): boolean {
    return this.#state.kind === 'ready' && this.#state.session === session;
  }

  /**
   * The session is gone: mark the server unavailable with the reason, and stop what is left of
   * it. A crash or an unreachable server counts towards backoff; a session the server forgot
   * does not (it answers: a new session is one request away).
   */
  #sessionLost(session: Session, loss: SessionLoss): void {
    if (!this.#isCurrent(session)) return;
    this.#logger.warn({ reason: loss.reason, kind: loss.kind }, 'server disconnected');
    this.#fail(this.#errors.unavailable(loss.reason), loss.kind !== 'forgotten');
    void session.close().catch(() => {});
  }

  #fail(error: GatewayError, isFailure = true): void {
    if (isFailure) this.#consecutiveFailures += 1;
    const policy = this.#options.backoff ?? DEFAULT_BACKOFF;
    const delay = isFailure ? reconnectDelayMs(this.#consecutiveFailures, policy) : 0;
    this.#state = { kind: 'failed', error, retryAt: Date.now() + delay };
    this.#lastError = error.message;
    this.#tools.invalidate();
    this.#logger.warn({ err: error.message, retryInMs: delay }, 'server unavailable');
  }

  /**
   * Marks work on this connection, so a retired connection stays open until it is done (SPEC §12:
   * in-flight calls finish on the config they started with). Returns the release function.
   */
  hold(timeoutMs = this.config.timeoutMs): () => void {
    return this.#holds.hold(timeoutMs);
  }

  /** The cached tool list, if there is one: lets the hot path skip an await (see listTools). */
  get cachedTools(): ToolCatalog | undefined {
    return this.#tools.current;
  }

  /**
   * The server's tools, from cache when fresh; concurrent callers share one `tools/list`. The
   * wait (connect included) is bounded by `timeoutMs`, the caller's timeout; the shared load
   * itself by the server's.
   */
  async listTools(signal?: AbortSignal, timeoutMs = this.config.timeoutMs): Promise<ToolCatalog> {
    const cached = this.#tools.current;
    if (cached) return cached;
    const release = this.hold(timeoutMs);
    const wait = deadlineSignal(signal, timeoutMs);
    try {
      return await waitFor(
        this.#tools.get(() => this.#loadTools()),
        wait,
      );
    } catch (error) {
      throw this.#waitError(error, wait, { timeoutMs, phase: 'listing tools' });
    } finally {
      release();
    }
  }

  /** An aborted wait becomes TIMEOUT or "the caller cancelled"; anything else is as it was. */
  #waitError(
    error: unknown,
    wait: AbortSignal,
    context: { timeoutMs: number; phase: CallPhase; tool?: string },
  ): unknown {
    return wait.aborted && error === wait.reason ? this.#errors.aborted(wait.reason, context) : error;
  }

  async #loadTools(): Promise<LoadedTools> {
    const timeoutMs = this.config.timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const session = await this.connect();
      const generation = this.#tools.generation;
      try {
        const tools = await session.listTools({ timeoutMs });
        this.#consecutiveFailures = 0;
        return { tools, generation };
      } catch (error) {
        const loss = session.loss() ?? sessionLoss(error, session.transportKind);
        if (loss) this.#sessionLost(session, loss);
        // tools/list is safe to repeat: a forgotten session is re-initialised once, transparently.
        if (attempt === 1 && loss?.kind === 'forgotten') continue;
        throw this.#errors.classify(error, {
          timeoutMs,
          phase: 'listing tools',
          closeReason: () => this.#closeReason(session),
        });
      }
    }
  }

  /** Calls a tool on the shared session; the result is returned exactly as the server sent it. */
  async callTool(params: CallToolParams, options: CallToolOptions): Promise<CallToolResult> {
    const release = options.held === true ? undefined : this.hold(options.timeoutMs);
    this.#callsInFlight += 1;
    try {
      // A ready session is used at once: every await on the hot path is a trip through the queue.
      const state = this.#state;
      const session = state.kind === 'ready' ? state.session : await this.#connectFor(params.name, options);
      try {
        const result = this.#secrets.maskResult(await session.callTool(params, options));
        this.#consecutiveFailures = 0;
        return result;
      } catch (error) {
        throw this.#callError(error, session, params.name, options);
      }
    } finally {
      this.#callsInFlight -= 1;
      release?.();
    }
  }

  /** A connect for one call, waited for within the call's timeout. */
  async #connectFor(tool: string, options: CallToolOptions): Promise<Session> {
    const wait = deadlineSignal(options.signal, options.timeoutMs);
    try {
      return await this.connect(wait);
    } catch (error) {
      throw this.#waitError(error, wait, { timeoutMs: options.timeoutMs, phase: 'connecting', tool });
    }
  }

  #callError(error: unknown, session: Session, tool: string, options: CallToolOptions): GatewayError {
    const context = { tool, timeoutMs: options.timeoutMs, phase: 'calling' as const };
    if (options.signal?.aborted) return this.#errors.aborted(options.signal.reason, context);
    const loss = session.loss() ?? sessionLoss(error, session.transportKind);
    if (loss) {
      this.#sessionLost(session, loss);
      return this.#errors.callLost(loss, tool, error);
    }
    return this.#errors.classify(error, { ...context, closeReason: () => this.#closeReason(session) });
  }

  /** Why calls on `session` failed: our own close (a reload, shutdown) or the session's end. */
  #closeReason(session: Session): string | undefined {
    if (this.#state.kind === 'closed') return this.#state.reason;
    return session.closeReason();
  }

  /**
   * A reload removed or replaced this server: open no new session, let the calls already running
   * finish (at most the longest of their timeouts), then close.
   */
  async retire(reason: string): Promise<void> {
    this.#retiredBecause ??= reason;
    let outlived = false;
    if (this.#holds.size > 0 && this.#state.kind !== 'closed') {
      this.#logger.info(
        { inFlight: this.#holds.size, deadlineMs: this.#holds.deadlineMs },
        'retired; closing after in-flight calls',
      );
      outlived = await this.#holds.drained();
    }
    await this.close(outlived ? `${reason}, and the call did not finish in time` : reason);
  }

  /** Idempotent: stops the session (and the child process group) for good. */
  async close(reason = 'the gateway is shutting down'): Promise<void> {
    const state = this.#state;
    if (state.kind === 'closed') return;
    this.#state = { kind: 'closed', reason };
    this.#tools.invalidate();
    this.#holds.stop();
    if (state.kind === 'ready') await state.session.close();
    if (state.kind === 'connecting') {
      state.controller.abort();
      await state.attempt.then((session) => session.close()).catch(() => {});
    }
  }
}
