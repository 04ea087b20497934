/**
 * Context: what an agent's context pays, in o200k tokens (gpt-tokenizer), for the gateway's own
 * `tools/list` against the `tools/list` of every downstream server it stands in front of, and for
 * a realistic discovery sequence (`list_servers`, then one `get_server_tools`).
 *
 * A tool list costs the sum over its tools of the tokens of each tool's compact JSON (the way
 * SPEC §8 counts `tokens_used`). A gateway call costs the tokens of its request
 * (`{"name", "arguments"}` as JSON) plus the tokens of the text the result puts in context.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectStdio,
  ROOT,
  startGateway,
  type Connected,
  type ToolDefinition,
  type ToolResult,
} from '../lib/endpoints.ts';

export interface CatalogServer {
  name: string;
  package: string;
  args: string[];
  env?: Record<string, string>;
}

/** Real published servers installed as devDependencies; all of them list their tools offline. */
export function catalog(workDir: string): CatalogServer[] {
  const inPackage = (pkg: string, file: string) => join(ROOT, 'node_modules', pkg, file);
  return [
    {
      name: 'memory',
      package: '@modelcontextprotocol/server-memory',
      args: [inPackage('@modelcontextprotocol/server-memory', 'dist/index.js')],
      env: { MEMORY_FILE_PATH: join(workDir, 'memory.jsonl') },
    },
    {
      name: 'everything',
      package: '@modelcontextprotocol/server-everything',
      args: [inPackage('@modelcontextprotocol/server-everything', 'dist/index.js'), 'stdio'],
    },
    {
      name: 'filesystem',
      package: '@modelcontextprotocol/server-filesystem',
      args: [inPackage('@modelcontextprotocol/server-filesystem', 'dist/index.js'), workDir],
    },
    {
      name: 'playwright',
      package: '@playwright/mcp',
      args: [inPackage('@playwright/mcp', 'cli.js'), '--headless'],
    },
    {
      name: 'notion',
      package: '@notionhq/notion-mcp-server',
      args: [inPackage('@notionhq/notion-mcp-server', 'bin/cli.mjs')],
    },
  ];
}

/** The discovery an agent makes to read a file through the gateway. */
const DISCOVERY = { server: 'filesystem', names: ['read_text_file', 'list_directory'] };

export interface ToolListTokens {
  tools: number;
  tokens: number;
}

export interface ContextResult {
  tokenizer: string;
  gateway_tools_list: ToolListTokens & { per_tool: Record<string, number> };
  gateway_tools_list_debug: ToolListTokens;
  downstream: (ToolListTokens & { server: string; package: string })[];
  downstream_total: ToolListTokens;
  /** Tokens a session no longer loads up front: downstream total − gateway tools/list. */
  upfront_saving: { tokens: number; percent: number };
  discovery: {
    server: string;
    names: string[];
    list_servers_tokens: number;
    get_server_tools_full_tokens: number;
    get_server_tools_filtered_tokens: number;
    /** gateway tools/list + list_servers + get_server_tools (all tools of the server). */
    sequence_full_tokens: number;
    /** gateway tools/list + list_servers + get_server_tools with `names`. */
    sequence_filtered_tokens: number;
    /** sequence_filtered_tokens as a share of loading every downstream tools/list. */
    sequence_filtered_share_percent: number;
  };
  /** `get_server_tools` for each server through the gateway: whole list, and its first tool only. */
  per_server_get_server_tools: { server: string; full_tokens: number; first_tool_tokens: number }[];
}

