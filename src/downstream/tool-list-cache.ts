import type { Tool } from '@modelcontextprotocol/client';

/** A server's tools as last listed, in the server's order, with a by-name index. */
export interface ToolCatalog {
  readonly tools: readonly Tool[];
  readonly byName: ReadonlyMap<string, Tool>;
}

/** A load's result and the cache generation it started from (after its connect). */
export interface LoadedTools {
  tools: Tool[];
  generation: number;
}

/**
 * One server's cached tool list (SPEC §12: refreshed on list_changed and on reconnect):
 * concurrent loads are shared, a slow load cannot install a list that went stale meanwhile, and
 * every change (stale or replaced) is reported through `onChange`, for the gateway's catalog.
 */
export class ToolListCache {
  #catalog: ToolCatalog | undefined;
  #loading: Promise<ToolCatalog> | undefined;
  /** Bumped whenever the cached list goes stale, so a slow load cannot install an old list. */
  #generation = 0;
  /** Kept while a fresh list is on its way: list_servers shows a count, not a gap (issue 8 item 8). */
  #lastCount: number | null = null;
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  get current(): ToolCatalog | undefined {
    return this.#catalog;
  }

  get generation(): number {
    return this.#generation;
  }

  /** The number of tools last listed, until a new list replaces it. */
  get lastCount(): number | null {
    return this.#catalog?.tools.length ?? this.#lastCount;
  }

  /** The cached list, or the running load, or a new load started with `load`. */
  get(load: () => Promise<LoadedTools>): Promise<ToolCatalog> {
    if (this.#catalog) return Promise.resolve(this.#catalog);
    if (!this.#loading) {
      const loading = load().then(({ tools, generation }) => this.#install(tools, generation));
      this.#loading = loading;
      // Settled loads never stay cached as promises: a failure is retried by the next caller.
      const clear = () => {
        if (this.#loading === loading) this.#loading = undefined;
      };
      loading.then(clear, clear);
    }
    return this.#loading;
  }

  /** The list is stale (list_changed, a lost or closed session): drop it and any load running. */
  invalidate(): void {
    this.#generation += 1;
    this.#catalog = undefined;
    this.#loading = undefined;
    this.#onChange();
  }

  /**
   * A new session may serve a different list: reported even when nothing was cached. A load
   * waiting on this connect lists afresh, so it is kept.
   */
  reset(): void {
    this.#catalog = undefined;
    this.#onChange();
  }

  #install(tools: Tool[], generation: number): ToolCatalog {
    const catalog: ToolCatalog = { tools, byName: new Map(tools.map((tool) => [tool.name, tool])) };
    if (generation === this.#generation) {
      this.#catalog = catalog;
      this.#lastCount = tools.length;
      this.#onChange();
    }
    return catalog;
  }
}
