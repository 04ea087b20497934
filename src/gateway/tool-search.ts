import type { CompiledPolicy } from '../policy/engine.ts';
import { createToolIndex, type ToolIndex } from '../search/tool-index.ts';
import type { ServerTools } from './catalog.ts';

interface CachedIndex {
  lists: readonly ServerTools[];
  index: ToolIndex;
}

/**
 * One search index per agent, over exactly the tools that agent may call (SPEC §17: a denied tool
 * is never a result and never shifts the scores of others, so the index cannot be shared and
 * filtered afterwards). An index is reused while the policy object and every server's tool list
 * are the ones it was built from: a reload makes a new policy, and list_changed or a reconnect a
 * new list, so the index follows both without any event wiring. Building costs ~0.1 ms a tool.
 */
export class ToolSearchIndexes {
  readonly #byPolicy = new WeakMap<CompiledPolicy, Map<string, CachedIndex>>();

  indexFor(policy: CompiledPolicy, agentId: string, lists: readonly ServerTools[]): ToolIndex {
    let perAgent = this.#byPolicy.get(policy);
    if (!perAgent) {
      perAgent = new Map();
      this.#byPolicy.set(policy, perAgent);
    }
    const cached = perAgent.get(agentId);
    if (cached && sameLists(cached.lists, lists)) return cached.index;
    const documents = lists.flatMap((list) =>
      list.entries
        .filter(
          (entry) => policy.evaluateToolAccess(agentId, list.server, entry.tool.name).effect === 'allow',
        )
        .map((entry) => entry.document),
    );
    const index = createToolIndex(documents);
    perAgent.set(agentId, { lists, index });
    return index;
  }
}

function sameLists(a: readonly ServerTools[], b: readonly ServerTools[]): boolean {
  return a.length === b.length && a.every((list, i) => list === b[i]);
}