export async function measureContext(serverNames: readonly string[]): Promise<ContextResult> {
  const workDir = await mkdtemp(join(tmpdir(), 'gateway-bench-context-'));
  try {
    const servers = catalog(workDir).filter((server) => serverNames.includes(server.name));
    if (!serverNames.includes(DISCOVERY.server))
      throw new Error(`the catalog must include ${DISCOVERY.server}`);
    const downstream: ContextResult['downstream'] = [];
    const firstToolName = new Map<string, string>();
    for (const server of servers) {
      const tools = await listCatalogTools(server);
      firstToolName.set(server.name, tools[0]?.name ?? '');
      downstream.push({ server: server.name, package: server.package, ...toolListTokens(tools) });
    }
    const gateway = await startGateway({
      servers: Object.fromEntries(
        servers.map((server) => [
          server.name,
          { command: process.execPath, args: server.args, ...(server.env && { env: server.env }) },
        ]),
      ),
    });
    let gatewayList: ContextResult['gateway_tools_list'];
    let discovery: ContextResult['discovery'];
    const perServer: ContextResult['per_server_get_server_tools'] = [];
    try {
      const tools = await gateway.listTools();
      gatewayList = {
        ...toolListTokens(tools),
        per_tool: Object.fromEntries(tools.map((tool) => [tool.name, countTokens(JSON.stringify(tool))])),
      };
      const listServers = await callTokens(gateway, 'list_servers', {});
      const full = await callTokens(gateway, 'get_server_tools', { server: DISCOVERY.server });
      const filtered = await callTokens(gateway, 'get_server_tools', {
        server: DISCOVERY.server,
        names: DISCOVERY.names,
      });
      for (const server of servers) {
        perServer.push({
          server: server.name,
          full_tokens: await callTokens(gateway, 'get_server_tools', { server: server.name }),
          first_tool_tokens: await callTokens(gateway, 'get_server_tools', {
            server: server.name,
            names: [firstToolName.get(server.name) ?? ''],
          }),
        });
      }
      const total = downstream.reduce((sum, entry) => sum + entry.tokens, 0);
      const filteredSequence = gatewayList.tokens + listServers + filtered;
      discovery = {
        server: DISCOVERY.server,
        names: DISCOVERY.names,
        list_servers_tokens: listServers,
        get_server_tools_full_tokens: full,
        get_server_tools_filtered_tokens: filtered,
        sequence_full_tokens: gatewayList.tokens + listServers + full,
        sequence_filtered_tokens: filteredSequence,
        sequence_filtered_share_percent: Math.round((filteredSequence / total) * 1000) / 10,
      };
    } finally {
      await gateway.close();
    }
    const debugGateway = await startGateway({ servers: {}, env: { GATEWAY_DEBUG: 'true' } });
    let debugList: ToolListTokens;
    try {
      debugList = toolListTokens(await debugGateway.listTools());
    } finally {
      await debugGateway.close();
    }
    const downstreamTotal = {
      tools: downstream.reduce((sum, entry) => sum + entry.tools, 0),
      tokens: downstream.reduce((sum, entry) => sum + entry.tokens, 0),
    };
    const saving = downstreamTotal.tokens - gatewayList.tokens;
    return {
      tokenizer: 'o200k_base (gpt-tokenizer)',
      gateway_tools_list: gatewayList,
      gateway_tools_list_debug: debugList,
      downstream,
      downstream_total: downstreamTotal,
      upfront_saving: { tokens: saving, percent: Math.round((saving / downstreamTotal.tokens) * 1000) / 10 },
      discovery,
      per_server_get_server_tools: perServer,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** A catalog server's tools/list, from one direct stdio session that is closed again. */
export async function listCatalogTools(server: CatalogServer): Promise<ToolDefinition[]> {
  const connected = await connectStdio({
    command: process.execPath,
    args: server.args,
    env: { ...server.env },
  });
  try {
    return await connected.listTools();
  } finally {
    await connected.close();
  }
}

function toolListTokens(tools: readonly object[]): ToolListTokens {
  return {
    tools: tools.length,
    tokens: tools.reduce((sum, tool) => sum + countTokens(JSON.stringify(tool)), 0),
  };
}

/** Tokens of one gateway call as the agent's context holds it: the request and the result text. */
async function callTokens(gateway: Connected, name: string, args: Record<string, unknown>): Promise<number> {
  const result = await gateway.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result).slice(0, 300)}`);
  return countTokens(JSON.stringify({ name, arguments: args })) + countTokens(resultText(result));
}

function resultText(result: ToolResult): string {
  const content = (result.content ?? []) as { type?: string; text?: string }[];
  return content
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('\n');
}
