import type { CallToolResult } from '@modelcontextprotocol/server';
import { redactUrl } from '../../config/redact-url.ts';
import type { DownstreamConnection } from '../../downstream/connection.ts';
import { listServersArguments, parseArguments } from '../arguments.ts';
import type { CallContext, HandlerDeps } from '../call-context.ts';
import { jsonToolResult } from '../results.ts';

/** `list_servers` (SPEC §8): the configured servers this agent may access, in config order. */
export function listServers(raw: unknown, ctx: CallContext, deps: HandlerDeps): CallToolResult {
  const args = parseArguments(listServersArguments, raw, 'list_servers');
  const connections = deps.pool.all();
  const accessible = new Set(
    ctx.policy.listAccessibleServers(
      ctx.agentId,
      connections.map((connection) => connection.name),
    ),
  );
  const servers = connections
    .filter((connection) => accessible.has(connection.name))
    .map((connection) => (args.include_metadata ? withMetadata(connection) : summary(connection)));
  return jsonToolResult({ servers });
}

function summary(connection: DownstreamConnection): Record<string, unknown> {
  const { description } = connection.config;
  return { name: connection.name, ...(description !== undefined && { description }) };
}

/** Transport, command or credential-free URL, status and tool count; never args, env or headers. */
function withMetadata(connection: DownstreamConnection): Record<string, unknown> {
  const { config } = connection;
  const snapshot = connection.snapshot();
  const location =
    config.transport === 'stdio' ? { command: config.command } : { url: redactUrl(config.url) };
  return {
    ...summary(connection),
    transport: snapshot.transport ?? (config.transport === 'auto' ? 'http' : config.transport),
    ...location,
    status: publicStatus(snapshot.status),
    ...(snapshot.toolCount !== null && { tool_count: snapshot.toolCount }),
  };
}

/** SPEC §8 shows agents three states; the finer ones are for get_gateway_status. */
function publicStatus(status: ReturnType<DownstreamConnection['snapshot']>['status']): string {
  switch (status) {
    case 'connected':
      return 'connected';
    case 'idle':
    case 'connecting':
      return 'idle';
    case 'reconnecting':
    case 'unavailable':
    case 'closed':
      return 'unavailable';
    case 'needs_auth':
      return 'needs_auth';
  }
}
