/**
 * SPEC §2 and §3 through the real binary: stdout carries only JSON-RPC, and the GATEWAY_DEBUG,
 * GATEWAY_LOG_LEVEL and GATEWAY_INIT_STRATEGY variables do what they say.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { descendantPids, fixtureServer, runCli, startGateway, structured } from './harness.ts';
import {
  ALL_DEFAULT_RULES,
  spawnRawGateway,
  survivors,
  tempDir,
  waitUntil,
  writeJson,
} from './cli-raw-gateway.ts';

interface StatusServer {
  name: string;
  status: string;
}

describe('stdout in serve mode', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-stdout-');
    await writeJson(join(work.dir, '.mcp.json'), {
      mcpServers: {
        tools: fixtureServer('multi-tool'),
        // A downstream server that prints banners on its own stdout must not leak them to ours.
        noisy: fixtureServer('failing', ['--garbage-stdout']),
        missing: { command: '/nonexistent/bin/server' },
      },
    });
    await writeJson(join(work.dir, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  it('carries only JSON-RPC 2.0 lines, while the logs go to stderr', async () => {
    const gateway = spawnRawGateway({
      cwd: work.dir,
      env: { GATEWAY_LOG_LEVEL: 'debug', GATEWAY_DEBUG: '1' },
    });
    try {
      const init = await gateway.initialize();
      assert.equal((init.result?.serverInfo as { name: string }).name, 'agent-mcp-gateway');
      const listed = await gateway.request('tools/list', {});
      assert.ok(Array.isArray(listed.result?.tools));
      const call = (name: string, args: Record<string, unknown>) =>
        gateway.request('tools/call', { name, arguments: args });
      const echoed = await call('execute_tool', { server: 'tools', tool: 'echo', args: { text: 'pure' } });
      assert.deepEqual(echoed.result?.content, [{ type: 'text', text: 'pure' }]);
      const ok = await call('execute_tool', { server: 'noisy', tool: 'ok', args: {} });
      assert.deepEqual(ok.result?.content, [{ type: 'text', text: 'ok' }]);
      const failed = await call('execute_tool', { server: 'missing', tool: 'x', args: {} });
      assert.equal(failed.result?.isError, true);
      await call('get_gateway_status', {});
      const unknown = await gateway.request('tools/call', { name: 'no_such_tool', arguments: {} });
      assert.ok(unknown.error ?? unknown.result?.isError, JSON.stringify(unknown));
      await gateway.close();

      const lines = gateway.stdoutLines();
      assert.ok(lines.length >= 7, `too few stdout lines: ${lines.length}`);
      for (const line of lines) {
        let message: { jsonrpc?: unknown };
        try {
          message = JSON.parse(line) as { jsonrpc?: unknown };
        } catch {
          assert.fail(`stdout line is not JSON: ${line}`);
        }
        assert.equal(message.jsonrpc, '2.0', line);
      }
      const stderr = gateway.stderr();
      assert.match(stderr, /gateway ready on stdio/);
      assert.ok(!lines.some((line) => line.includes('legacy-server')), 'downstream stdout garbage leaked');
    } finally {
      await gateway.close();
    }
  });
});

describe('GATEWAY_DEBUG and GATEWAY_LOG_LEVEL', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-env-');
    await writeJson(join(work.dir, '.mcp.json'), { mcpServers: { tools: fixtureServer('multi-tool') } });
    await writeJson(join(work.dir, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  async function toolNames(env: Record<string, string>): Promise<string[]> {
    const gateway = spawnRawGateway({ cwd: work.dir, env });
    try {
      await gateway.initialize();
      const listed = await gateway.request('tools/list', {});
      return (listed.result?.tools as { name: string }[]).map((tool) => tool.name);
    } finally {
      await gateway.close();
    }
  }

  it('exposes get_gateway_status for true, 1 and yes in any case, and not otherwise', async () => {
    const truthy = ['TRUE', '1', 'yEs'];
    const falsy = ['0'];
    const results = await Promise.all(
      [...truthy, ...falsy].map(async (value) => ({
        value,
        names: await toolNames({ GATEWAY_DEBUG: value }),
      })),
    );
    for (const { value, names } of results) {
      assert.equal(
        names.includes('get_gateway_status'),
        truthy.includes(value),
        `GATEWAY_DEBUG=${value}: ${names.join(',')}`,
      );
      for (const name of ['list_servers', 'get_server_tools', 'execute_tool'])
        assert.ok(names.includes(name));
    }
  });

  it('warns about an unrecognised GATEWAY_DEBUG in validate and at start-up, and leaves debug off', async () => {
    const checked = await runCli(['validate'], {
      cwd: work.dir,
      env: { HOME: work.dir, GATEWAY_DEBUG: 'on' },
    });
    assert.equal(checked.code, 0, checked.stdout);
    assert.match(
      checked.stdout,
      /^warning: GATEWAY_DEBUG is "on", which is not recognised; debug stays off/m,
    );

    const gateway = spawnRawGateway({ cwd: work.dir, env: { GATEWAY_DEBUG: 'on' } });
    try {
      await gateway.initialize();
      const listed = await gateway.request('tools/list', {});
      const names = (listed.result?.tools as { name: string }[]).map((tool) => tool.name);
      assert.ok(!names.includes('get_gateway_status'), names.join(', '));
      assert.match(gateway.stderr(), /"level":40.*GATEWAY_DEBUG is \\"on\\", which is not recognised/);
    } finally {
      await gateway.close();
    }
  });

  it('writes no info lines with GATEWAY_LOG_LEVEL=error, and writes them by default', async () => {
    const run = async (env: Record<string, string>) => {
      const gateway = spawnRawGateway({ cwd: work.dir, env });
      try {
        await gateway.initialize();
        await gateway.request('tools/call', {
          name: 'execute_tool',
          arguments: { server: 'tools', tool: 'echo', args: { text: 'x' } },
        });
      } finally {
        await gateway.close();
      }
      return gateway.stderr();
    };
    const [quiet, normal] = await Promise.all([run({ GATEWAY_LOG_LEVEL: 'error' }), run({})]);
    assert.equal(quiet, '', `expected no stderr at level error:\n${quiet}`);
    assert.match(normal, /"level":30/);
    assert.match(normal, /gateway ready on stdio/);
  });
});

describe('GATEWAY_INIT_STRATEGY', () => {
  it('connects every server at start-up with eager, without waiting for a hanging one', async () => {
    let children: number[] | undefined;
    let left: number[] | undefined;
    const started = Date.now();
    const gateway = await startGateway({
      servers: {
        first: fixtureServer('multi-tool'),
        second: fixtureServer('multi-tool', ['--name', 'second']),
        hanging: fixtureServer('failing', ['--hang-initialize']),
      },
      env: { GATEWAY_INIT_STRATEGY: 'eager' },
      args: ['--debug'],
    });
    try {
      // The connect timeout of a hanging server is 30 s: readiness must not wait for it.
      assert.ok(Date.now() - started < 15_000, 'initialize waited for the eager connects');
      const statuses = await waitUntil('both servers connected without a call', async () => {
        const status = structured<{ servers: StatusServer[] }>(await gateway.call('get_gateway_status'));
        const byName = new Map(status.servers.map((server) => [server.name, server.status]));
        return byName.get('first') === 'connected' && byName.get('second') === 'connected'
          ? byName
          : undefined;
      });
      assert.notEqual(statuses.get('hanging'), 'connected');
      children = await descendantPids(gateway.pid);
      assert.equal(children.length, 3, `expected three children, got ${children.join(', ')}`);
      const audit = await gateway.auditLines();
      assert.ok(
        audit.every((line) => line.operation === 'get_gateway_status'),
        'no downstream call was made to connect them',
      );
    } finally {
      await gateway.close();
      left = await survivors(children ?? []);
    }
    assert.deepEqual(left, [], 'the hanging server outlived the gateway');
  });

  it('spawns nothing before first use with the default lazy strategy', async () => {
    const gateway = await startGateway({
      servers: { first: fixtureServer('multi-tool'), second: fixtureServer('multi-tool') },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(await descendantPids(gateway.pid), []);
      const listed = structured<{ servers: StatusServer[] }>(
        await gateway.call('list_servers', { include_metadata: true }),
      );
      assert.deepEqual(
        listed.servers.map((server) => server.status),
        ['idle', 'idle'],
      );
      assert.deepEqual(await descendantPids(gateway.pid), [], 'list_servers must not start a server');
      await gateway.call('execute_tool', { server: 'first', tool: 'echo', args: { text: 'x' } });
      assert.equal((await descendantPids(gateway.pid)).length, 1, 'only the used server is started');
    } finally {
      await gateway.close();
    }
  });
});
