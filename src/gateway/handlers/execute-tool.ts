import type { CallToolResult } from '@modelcontextprotocol/server';
import { GatewayError } from '../../errors.ts';
import { accessibleServer } from '../access.ts';
import { parseExecuteToolArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import { truncateOutput } from '../truncate-output.ts';

/**
 * `execute_tool` (SPEC §8): policy, existence, argument validation, then the call on the pooled
 * session. The downstream result is returned as it is, `isError` included, unless the server has
 * a `max_output_chars` limit and the result's text exceeds it.
 */
export async function executeTool(
  raw: unknown,
  ctx: CallContext,
  deps: HandlerDeps,
): Promise<CallToolResult> {
  const args = parseExecuteToolArguments(raw);
  ctx.record.tool = args.tool;
  const connection = accessibleServer(args.server, ctx, deps);
  const decision = ctx.policy.evaluateToolAccess(ctx.agentId, args.server, args.tool);
  ctx.record.rule = decision.rule;
  const details = { agent_id: ctx.agentId, server: args.server, tool: args.tool };
  if (decision.effect === 'deny') {
    throw new GatewayError(
      'DENIED_BY_POLICY',
      `agent "${ctx.agentId}" may not call tool "${args.tool}" on server "${args.server}"`,
      { ...details, rule: decision.rule },
    );
  }
  // Held from lookup to answer: a reload that removes or replaces the server meanwhile lets this
  // call finish on the session it started with (SPEC §12).
  const timeoutMs = args.timeout_ms ?? connection.config.timeoutMs;
  const release = connection.hold(timeoutMs);
  try {
    // Every wait of the call, the tool list's included, is bounded by its timeout (issue 8 item 3).
    const catalog =
      deps.catalog.cached(connection) ?? (await deps.catalog.load(connection, ctx.signal, timeoutMs));
    const entry = catalog.byName.get(args.tool);
    if (!entry) {
      throw new GatewayError(
        'TOOL_NOT_FOUND',
        `server "${args.server}" has no tool "${args.tool}"; call get_server_tools to see its tools`,
        details,
      );
    }
    const toolArgs = args.args ?? {};
    deps.catalog.validate(entry, toolArgs);
    const result = await connection.callTool(
      { name: args.tool, arguments: toolArgs },
      // `held`: the hold above is the call's one; in_flight counts it once.
      { signal: ctx.signal, timeoutMs, held: true, ...(ctx.onProgress && { onprogress: ctx.onProgress }) },
    );
    ctx.record.downstreamIsError = result.isError === true;
    const limit = connection.config.maxOutputChars;
    return limit === undefined ? result : truncateOutput(result, limit, args.server);
  } finally {
    release();
  }
}
