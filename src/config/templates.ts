/**
 * What `agent-mcp-gateway init` writes (SPEC §2). JSON has no comments, so the explanations live in
 * `description` fields, which both schemas accept. Both templates must load without errors or
 * warnings (init.test.ts checks this).
 */

export const SERVERS_TEMPLATE = {
  mcpServers: {
    memory: {
      description:
        'Knowledge-graph memory (a local stdio server, started on first use). Add more servers here: ' +
        '"command" + "args" (+ "env", "cwd") for local ones, "url" (+ "headers") for remote ones.',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-memory'],
    },
    github: {
      description:
        'Example remote server, disabled. Set GITHUB_TOKEN in the environment and "enabled" to true to use it. ' +
        'Environment variables are substituted in every string value, as in the header below (a fallback: VAR:-text).',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${GITHUB_TOKEN}' },
      enabled: false,
    },
  },
};

export const RULES_TEMPLATE = {
  agents: {
    default: {
      description:
        'Used for calls without an agent_id (SPEC §7). Kept read-only: it may read the memory graph, nothing else.',
      allow: {
        servers: ['memory'],
        tools: { memory: ['read_graph', 'search_nodes', 'open_nodes'] },
      },
    },
    researcher: {
      description:
        'Pass agent_id "researcher". Every server and tool, except deleting anything anywhere. ' +
        'Deny rules win over allow rules; globs are fnmatch-style (* ? [seq]).',
      allow: { servers: ['*'] },
      deny: { tools: { '*': ['delete_*'] } },
    },
  },
  defaults: { deny_on_missing_agent: false },
};

export function templateText(template: object): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
