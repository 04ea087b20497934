import type { ServerConfig } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import { DownstreamConnection, type DownstreamConnectionOptions } from './connection.ts';

export type DownstreamPoolOptions = DownstreamConnectionOptions;

/** What a config change did to the pool, for the reload log. */
export interface PoolChange {
  added: string[];
  removed: string[];
  changed: string[];
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
  #closed = false;

  constructor(servers: readonly ServerConfig[], options: DownstreamPoolOptions) {
    this.#options = options;
    this.#logger = options.logger;
    for (const server of servers)
      this.#connections.set(server.name, new DownstreamConnection(server, options));
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
   * of `description` alone keeps the running session (SPEC §12). Removed and replaced sessions
   * close in the background once started, so in-flight calls on them end with SERVER_UNAVAILABLE
   * rather than hanging.
   */
  apply(servers: readonly ServerConfig[]): PoolChange {
    const change: PoolChange = { added: [], removed: [], changed: [], unchanged: [] };
    const next = new Map<string, DownstreamConnection>();
    for (const server of servers) {
      const current = this.#connections.get(server.name);
      if (!current) {
        change.added.push(server.name);
        next.set(server.name, new DownstreamConnection(server, this.#options));
      } else if (sessionKey(current.config) === sessionKey(server)) {
        change.unchanged.push(server.name);
        current.updateDescription(server.description);
        next.set(server.name, current);
      } else {
        change.changed.push(server.name);
        next.set(server.name, new DownstreamConnection(server, this.#options));
      }
    }
    const retired: DownstreamConnection[] = [];
    for (const [name, connection] of this.#connections) {
      if (next.get(name) === connection) continue;
      if (!next.has(name)) change.removed.push(name);
      retired.push(connection);
    }
    this.#connections = next;
    for (const connection of retired) {
      connection
        .close()
        .catch((error: unknown) =>
          this.#logger.warn({ server: connection.name, err: String(error) }, 'close failed'),
        );
    }
    return change;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#connections.values()].map((connection) => connection.close()));
  }
}

/** Everything about a server that needs a new session when it changes: all but the description. */
function sessionKey(config: ServerConfig): string {
  const { description: _description, ...rest } = config;
  return JSON.stringify(rest);
}
