/**
 * SPEC §4 through the real binary: where `serve` finds its two files (flag, env, ./, ~/.config,
 * ./config), that it prints them on stderr, and that it refuses to proxy to itself.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GATEWAY_MAIN, descendantPids, fixtureServer, runCli } from './harness.ts';
import { ALL_DEFAULT_RULES, spawnRawGateway, tempDir, waitUntil, writeJson } from './cli-raw-gateway.ts';

interface Located {
  servers: string[];
  stderr: string;
}

/** Starts `serve` in `cwd` with HOME=`home`, asks list_servers, stops it. */
async function serveAndList(options: {
  cwd: string;
  home: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<Located> {
  const gateway = spawnRawGateway({
    cwd: options.cwd,
    args: options.args ?? [],
    env: { HOME: options.home, ...options.env },
  });
  try {
    await gateway.initialize();
    const answer = await gateway.request('tools/call', { name: 'list_servers', arguments: {} });
    const structured = answer.result?.structuredContent as { servers: { name: string }[] } | undefined;
    assert.ok(structured, JSON.stringify(answer));
    return { servers: structured.servers.map((server) => server.name), stderr: gateway.stderr() };
  } finally {
    await gateway.close();
  }
}

/** A servers file with one server whose name says where the file is. */
const serversNamed = (name: string) => ({ mcpServers: { [name]: fixtureServer('multi-tool') } });

describe('config discovery (SPEC §4)', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let cwd: string;
  let home: string;
  const paths = {
    cwdServers: '',
    homeServers: '',
    configServers: '',
    cwdRules: '',
    envServers: '',
    flagServers: '',
    envRules: '',
    flagRules: '',
  };
  before(async () => {
    root = await tempDir('gateway-discovery-');
    cwd = join(root.dir, 'project');
    home = join(root.dir, 'home');
    paths.cwdServers = await writeJson(join(cwd, '.mcp.json'), serversNamed('from-cwd'));
    paths.homeServers = await writeJson(
      join(home, '.config', 'agent-mcp-gateway', '.mcp.json'),
      serversNamed('from-home'),
    );
    paths.configServers = await writeJson(join(cwd, 'config', '.mcp.json'), serversNamed('from-config-dir'));
    paths.envServers = await writeJson(join(root.dir, 'env', 'servers.json'), serversNamed('from-env'));
    paths.flagServers = await writeJson(join(root.dir, 'flag', 'servers.json'), serversNamed('from-flag'));
    paths.cwdRules = await writeJson(join(cwd, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
    paths.envRules = await writeJson(join(root.dir, 'env', 'rules.json'), ALL_DEFAULT_RULES);
    paths.flagRules = await writeJson(join(root.dir, 'flag', 'rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => root.remove());

  it('prefers ./.mcp.json in the working directory and prints both resolved paths on stderr', async () => {
    const located = await serveAndList({ cwd, home });
    assert.deepEqual(located.servers, ['from-cwd']);
    assert.ok(located.stderr.includes(paths.cwdServers), located.stderr);
    assert.ok(located.stderr.includes(paths.cwdRules), located.stderr);
  });

  it('prefers the GATEWAY_MCP_CONFIG and GATEWAY_RULES files over discovery', async () => {
    const located = await serveAndList({
      cwd,
      home,
      env: { GATEWAY_MCP_CONFIG: paths.envServers, GATEWAY_RULES: paths.envRules },
    });
    assert.deepEqual(located.servers, ['from-env']);
    assert.ok(located.stderr.includes(paths.envServers), located.stderr);
    assert.ok(located.stderr.includes(paths.envRules), located.stderr);
    assert.ok(!located.stderr.includes(paths.cwdRules), located.stderr);
  });

  it('prefers the --mcp-config and --rules flags over the environment', async () => {
    const located = await serveAndList({
      cwd,
      home,
      args: ['--mcp-config', paths.flagServers, '--rules', paths.flagRules],
      env: { GATEWAY_MCP_CONFIG: paths.envServers, GATEWAY_RULES: paths.envRules },
    });
    assert.deepEqual(located.servers, ['from-flag']);
    assert.ok(located.stderr.includes(paths.flagRules), located.stderr);
    assert.ok(!located.stderr.includes(paths.envRules), located.stderr);
  });

  it('fails clearly when GATEWAY_MCP_CONFIG names a missing file, even though ./.mcp.json exists', async () => {
    const missing = join(root.dir, 'env', 'missing.json');
    const run = await runCli([], { cwd, env: { HOME: home, GATEWAY_MCP_CONFIG: missing } });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: /);
    assert.ok(run.stderr.includes(missing), run.stderr);
    assert.ok(run.stderr.includes('GATEWAY_MCP_CONFIG'), run.stderr);
    assert.doesNotMatch(run.stderr, /\n {4}at /);
  });

  it('falls back to ~/.config/agent-mcp-gateway/ when the working directory has no .mcp.json', async () => {
    await rm(paths.cwdServers);
    const located = await serveAndList({ cwd, home });
    assert.deepEqual(located.servers, ['from-home']);
    assert.ok(located.stderr.includes(paths.homeServers), located.stderr);
  });

  it('falls back to ./config/ last, and finds the rules file independently of the servers file', async () => {
    await rm(paths.homeServers);
    const located = await serveAndList({ cwd, home });
    assert.deepEqual(located.servers, ['from-config-dir']);
    assert.ok(located.stderr.includes(paths.configServers), located.stderr);
    assert.ok(located.stderr.includes(paths.cwdRules), located.stderr);
  });

  it('fails with every place it looked in when no servers file exists', async () => {
    await rm(paths.configServers);
    const run = await runCli([], { cwd, env: { HOME: home } });
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stderr);
    for (const place of [paths.cwdServers, paths.homeServers, paths.configServers])
      assert.ok(lines[0]!.includes(place), lines[0]);
    // Said plainly, with no path in front as if that file were broken.
    assert.match(lines[0]!, /^error: no servers file \(\.mcp\.json\) found; looked in \//);
  });
});

describe('a servers entry that would start the gateway itself (SPEC §4)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-self-');
  });
  after(() => work.remove());

  it('is refused with a warning and never spawned, while the other servers are proxied', async () => {
    await writeJson(join(work.dir, '.mcp.json'), {
      mcpServers: {
        myself: { command: 'node', args: [GATEWAY_MAIN] },
        other: fixtureServer('multi-tool'),
      },
    });
    await writeJson(join(work.dir, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
    // Eager start: a self-reference that slipped through would fork a second gateway at once.
    const gateway = spawnRawGateway({ cwd: work.dir, env: { GATEWAY_INIT_STRATEGY: 'eager' } });
    try {
      await gateway.initialize();
      await waitUntil('the other server to connect', async () => {
        const answer = await gateway.request('tools/call', {
          name: 'list_servers',
          arguments: { include_metadata: true },
        });
        const servers = (answer.result?.structuredContent as { servers: { name: string; status: string }[] })
          .servers;
        assert.deepEqual(
          servers.map((server) => server.name),
          ['other'],
        );
        return servers[0]?.status === 'connected' ? true : undefined;
      });
      assert.match(gateway.stderr(), /myself.*would start this gateway itself/);
      const children = await descendantPids(gateway.pid);
      assert.equal(children.length, 1, `expected only the fixture child, got ${children.join(', ')}`);
      const call = await gateway.request('tools/call', {
        name: 'execute_tool',
        arguments: { server: 'myself', tool: 'list_servers' },
      });
      assert.equal(call.result?.isError, true);
      assert.equal(
        (call.result?.structuredContent as { error: { code: string } }).error.code,
        'SERVER_NOT_FOUND',
      );
    } finally {
      await gateway.close();
    }
  });

  it('is recognised with the same flags in another order, by serve and by validate', async () => {
    const serversPath = join(work.dir, 'flags', 'servers.json');
    const rulesPath = await writeJson(join(work.dir, 'flags', 'rules.json'), ALL_DEFAULT_RULES);
    await writeJson(serversPath, {
      mcpServers: {
        again: {
          command: process.execPath,
          args: [GATEWAY_MAIN, '--rules', rulesPath, '--mcp-config', serversPath],
        },
        other: fixtureServer('multi-tool'),
      },
    });
    const located = await serveAndList({
      cwd: work.dir,
      home: work.dir,
      args: ['--mcp-config', serversPath, '--rules', rulesPath],
    });
    assert.deepEqual(located.servers, ['other']);
    assert.match(located.stderr, /again.*would start this gateway itself/);

    const run = await runCli(['validate', '--mcp-config', serversPath, '--rules', rulesPath], {
      cwd: work.dir,
    });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^warning: .*mcpServers\.again.*would start this gateway itself/m);
  });
});
