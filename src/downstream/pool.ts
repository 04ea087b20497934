import type { ServerConfig } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import { DownstreamConnection, type DownstreamConnectionOptions } from './connection.ts';

export type DownstreamPoolOptions = DownstreamConnectionOptions;

/** What a config change did to the pool, for the reload log. */
export interface PoolChange {
  added: string[];
  removed: string[];
  /** New session: something that defines how the server is started or reached changed. */
  changed: string[];
  /** Same session, new settings: description, timeout_ms, connect_timeout_ms, max_output_chars. */
  updated: string[];
  unchanged: string[];
}

/**
 * The set of downstream connections, one per configured server (SPEC §12). The pool knows
 * servers, never agents: policy is decided before a call reaches it.
 */
export class DownstreamPool {
  readonly #options: DownstreamPoolOptions;
  readonly #logger: Logger;
  #connections = new Map<string, DownstreamConnection>();
  /** Removed or replaced connections still finishing their in-flight calls. */
  readonly #retiring = new Set<DownstreamConnection>();
  readonly #toolListeners = new Set<(server: string) => void>();
  /** Each live connection's subscription, dropped when it retires: a retiring one speaks no more. */
  readonly #unsubscribe = new Map<DownstreamConnection, () => void>();
  #closed = false;

  constructor(servers: readonly ServerConfig[], options: DownstreamPoolOptions) {
    this.#options = options;
    this.#logger = options.logger;
    for (const server of servers) this.#connections.set(server.name, this.#create(server));
  }

  /**
   * Calls `listener` with a server's name whenever its tool list goes stale or is replaced
   * (see DownstreamConnection.onToolsChanged), and when `apply()` adds, removes or replaces it.
   * Returns the unsubscribe function.
   */
  onToolsChanged(listener: (server: string) => void): () => void {
    this.#toolListeners.add(listener);
    return () => this.#toolListeners.delete(listener);
  }

  #emitToolsChanged(server: string): void {
    for (const listener of this.#toolListeners) {
      try {
        listener(server);
      } catch (error) {
        this.#logger.error({ server, err: error }, 'a tools-changed listener threw');
      }
    }
  }

  #create(server: ServerConfig): DownstreamConnection {
    const connection = new DownstreamConnection(server, this.#options);
    this.#unsubscribe.set(
      connection,
      connection.onToolsChanged(() => this.#emitToolsChanged(server.name)),
    );
    return connection;
  }

  get(name: string): DownstreamConnection | undefined {
    return this.#connections.get(name);
  }

  /** Connections in config order. */
  all(): DownstreamConnection[] {
    return [...this.#connections.values()];
  }

  /**
   * Eager start (GATEWAY_INIT_STRATEGY=eager): connects every server in parallel in the
   * background; failures are recorded on each connection, never thrown.
   */
  connectAll(): void {
    for (const connection of this.#connections.values()) {
      if (connection.config.unavailableReason !== undefined) continue;
      void connection.listTools().catch(() => {});
    }
  }

  /**
   * Applies a new servers config: only added, removed and changed servers are touched; a change
   * of `description` alone keeps the running session (SPEC §12). Calls still running on a removed
   * or replaced server finish on its old session, which closes once they are done (SPEC §12:
   * in-flight calls finish on the config they started with); new calls see the new config.
   */
  apply(servers: readonly ServerConfig[]): PoolChange {
    const change: PoolChange = { added: [], removed: [], changed: [], updated: [], unchanged: [] };
    const next = new Map<string, DownstreamConnection>();
    for (const server of servers) {
      const current = this.#connections.get(server.name);
      if (!current) {
        change.added.push(server.name);
        next.set(server.name, this.#create(server));
      } else if (sessionKey(current.config) !== sessionKey(server)) {
        change.changed.push(server.name);
        next.set(server.name, this.#create(server));
      } else {
        const same = JSON.stringify(current.config) === JSON.stringify(server);
        (same ? change.unchanged : change.updated).push(server.name);
        current.updateSettings(server);
        next.set(server.name, current);
      }
    }
    const retired: [DownstreamConnection, string][] = [];
    for (const [name, connection] of this.#connections) {
      if (next.get(name) === connection) continue;
      const removed = !next.has(name);
      if (removed) change.removed.push(name);
      retired.push([
        connection,
        removed
          ? 'it was removed from the servers file'
          : 'its configuration changed; new calls use a new session',
      ]);
    }
    this.#connections = next;
    for (const [connection, reason] of retired) this.#retire(connection, reason);
    for (const name of [...change.added, ...change.removed, ...change.changed]) this.#emitToolsChanged(name);
    return change;
  }

  #retire(connection: DownstreamConnection, reason: string): void {
    this.#unsubscribe.get(connection)?.();
    this.#unsubscribe.delete(connection);
    this.#retiring.add(connection);
    connection
      .retire(reason)
      .catch((error: unknown) => this.#logger.warn({ server: connection.name, err: error }, 'close failed'))
      .finally(() => this.#retiring.delete(connection));
  }

  /** Closes every connection, retiring ones included: the gateway has already drained its calls. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.values()) unsubscribe();
    this.#unsubscribe.clear();
    const all = [...this.#connections.values(), ...this.#retiring];
    await Promise.allSettled(all.map((connection) => connection.close()));
  }
}

/**
 * Everything that needs a new session when it changes: how the server is started or reached.
 * The other settings apply to the running session.
 */
function sessionKey(config: ServerConfig): string {
  const {
    description: _description,
    timeoutMs: _timeoutMs,
    connectTimeoutMs: _connectTimeoutMs,
    maxOutputChars: _maxOutputChars,
    ...rest
  } = config;
  return JSON.stringify(rest);
}
