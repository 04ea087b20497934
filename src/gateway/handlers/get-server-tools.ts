import type { CallToolResult } from '@modelcontextprotocol/server';
import { fnmatch } from '../../policy/glob.ts';
import { accessibleServer } from '../access.ts';
import { getServerToolsArguments, normalizeNames, parseArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import type { ToolEntry } from '../catalog.ts';
import { jsonToolResult } from '../results.ts';

/**
 * `get_server_tools` (SPEC §8): the tools of one server that the agent may call, in the server's
 * order, filtered by names and pattern, within an optional token budget (skip, not stop). A budget
 * of 0 or less returns no tools, as the Python original did.
 */
export async function getServerTools(
  raw: unknown,
  ctx: CallContext,
  deps: HandlerDeps,
): Promise<CallToolResult> {
  const args = parseArguments(getServerToolsArguments, raw, 'get_server_tools');
  const connection = accessibleServer(args.server, ctx, deps);
  const catalog = await deps.catalog.loadForCounting(connection, ctx.signal);
  const names = normalizeNames(args.names);
  const budget = args.max_schema_tokens;

  const candidates = catalog.entries.filter(
    ({ tool }) =>
      (!names || names.has(tool.name)) &&
      (args.pattern === undefined || fnmatch(tool.name, args.pattern)) &&
      ctx.policy.evaluateToolAccess(ctx.agentId, args.server, tool.name).effect !== 'deny',
  );
  // No tool fits a budget of 0 or less: every candidate is omitted without being counted.
  if (budget !== undefined && budget <= 0) {
    return jsonToolResult({
      server: args.server,
      tools: [],
      total_available: catalog.total,
      returned: 0,
      tokens_used: 0,
      ...(candidates.length > 0 && { omitted: candidates.length }),
    });
  }
  await deps.catalog.countTokens(candidates, ctx.signal);

  const tools: ToolEntry[] = [];
  let tokensUsed = 0;
  let omitted = 0;
  for (const candidate of candidates) {
    const tokens = candidate.tokens ?? 0;
    if (budget !== undefined && tokensUsed + tokens > budget) {
      omitted += 1;
      continue;
    }
    tools.push(candidate.entry);
    tokensUsed += tokens;
  }
  return jsonToolResult({
    server: args.server,
    tools,
    total_available: catalog.total,
    returned: tools.length,
    tokens_used: tokensUsed,
    ...(omitted > 0 && { omitted }),
  });
}
