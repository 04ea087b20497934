import type { Tool } from '@modelcontextprotocol/server';
import type { DownstreamConnection, ToolCatalog as ListedTools } from '../downstream/connection.ts';
import type { ToolDocument } from '../search/tool-document.ts';
import type { TokenCounter } from '../tokens/token-counter.ts';
import type { ArgumentsCheck, ToolArgumentsValidator } from './args-validator.ts';

/** A tool as `get_server_tools` returns it (SPEC §8): the MCP fields an agent needs to call it. */
export interface ToolEntry {
  name: string;
  title?: string;
  description: string;
  inputSchema: Tool['inputSchema'];
  outputSchema?: Tool['outputSchema'];
  annotations?: Tool['annotations'];
}

/**
 * Everything the gateway derives from one downstream tool, computed at most once per listed tool:
 * the entry and its compact JSON, its o200k token count, its compiled argument check and its
 * search document. A new tool list (list_changed, reconnect, reload) makes new entries.
 */
export class CatalogEntry {
  readonly server: string;
  readonly tool: Tool;
  readonly entry: ToolEntry;
  /** Counted over the compact JSON of `entry` (SPEC §8 `tokens_used`); unknown until first asked. */
  tokens: number | undefined;
  #check: ArgumentsCheck | undefined;
  #document: ToolDocument | undefined;

  constructor(server: string, tool: Tool) {
    this.server = server;
    this.tool = tool;
    this.entry = toEntry(tool);
  }

  get json(): string {
    return JSON.stringify(this.entry);
  }

  /** The compiled inputSchema check; compiled on the first call that needs it. */
  check(validator: ToolArgumentsValidator): ArgumentsCheck {
    return (this.#check ??= validator.compile(this.tool.inputSchema, {
      server: this.server,
      tool: this.tool.name,
    }));
  }

  get document(): ToolDocument {
    return (this.#document ??= {
      server: this.server,
      name: this.tool.name,
      ...(this.tool.title !== undefined && { title: this.tool.title }),
      ...(this.tool.description !== undefined && { description: this.tool.description }),
      inputSchema: this.tool.inputSchema,
    });
  }
}

/** One server's tools in the server's order, with a by-name index. */
export interface ServerTools {
  readonly server: string;
  readonly entries: readonly CatalogEntry[];
  readonly byName: ReadonlyMap<string, CatalogEntry>;
  /** Tools the server lists (SPEC §8 `total_available`). */
  readonly total: number;
}

export interface ToolCatalogOptions {
  tokenCounter: TokenCounter;
  argsValidator: ToolArgumentsValidator;
}

/**
 * The gateway's view of every server's tools (DESIGN: one catalog instead of per-handler caches).
 * The downstream connection fetches and caches the raw list; the catalog derives its entries from
 * that list object, so a list the connection replaced is never served again and its entries are
 * garbage once nothing holds them. No change event is needed here: a new list (list_changed,
 * reconnect, reload) is a new object, so derived entries and the search indexes built from them
 * (tool-search.ts) follow it by identity; the pool's `onToolsChanged` is the event for anyone else.
 */
export class ToolCatalog {
  readonly #options: ToolCatalogOptions;
  readonly #derived = new WeakMap<ListedTools, ServerTools>();

  constructor(options: ToolCatalogOptions) {
    this.#options = options;
  }

  /** The server's tools when its list is cached: the hot path takes no await for them. */
  cached(connection: DownstreamConnection): ServerTools | undefined {
    const listed = connection.cachedTools;
    return listed && this.#derive(connection.name, listed);
  }

  /**
   * The server's tools, connecting and listing when needed, within the call's signal and timeout
   * (the server's `timeout_ms` when the call has none).
   */
  async load(
    connection: DownstreamConnection,
    signal: AbortSignal,
    timeoutMs?: number,
  ): Promise<ServerTools> {
    return (
      this.cached(connection) ?? this.#derive(connection.name, await connection.listTools(signal, timeoutMs))
    );
  }

  /**
   * As `load`, for a caller that will count tokens next: a list not cached yet takes a connect or
   * a tools/list, and the token counter's process starts meanwhile.
   */
  async loadForCounting(connection: DownstreamConnection, signal: AbortSignal): Promise<ServerTools> {
    const cached = this.cached(connection);
    if (cached) return cached;
    this.#options.tokenCounter.prepare();
    return this.#derive(connection.name, await connection.listTools(signal));
  }

  /** Fills in the token counts of `entries` not counted yet, in one batch. */
  async countTokens(entries: readonly CatalogEntry[], signal: AbortSignal): Promise<void> {
    const fresh = entries.filter((entry) => entry.tokens === undefined);
    if (fresh.length === 0) return;
    // One count per text, in order: TokenCounter.count guarantees it.
    const counts = await this.#options.tokenCounter.count(
      fresh.map((entry) => entry.json),
      signal,
    );
    fresh.forEach((entry, index) => (entry.tokens = counts[index] ?? 0));
  }

  /** Checks `args` against the tool's inputSchema; throws INVALID_ARGUMENTS listing violations. */
  validate(entry: CatalogEntry, args: Record<string, unknown>): void {
    entry.check(this.#options.argsValidator)(args);
  }

  #derive(server: string, listed: ListedTools): ServerTools {
    let tools = this.#derived.get(listed);
    if (!tools) {
      const entries = listed.tools.map((tool) => new CatalogEntry(server, tool));
      tools = {
        server,
        entries,
        byName: new Map(entries.map((entry) => [entry.tool.name, entry])),
        total: entries.length,
      };
      this.#derived.set(listed, tools);
    }
    return tools;
  }
}

function toEntry(tool: Tool): ToolEntry {
  return {
    name: tool.name,
    ...(tool.title !== undefined && { title: tool.title }),
    description: tool.description ?? '',
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations }),
  };
}
