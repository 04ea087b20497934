/**
 * Tokens (o200k) of a discovery through `search_tools` that finds and calls one tool, against
 * loading that tool's server directly. Computed from the catalog snapshot and the result shapes
 * of SPEC §8/§17, as sections/context.ts counts a gateway call: the request
 * (`{"name", "arguments"}` as JSON) plus the result text.
 *
 *   gateway: search_tools → get_server_tools {server, names: [tool]} → execute_tool
 *   direct:  the server's whole tools/list, then the call itself
 *
 * Both sides also show the standing cost every turn pays: the gateway's four tools (with the
 * proposed search_tools) against the server's tools/list.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { gatewayToolDefinitions } from '../../src/gateway/tool-definitions.ts';
import { createToolIndex } from '../../src/search/tool-index.ts';
import { snapshotDocuments, snapshotServers } from '../../test/search/labelled-set.ts';

interface DiscoveryCase {
  query: string;
  server: string;
  tool: string;
  args: Record<string, unknown>;
}

/** One everyday task per catalog server. */
const CASES: DiscoveryCase[] = [
  {
    query: 'read a text file',
    server: 'filesystem',
    tool: 'read_text_file',
    args: { path: '/tmp/notes.txt' },
  },
  { query: 'take a screenshot of the page', server: 'playwright', tool: 'browser_take_screenshot', args: {} },
  {
    query: 'search notion pages by title',
    server: 'notion',
    tool: 'API-post-search',
    args: { query: 'Roadmap' },
  },
  {
    query: 'add a person to the knowledge graph',
    server: 'memory',
    tool: 'create_entities',
    args: { entities: [{ name: 'Alice', entityType: 'person', observations: ['works at Acme'] }] },
  },
  { query: 'add two numbers', server: 'everything', tool: 'get-sum', args: { a: 2, b: 3 } },
];

export interface DiscoveryCaseTokens {
  query: string;
  server: string;
  tool: string;
  /** Where the wanted tool ranked in search_tools' results (1 = first; 0 = not returned). */
  rank: number;
  search_tools: number;
  get_server_tools_names: number;
  execute_tool: number;
  /** search_tools + get_server_tools + execute_tool. */
  gateway_discovery: number;
  /** The server's whole tools/list plus the direct call request. */
  direct: number;
  server_tools_list: number;
}

export interface DiscoveryTokens {
  tokenizer: string;
  /** The gateway's whole tools/list (no debug tool), search_tools included. */
  gateway_tools_list: number;
  search_tools_definition: number;
  cases: DiscoveryCaseTokens[];
}

const callTokens = (name: string, args: Record<string, unknown>, result?: unknown) =>
  countTokens(JSON.stringify({ name, arguments: args })) +
  (result === undefined ? 0 : countTokens(JSON.stringify(result)));

export function measureDiscoveryTokens(): DiscoveryTokens {
  const servers = snapshotServers();
  const index = createToolIndex(snapshotDocuments());
  const gatewayTools = gatewayToolDefinitions(false);
  const listTokens = (tools: readonly object[]) =>
    tools.reduce((sum, tool) => sum + countTokens(JSON.stringify(tool)), 0);
  const cases = CASES.map((entry): DiscoveryCaseTokens => {
    const server = servers.find((candidate) => candidate.name === entry.server);
    const tool = server?.tools.find((candidate) => candidate.name === entry.tool);
    if (!server || !tool) throw new Error(`the snapshot has no ${entry.server}.${entry.tool}`);
    const results = index.search(entry.query);
    const search = callTokens(
      'search_tools',
      { query: entry.query },
      { results, searched_servers: servers.map((candidate) => candidate.name) },
    );
    // get_server_tools entries keep the downstream tool's fields (SPEC §8).
    const entryTokens = countTokens(JSON.stringify(tool));
    const get = callTokens(
      'get_server_tools',
      { server: entry.server, names: [entry.tool] },
      {
        server: entry.server,
        tools: [tool],
        total_available: server.tools.length,
        returned: 1,
        tokens_used: entryTokens,
      },
    );
    const execute = callTokens('execute_tool', { server: entry.server, tool: entry.tool, args: entry.args });
    const serverList = listTokens(server.tools);
    return {
      query: entry.query,
      server: entry.server,
      tool: entry.tool,
      rank: results.findIndex((result) => result.server === entry.server && result.tool === entry.tool) + 1,
      search_tools: search,
      get_server_tools_names: get,
      execute_tool: execute,
      gateway_discovery: search + get + execute,
      direct: serverList + callTokens(entry.tool, entry.args),
      server_tools_list: serverList,
    };
  });
  return {
    tokenizer: 'o200k_base (gpt-tokenizer)',
    gateway_tools_list: listTokens(gatewayTools),
    search_tools_definition: listTokens(gatewayTools.filter((tool) => tool.name === 'search_tools')),
    cases,
  };
}
