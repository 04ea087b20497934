/**
 * The discovery side of the gateway tools (SPEC §8) for any gateway under test: `tools/list`,
 * `list_servers` and `get_server_tools`, against real fixture servers. Run by
 * gateway-discovery.test.ts (the built CLI over stdio) and test/in-process/ (no build).
 */
import type { Tool } from '@modelcontextprotocol/client';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureServer, type RunningGateway, type StartGateway } from '../harness.ts';
import { connectDirect, expectError, expectJson } from '../gateway-test-helpers.ts';

interface ToolEntry {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

interface ServerToolsResult {
  server: string;
  tools: ToolEntry[];
  total_available: number;
  returned: number;
  tokens_used: number;
  omitted?: number;
}

interface ServerEntry {
  name: string;
  description?: string;
  transport?: string;
  command?: string;
  url?: string;
  status?: string;
  tool_count?: number;
}

const UNSET_VARIABLE = 'E2E_GATEWAY_UNSET_VARIABLE_Q7';
const ENV_SECRET = 'env-value-secret-5c1d';
const HEADER_SECRET = 'header-value-secret-8e2f';
const METADATA_KEYS = new Set(['name', 'description', 'transport', 'command', 'url', 'status', 'tool_count']);

const MULTI = fixtureServer('multi-tool', ['--name', 'zeta'], {
  description: 'Zeta: the multi-tool fixture',
  env: { FIXTURE_SECRET: ENV_SECRET },
});

/** Servers in a deliberately non-alphabetical order, to see config order kept. */
const SERVERS = {
  zeta: MULTI,
  alpha: fixtureServer('image'),
  vault: {
    url: 'https://user:secret@host:8443/p?token=abc',
    enabled: true,
    headers: { Authorization: `Bearer ${HEADER_SECRET}`, 'X-Api-Key': HEADER_SECRET },
    description: 'A remote server with credentials in its URL',
  },
  hidden: fixtureServer('multi-tool', [], { enabled: false }),
  needs_var: fixtureServer('multi-tool', [], { env: { TOKEN: `\${${UNSET_VARIABLE}}` } }),
};

const RULES = {
  agents: {
    default: { allow: { servers: ['*'] } },
    reader: {
      allow: { servers: ['zeta', 'needs_var'], tools: { zeta: ['echo*', 'add', 'pid'] } },
      deny: { tools: { '*': ['echo_n'] } },
    },
  },
};

const tokensOf = (entry: ToolEntry): number => countTokens(JSON.stringify(entry));

/** The discovery tests against `start`; `label` tells the variants apart in the report. */
export function discoverySuite(start: StartGateway, label = ''): void {
  describe('gateway tools/list' + label, () => {
    it('returns exactly search_tools, list_servers, get_server_tools and execute_tool without debug, agent_id optional', async () => {
      const gateway = await start();
      try {
        const { tools } = await gateway.client.listTools();
        assert.deepStrictEqual(
          tools.map((tool) => tool.name),
          ['search_tools', 'list_servers', 'get_server_tools', 'execute_tool'],
        );
        assertAgentIdOptional(tools);
        await assert.rejects(gateway.call('get_gateway_status', {}), /get_gateway_status|unknown tool/i);
      } finally {
        await gateway.close();
      }
    });

    it('adds get_gateway_status when GATEWAY_DEBUG=yes', async () => {
      const gateway = await start({ env: { GATEWAY_DEBUG: 'yes' } });
      try {
        const { tools } = await gateway.client.listTools();
        assert.deepStrictEqual(
          tools.map((tool) => tool.name),
          ['search_tools', 'list_servers', 'get_server_tools', 'execute_tool', 'get_gateway_status'],
        );
        assertAgentIdOptional(tools);
      } finally {
        await gateway.close();
      }
    });

    it('adds get_gateway_status with --debug', async () => {
      const gateway = await start({ args: ['--debug'] });
      try {
        const { tools } = await gateway.client.listTools();
        assert.deepStrictEqual(
          tools.map((tool) => tool.name),
          ['search_tools', 'list_servers', 'get_server_tools', 'execute_tool', 'get_gateway_status'],
        );
        assertAgentIdOptional(tools);
      } finally {
        await gateway.close();
      }
    });
  });

  function assertAgentIdOptional(tools: Tool[]): void {
    for (const tool of tools) {
      const properties = tool.inputSchema.properties as Record<string, { type?: string }> | undefined;
      assert.equal(properties?.agent_id?.type, 'string', `${tool.name}: agent_id is a string`);
      assert.ok(
        !(tool.inputSchema.required ?? []).includes('agent_id'),
        `${tool.name}: agent_id is optional`,
      );
      assert.ok(tool.description && tool.description.length > 0, `${tool.name} has a description`);
    }
  }

  describe('gateway list_servers and get_server_tools' + label, () => {
    let gateway: RunningGateway;
    /** multi-tool's own tools/list, read directly, the reference for order and content. */
    let downstreamTools: Tool[];

    before(async () => {
      const [started, direct] = await Promise.all([
        start({ servers: SERVERS, rules: RULES }),
        connectDirect(MULTI),
      ]);
      gateway = started;
      try {
        downstreamTools = (await direct.client.listTools()).tools;
      } finally {
        await direct.close();
      }
    });
    after(() => gateway?.close());

    const serverTools = async (args: Record<string, unknown>): Promise<ServerToolsResult> =>
      expectJson<ServerToolsResult>(await gateway.call('get_server_tools', { server: 'zeta', ...args }));
    const names = (result: ServerToolsResult): string[] => result.tools.map((tool) => tool.name);

    it('lists enabled servers in config order, with a description only when configured', async () => {
      const { servers } = expectJson<{ servers: ServerEntry[] }>(await gateway.call('list_servers'));
      assert.deepStrictEqual(servers, [
        { name: 'zeta', description: 'Zeta: the multi-tool fixture' },
        { name: 'alpha' },
        { name: 'vault', description: 'A remote server with credentials in its URL' },
        { name: 'needs_var' },
      ]);
    });

    it('lists only the servers the agent may access', async () => {
      const { servers } = expectJson<{ servers: ServerEntry[] }>(
        await gateway.call('list_servers', { agent_id: 'reader' }),
      );
      assert.deepStrictEqual(
        servers.map((server) => server.name),
        ['zeta', 'needs_var'],
      );
    });

    it('shows metadata without args, env, headers or URL credentials', async () => {
      const result = await gateway.call('list_servers', { include_metadata: true });
      const { servers } = expectJson<{ servers: ServerEntry[] }>(result);
      const byName = new Map(servers.map((server) => [server.name, server]));
      assert.deepStrictEqual(byName.get('vault'), {
        name: 'vault',
        description: 'A remote server with credentials in its URL',
        transport: 'http',
        url: 'https://host:8443/p',
        status: 'idle',
      });
      assert.equal(byName.get('needs_var')?.status, 'unavailable');
      assert.equal(byName.get('needs_var')?.transport, 'stdio');
      assert.equal(byName.get('zeta')?.command, process.execPath);
      for (const server of servers) {
        for (const key of Object.keys(server)) assert.ok(METADATA_KEYS.has(key), `unexpected key ${key}`);
      }
      const text = JSON.stringify(result);
      for (const secret of [
        'secret',
        'token=abc',
        'user:',
        HEADER_SECRET,
        ENV_SECRET,
        'multi-tool.mjs',
        '--name',
      ]) {
        assert.ok(!text.includes(secret), `list_servers leaked ${secret}`);
      }
    });

    it('reports a server idle before first use and connected with its tool_count after', async () => {
      const status = async () => {
        const { servers } = expectJson<{ servers: ServerEntry[] }>(
          await gateway.call('list_servers', { include_metadata: true }),
        );
        return servers.find((server) => server.name === 'alpha');
      };
      assert.deepStrictEqual(await status(), {
        name: 'alpha',
        transport: 'stdio',
        command: process.execPath,
        status: 'idle',
      });
      const image = await gateway.call('execute_tool', { server: 'alpha', tool: 'get_image' });
      assert.notEqual(image.isError, true);
      assert.deepStrictEqual(await status(), {
        name: 'alpha',
        transport: 'stdio',
        command: process.execPath,
        status: 'connected',
        tool_count: 1,
      });
    });

    it('hides a disabled server from every gateway tool', async () => {
      expectError(await gateway.call('get_server_tools', { server: 'hidden' }), 'SERVER_NOT_FOUND');
      expectError(
        await gateway.call('execute_tool', { server: 'hidden', tool: 'echo', args: { text: 'x' } }),
        'SERVER_NOT_FOUND',
      );
    });

    it('fails a server with an unset variable with SERVER_UNAVAILABLE naming the variable', async () => {
      const error = expectError(
        await gateway.call('execute_tool', { server: 'needs_var', tool: 'echo', args: { text: 'x' } }),
        'SERVER_UNAVAILABLE',
      );
      assert.match(error.message, new RegExp(UNSET_VARIABLE));
      expectError(await gateway.call('get_server_tools', { server: 'needs_var' }), 'SERVER_UNAVAILABLE');
    });

    it('returns every tool in downstream order, carrying schemas, outputSchema and annotations', async () => {
      const result = await serverTools({});
      assert.equal(result.server, 'zeta');
      assert.deepStrictEqual(
        names(result),
        downstreamTools.map((tool) => tool.name),
      );
      assert.equal(result.total_available, downstreamTools.length);
      assert.equal(result.returned, downstreamTools.length);
      assert.ok(!('omitted' in result), 'omitted is absent when nothing was skipped');
      for (const [index, entry] of result.tools.entries()) {
        const tool = downstreamTools[index]!;
        assert.equal(entry.description, tool.description);
        assert.deepStrictEqual(entry.inputSchema, tool.inputSchema);
        assert.deepStrictEqual(entry.outputSchema, tool.outputSchema);
        assert.deepStrictEqual(entry.annotations, tool.annotations);
        assert.equal(entry.title, tool.title);
      }
      const echo = result.tools.find((tool) => tool.name === 'echo');
      assert.ok(echo?.outputSchema && echo.annotations, 'echo carries its outputSchema and annotations');
    });

    it('counts tokens_used as the o200k tokens of each returned entry as compact JSON', async () => {
      for (const args of [{}, { names: 'echo,add' }, { pattern: 'e*' }]) {
        const result = await serverTools(args);
        const expected = result.tools.reduce((sum, entry) => sum + tokensOf(entry), 0);
        assert.ok(expected > 0);
        assert.equal(result.tokens_used, expected, JSON.stringify(args));
      }
    });

    it('filters by names given as a comma-separated string, trimmed, keeping downstream order', async () => {
      const result = await serverTools({ names: ' pid , echo,add ,' });
      assert.deepStrictEqual(names(result), ['echo', 'add', 'pid']);
      assert.equal(result.returned, 3);
      assert.equal(result.total_available, downstreamTools.length);
    });

    it('filters by names given as an array, trimmed', async () => {
      assert.deepStrictEqual(names(await serverTools({ names: [' tuple_2020 ', 'echo_n', 'nope'] })), [
        'tuple_2020',
        'echo_n',
      ]);
    });

    it('treats empty names as no filter', async () => {
      for (const empty of ['', ' , ', []]) {
        assert.equal(
          (await serverTools({ names: empty })).returned,
          downstreamTools.length,
          JSON.stringify(empty),
        );
      }
    });

    it('treats null optional arguments as not given', async () => {
      const plain = expectJson(await gateway.call('list_servers'));
      assert.deepStrictEqual(
        expectJson(await gateway.call('list_servers', { include_metadata: null })),
        plain,
      );
      const result = await serverTools({ names: null, pattern: null, max_schema_tokens: null });
      assert.equal(result.returned, downstreamTools.length);
    });

    it('filters by an fnmatch pattern, combined with names', async () => {
      assert.deepStrictEqual(names(await serverTools({ pattern: 'echo*' })), ['echo', 'echo_n']);
      assert.deepStrictEqual(names(await serverTools({ pattern: '?dd' })), ['add']);
      assert.deepStrictEqual(names(await serverTools({ pattern: '[pr]i*' })), ['rich', 'pid']);
      assert.deepStrictEqual(names(await serverTools({ pattern: 'e*', names: 'add,env,pid' })), ['env']);
    });

    it('leaves out tools the agent may not call but counts them in total_available', async () => {
      const result = expectJson<ServerToolsResult>(
        await gateway.call('get_server_tools', { agent_id: 'reader', server: 'zeta' }),
      );
      assert.deepStrictEqual(names(result), ['echo', 'add', 'pid']);
      assert.equal(result.total_available, downstreamTools.length);
      assert.equal(
        result.tokens_used,
        result.tools.map(tokensOf).reduce((a, b) => a + b, 0),
      );
    });

    it('returns no tools and tokens_used 0 for a max_schema_tokens of 0 or less, as the original did', async () => {
      for (const budget of [0, -3]) {
        const result = await serverTools({ max_schema_tokens: budget });
        assert.deepStrictEqual(result.tools, []);
        assert.equal(result.returned, 0);
        assert.equal(result.tokens_used, 0);
        assert.ok(result.total_available > 0);
        assert.equal(result.omitted, result.total_available, 'every tool was skipped for the budget');
      }
    });

    it('skips a tool that does not fit max_schema_tokens and still takes a later smaller one', async () => {
      const full = await serverTools({ names: 'echo,pid' });
      const [echo, pid] = full.tools;
      assert.ok(echo && pid && echo.name === 'echo' && pid.name === 'pid');
      assert.ok(tokensOf(echo) > tokensOf(pid), 'the fixture must make echo larger than pid');
      const result = await serverTools({ names: 'echo,pid', max_schema_tokens: tokensOf(pid) });
      assert.deepStrictEqual(names(result), ['pid']);
      assert.equal(result.omitted, 1);
      assert.equal(result.returned, 1);
      assert.equal(result.tokens_used, tokensOf(pid));
    });

    it('fills a budget greedily in downstream order and counts every skipped tool in omitted', async () => {
      const full = await serverTools({});
      const sizes = full.tools.map(tokensOf);
      const budget = Math.floor(full.tokens_used / 2);
      let used = 0;
      const expected: string[] = [];
      full.tools.forEach((tool, index) => {
        if (used + sizes[index]! <= budget) {
          expected.push(tool.name);
          used += sizes[index]!;
        }
      });
      const result = await serverTools({ max_schema_tokens: budget });
      assert.deepStrictEqual(names(result), expected);
      assert.equal(result.tokens_used, used);
      assert.ok(result.tokens_used <= budget);
      assert.equal(result.omitted, full.tools.length - expected.length);
      const roomy = await serverTools({ max_schema_tokens: full.tokens_used });
      assert.equal(roomy.returned, full.tools.length);
      assert.ok(!('omitted' in roomy), 'omitted is absent when every tool fits');
    });

    it('never logs env values, header values or URL credentials', () => {
      const log = gateway.stderr();
      assert.ok(log.length > 0, 'the gateway logged something');
      for (const secret of [ENV_SECRET, HEADER_SECRET, ':secret@', 'token=abc']) {
        assert.ok(!log.includes(secret), `stderr leaked ${secret}`);
      }
    });

    it('rejects malformed get_server_tools arguments with INVALID_ARGUMENTS', async () => {
      const unknown = expectError(
        await gateway.call('get_server_tools', { server: 'zeta', tools: 'echo' }),
        'INVALID_ARGUMENTS',
      );
      assert.match(unknown.message, /"tools"/);
      expectError(
        await gateway.call('get_server_tools', { server: 'zeta', max_schema_tokens: 1.5 }),
        'INVALID_ARGUMENTS',
      );
      expectError(await gateway.call('get_server_tools', {}), 'INVALID_ARGUMENTS');
    });
  });
}
