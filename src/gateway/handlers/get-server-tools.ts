import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { fnmatch } from '../../policy/glob.ts';
import { accessibleServer } from '../access.ts';
import { getServerToolsArguments, normalizeNames, parseArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import { jsonToolResult } from '../results.ts';

interface ToolEntry {
  name: string;
  title?: string;
  description: string;
  inputSchema: Tool['inputSchema'];
  outputSchema?: Tool['outputSchema'];
  annotations?: Tool['annotations'];
}

/** Entries and their token counts, per tool object of a cached list: counted once per list. */
const measured = new WeakMap<Tool, Measurement>();

interface Measurement {
  entry: ToolEntry;
  tokens: number;
}

/**
 * `get_server_tools` (SPEC §8): the tools of one server that the agent may call, in the server's
 * order, filtered by names and pattern, within an optional token budget (skip, not stop).
 */
export async function getServerTools(
  raw: unknown,
  ctx: CallContext,
  deps: HandlerDeps,
): Promise<CallToolResult> {
  const args = parseArguments(getServerToolsArguments, raw, 'get_server_tools');
  const connection = accessibleServer(args.server, ctx, deps);
  // A list not cached yet takes a connect or a tools/list: the token counter starts meanwhile.
  if (!connection.cachedTools) deps.tokenCounter.prepare();
  const catalog = await connection.listTools(ctx.signal);
  const names = normalizeNames(args.names);
  const budget = args.max_schema_tokens;

  const candidates = catalog.tools.filter(
    (tool) =>
      (!names || names.has(tool.name)) &&
      (args.pattern === undefined || fnmatch(tool.name, args.pattern)) &&
      ctx.policy.evaluateToolAccess(ctx.agentId, args.server, tool.name).effect !== 'deny',
  );
  const measurements = await measure(candidates, deps, ctx.signal);

  const tools: ToolEntry[] = [];
  let tokensUsed = 0;
  let omitted = 0;
  for (const measurement of measurements) {
    if (budget !== undefined && tokensUsed + measurement.tokens > budget) {
      omitted += 1;
      continue;
    }
    tools.push(measurement.entry);
    tokensUsed += measurement.tokens;
  }
  return jsonToolResult({
    server: args.server,
    tools,
    total_available: catalog.tools.length,
    returned: tools.length,
    tokens_used: tokensUsed,
    ...(omitted > 0 && { omitted }),
  });
}

/** Each tool's entry and token count; the tools not measured yet are counted in one batch. */
async function measure(
  tools: readonly Tool[],
  deps: HandlerDeps,
  signal: AbortSignal,
): Promise<Measurement[]> {
  const fresh = new Map<Tool, ToolEntry>();
  for (const tool of tools) if (!measured.has(tool)) fresh.set(tool, toEntry(tool));
  if (fresh.size > 0) {
    const texts = [...fresh.values()].map((entry) => JSON.stringify(entry));
    // One count per text, in order: TokenCounter.count guarantees it.
    const counts = await deps.tokenCounter.count(texts, signal);
    let index = 0;
    for (const [tool, entry] of fresh) measured.set(tool, { entry, tokens: counts[index++] ?? 0 });
  }
  return tools.flatMap((tool) => measured.get(tool) ?? []);
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
