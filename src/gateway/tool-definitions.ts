import type { Tool } from '@modelcontextprotocol/server';

/**
 * The gateway's own tools (SPEC §8). Every agent pays for these descriptions in context on every
 * turn, so they are short and exact; the benchmark counts their tokens (target: ≤ 500 in total).
 */

export const GATEWAY_TOOL_NAMES = [
  'search_tools',
  'list_servers',
  'get_server_tools',
  'execute_tool',
  'get_gateway_status',
] as const;
export type GatewayToolName = (typeof GATEWAY_TOOL_NAMES)[number];

export function isGatewayToolName(name: string): name is GatewayToolName {
  return (GATEWAY_TOOL_NAMES as readonly string[]).includes(name);
}

export type GatewayToolDefinition = Tool & { name: GatewayToolName };

const AGENT_ID = { type: 'string', description: 'Your agent id' } as const;

const DEFINITIONS: readonly GatewayToolDefinition[] = [
  {
    name: 'search_tools',
    description:
      'Find tools on all your servers by task, e.g. "read a text file". Start here. Returns server, tool and a summary; ' +
      'then get_server_tools with names for just that schema.',
    inputSchema: {
      type: 'object',
      properties: {
        agent_id: AGENT_ID,
        query: { type: 'string', description: 'What you want to do' },
        server: { type: 'string', description: 'Only this server' },
        limit: { type: 'integer', minimum: 1, maximum: 25, description: 'Default 5' },
      },
      required: ['query'],
    },
  },
  {
    name: 'list_servers',
    description: 'List the MCP servers you may use.',
    inputSchema: {
      type: 'object',
      properties: {
        agent_id: AGENT_ID,
        include_metadata: { type: 'boolean', description: 'Add transport, status and tool_count' },
      },
    },
  },
  {
    name: 'get_server_tools',
    description: "Get a server's tool schemas. Pass names (from search_tools) to fetch only those.",
    inputSchema: {
      type: 'object',
      properties: {
        agent_id: AGENT_ID,
        server: { type: 'string' },
        names: {
          anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
          description: 'Only these tools (array or comma-separated)',
        },
        pattern: { type: 'string', description: 'Glob on tool names, e.g. "get_*"' },
        max_schema_tokens: { type: 'integer', description: 'Token budget for the result' },
      },
      required: ['server'],
    },
  },
  {
    name: 'execute_tool',
    description: "Call a server's tool. args must match the tool's inputSchema from get_server_tools.",
    inputSchema: {
      type: 'object',
      properties: {
        agent_id: AGENT_ID,
        server: { type: 'string' },
        tool: { type: 'string' },
        args: { type: 'object', description: 'The tool arguments' },
        timeout_ms: { type: 'integer', minimum: 1 },
      },
      required: ['server', 'tool'],
    },
  },
  {
    name: 'get_gateway_status',
    description: 'Gateway health: reloads, servers, policy and metrics (debug).',
    inputSchema: { type: 'object', properties: { agent_id: AGENT_ID } },
  },
];

/** The tools `tools/list` returns: the debug tool only when debug mode is on (SPEC §8). */
export function gatewayToolDefinitions(debug: boolean): GatewayToolDefinition[] {
  return DEFINITIONS.filter((tool) => debug || tool.name !== 'get_gateway_status');
}
