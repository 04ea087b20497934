import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { fnmatch } from '../../policy/glob.ts';
import { accessibleServer } from '../access.ts';
import { getServerToolsArguments, normalizeNames, parseArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import { jsonToolResult } from '../results.ts';
import { loadTokenCounter } from '../token-count.ts';

interface ToolEntry {
  name: string;
  title?: string;
  description: string;
  inputSchema: Tool['inputSchema'];
  outputSchema?: Tool['outputSchema'];
  annotations?: Tool['annotations'];
}

/** Entries and their token counts, per tool object of a cached list: counted once per list. */
const measured = new WeakMap<Tool, { entry: ToolEntry; tokens: number }>();

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
  const [catalog, countTokens] = await Promise.all([connection.listTools(ctx.signal), loadTokenCounter()]);
  const names = normalizeNames(args.names);
  const budget = args.max_schema_tokens;

  const tools: ToolEntry[] = [];
  let tokensUsed = 0;
  let omitted = 0;
  for (const tool of catalog.tools) {
    if (names && !names.has(tool.name)) continue;
    if (args.pattern !== undefined && !fnmatch(tool.name, args.pattern)) continue;
    if (ctx.policy.evaluateToolAccess(ctx.agentId, args.server, tool.name).effect === 'deny') continue;
    let measurement = measured.get(tool);
    if (!measurement) {
      const entry = toEntry(tool);
      measurement = { entry, tokens: countTokens(JSON.stringify(entry)) };
      measured.set(tool, measurement);
    }
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
