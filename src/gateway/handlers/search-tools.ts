import type { CallToolResult } from '@modelcontextprotocol/server';
import type { DownstreamConnection } from '../../downstream/connection.ts';
import { isGatewayError } from '../../errors.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../search/tool-index.ts';
import { accessibleServer } from '../access.ts';
import { parseArguments, searchToolsArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import type { ServerTools } from '../catalog.ts';
import { jsonToolResult } from '../results.ts';

/**
 * `search_tools` (SPEC §17): BM25 over the tools the agent may call on every server it may access
 * (or one `server`). Servers not listed yet are connected in parallel, each within its own connect
 * timeout and the call's signal; one that cannot be reached is named in `unavailable` and the
 * others are searched.
 */
export async function searchTools(
  raw: unknown,
  ctx: CallContext,
  deps: HandlerDeps,
): Promise<CallToolResult> {
  const args = parseArguments(searchToolsArguments, raw, 'search_tools');
  const connections =
    args.server === undefined
      ? deps.pool
          .all()
          .filter(
            (connection) => ctx.policy.evaluateServerAccess(ctx.agentId, connection.name).effect === 'allow',
          )
      : [accessibleServer(args.server, ctx, deps)];
  const loaded = await Promise.all(connections.map((connection) => load(connection, ctx, deps)));
  const lists = loaded.filter((list): list is ServerTools => list !== undefined);
  const unavailable = connections.filter((_, i) => loaded[i] === undefined).map((c) => c.name);
  const index = deps.search.indexFor(ctx.policy, ctx.agentId, lists);
  const limit = Math.min(Math.max(args.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
  return jsonToolResult({
    results: index.search(args.query, { limit }),
    searched_servers: lists.map((list) => list.server),
    ...(unavailable.length > 0 && { unavailable }),
  });
}

/** The server's tools, or undefined when it cannot be reached now (a fault of ours still throws). */
async function load(
  connection: DownstreamConnection,
  ctx: CallContext,
  deps: HandlerDeps,
): Promise<ServerTools | undefined> {
  try {
    return await deps.catalog.load(connection, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted || !isGatewayError(error) || error.code === 'INTERNAL_ERROR') throw error;
    return undefined;
  }
}
