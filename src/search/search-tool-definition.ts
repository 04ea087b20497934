import type { Tool } from '@modelcontextprotocol/server';

/**
 * The proposed `search_tools` gateway tool (SPEC §17), for the lead to add to
 * gateway/tool-definitions.ts. Every agent pays for these words on every turn: the whole gateway
 * `tools/list` of four tools must stay ≤ 500 tokens (the benchmark counts it). The wording steers
 * an agent to search first and then fetch only the schema it needs.
 */
export const SEARCH_TOOLS_DEFINITION: Tool = {
  name: 'search_tools',
  description:
    'Find tools on all your servers by task, e.g. "read a text file". Returns server, tool and a summary; ' +
    'then get_server_tools with names for just that schema.',
  inputSchema: {
    type: 'object',
    properties: {
      agent_id: { type: 'string', description: 'Your agent id' },
      query: { type: 'string', description: 'What you want to do' },
      server: { type: 'string', description: 'Only this server' },
      limit: { type: 'integer', minimum: 1, maximum: 25, description: 'Default 5' },
    },
    required: ['query'],
  },
};

/**
 * Proposed descriptions for two existing gateway tools, so that none of them says "start here"
 * but search_tools, and get_server_tools invites the `names` filter.
 */
export const DISCOVERY_DESCRIPTIONS = {
  list_servers: 'List the MCP servers you may use.',
  get_server_tools: "Get a server's tool schemas. Pass names (from search_tools) to fetch only those.",
} as const;
