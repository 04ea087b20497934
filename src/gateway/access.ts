import type { DownstreamConnection } from '../downstream/connection.ts';
import { GatewayError } from '../errors.ts';
import type { CallContext, HandlerDeps } from './call-context.ts';

/**
 * The server the agent named, if the agent may access it. Policy comes before existence
 * (SPEC §9): an agent never learns whether a server it may not use is configured.
 */
export function accessibleServer(server: string, ctx: CallContext, deps: HandlerDeps): DownstreamConnection {
  ctx.record.server = server;
  const decision = ctx.policy.evaluateServerAccess(ctx.agentId, server);
  ctx.record.rule = decision.rule;
  if (decision.effect === 'deny') {
    throw new GatewayError('DENIED_BY_POLICY', `agent "${ctx.agentId}" may not access server "${server}"`, {
      rule: decision.rule,
      agent_id: ctx.agentId,
      server,
    });
  }
  const connection = deps.pool.get(server);
  if (!connection) {
    throw new GatewayError(
      'SERVER_NOT_FOUND',
      `no server named "${server}" is configured; call list_servers to see yours`,
      {
        agent_id: ctx.agentId,
        server,
      },
    );
  }
  return connection;
}
