import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PolicyRules } from '../policy/types.ts';
import {
  openConfigSource,
  type ConfigChange,
  type ConfigSource,
  type ConfigSourceOptions,
} from './source.ts';
import type { ServerConfig } from './types.ts';

const rules = (agent: string) => JSON.stringify({ agents: { [agent]: { allow: { servers: ['*'] } } } });
const servers = (name: string) => JSON.stringify({ mcpServers: { [name]: { command: 'node' } } });

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A watching source over two flag-given files, silent, with the rest defaulted; `overrides` win. */
async function open(
  paths: { servers: string; rules: string; dir: string },
  overrides: Partial<ConfigSourceOptions> = {},
): Promise<ConfigSource> {
  const opened = await openConfigSource({
    flags: { mcpConfig: paths.servers, rules: paths.rules },
    environment: { mcpConfig: undefined, rules: undefined, defaultAgent: undefined },
    variables: {},
    cwd: paths.dir,
    home: paths.dir,
    self: { execPath: process.execPath, argv: [process.execPath, 'gateway.js'], cwd: paths.dir },
    logger: pino({ level: 'silent' }),
    watch: true,
    debounceMs: 100,
    ...overrides,
  });
  assert.ok(opened.ok, JSON.stringify(opened));
  return opened.source;
}

/** Collects the changes a source emits, by kind. */
function record(source: ConfigSource) {
  const seen = { servers: [] as (readonly ServerConfig[])[], rules: [] as PolicyRules[] };
  source.subscribe((change: ConfigChange) => {
    if (change.kind === 'servers') seen.servers.push(change.servers);
    else seen.rules.push(change.rules);
  });
  return seen;
}

/** Long enough for a debounced burst to have given its one reload. */
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('openConfigSource watching both files', () => {
  let dir: string;
  let source: ConfigSource;
  let serversPath: string;
  let rulesPath: string;
  let seen: ReturnType<typeof record>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-source-'));
    // The rules file is a symlink into another folder, as a dotfiles manager makes it.
    await mkdir(join(dir, 'dotfiles'));
    serversPath = join(dir, '.mcp.json');
    rulesPath = join(dir, '.mcp-gateway-rules.json');
    await writeFile(serversPath, servers('first'));
    await writeFile(join(dir, 'dotfiles', 'rules.json'), rules('first'));
    await symlink(join(dir, 'dotfiles', 'rules.json'), rulesPath);
    source = await open({ servers: serversPath, rules: rulesPath, dir });
    seen = record(source);
    await source.ready;
  });
  after(async () => {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads both files and counts the start-up load as the first attempt of each', () => {
    assert.deepEqual(
      source.current().servers.map((server) => server.name),
      ['first'],
    );
    assert.deepEqual(Object.keys(source.current().rules.agents), ['first']);
    assert.deepEqual(source.paths, { mcp_config: serversPath, gateway_rules: rulesPath });
    const status = source.reloads.snapshot();
    assert.equal(status.mcp_config.success_count, 1);
    assert.equal(status.gateway_rules.success_count, 1);
  });

  it('reloads a file saved while the watcher was still starting', async () => {
    const earlyPath = join(dir, 'early.json');
    await writeFile(earlyPath, servers('before'));
    const starting = await open({ servers: earlyPath, rules: rulesPath, dir });
    const early = record(starting);
    try {
      await writeFile(earlyPath, servers('saved early'));
      await starting.ready;
      await waitFor('a reload of the early save', () => early.servers.length === 1);
      assert.deepEqual(
        early.servers[0]?.map((server) => server.name),
        ['saved early'],
      );
    } finally {
      await starting.close();
    }
  });

  it('reloads once for a burst of in-place writes, with the last content', async () => {
    for (let i = 0; i < 5; i += 1) await writeFile(serversPath, servers(`burst${i}`));
    await waitFor('a servers reload', () => seen.servers.length === 1);
    await settle(400);
    assert.equal(seen.servers.length, 1);
    assert.deepEqual(
      seen.servers[0]?.map((server) => server.name),
      ['burst4'],
    );
    assert.deepEqual(
      source.current().servers.map((server) => server.name),
      ['burst4'],
    );
    assert.equal(seen.rules.length, 0, 'the other file was not reloaded');
  });

  it('sees an atomic rename save', async () => {
    const temp = join(dir, '.mcp.json.tmp');
    await writeFile(temp, servers('renamed'));
    await rename(temp, serversPath);
    await waitFor('a servers reload', () => seen.servers.length === 2);
    assert.deepEqual(
      seen.servers[1]?.map((server) => server.name),
      ['renamed'],
    );
  });

  it('sees an edit of a symlinked file at its target', async () => {
    await writeFile(join(dir, 'dotfiles', 'rules.json'), rules('edited'));
    await waitFor('a rules reload', () => seen.rules.length === 1);
    assert.deepEqual(Object.keys(seen.rules[0]?.agents ?? {}), ['edited']);
  });

  it('rejects an invalid file without calling back, and reloads both files on demand', async () => {
    const { reloads } = source;
    const before = reloads.snapshot();
    await writeFile(serversPath, '{"mcpServers": []}');
    await waitFor(
      'a rejected attempt',
      () => reloads.snapshot().mcp_config.attempt_count > before.mcp_config.attempt_count,
    );
    assert.equal(seen.servers.length, 2);
    assert.match(reloads.snapshot().mcp_config.last_error ?? '', /\.mcp\.json: mcpServers: /);

    source.reloadNow();
    await waitFor(
      'both files reloaded',
      () => reloads.snapshot().gateway_rules.attempt_count > before.gateway_rules.attempt_count,
    );
    await waitFor(
      'both files reloaded',
      () => reloads.snapshot().mcp_config.attempt_count > before.mcp_config.attempt_count + 1,
    );
    assert.equal(seen.rules.length, 2, 'an unchanged valid file is applied again');
    assert.equal(seen.servers.length, 2, 'the invalid file is still rejected');
  });
});

describe('openConfigSource and the warnings that need both files', () => {
  it('recomputes the unconfigured-server warnings when the servers file changes, without counting a rules reload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-source-warnings-'));
    const serversPath = join(dir, '.mcp.json');
    const rulesPath = join(dir, '.mcp-gateway-rules.json');
    await writeFile(serversPath, servers('web'));
    await writeFile(rulesPath, JSON.stringify({ agents: { app: { allow: { servers: ['db'] } } } }));
    const source = await open({ servers: serversPath, rules: rulesPath, dir }, { debounceMs: 50 });
    const { reloads } = source;
    try {
      const atStart = reloads.snapshot().gateway_rules.last_warnings;
      assert.equal(atStart.length, 1, 'the rules name "db", which is not configured');
      await source.ready;
      await writeFile(serversPath, servers('db'));
      await waitFor(
        'the warning to clear',
        () => reloads.snapshot().gateway_rules.last_warnings.length === 0,
      );
      assert.equal(reloads.snapshot().gateway_rules.attempt_count, 1);
      await writeFile(serversPath, servers('web'));
      await waitFor(
        'the warning to return',
        () => reloads.snapshot().gateway_rules.last_warnings.length === 1,
      );
      assert.match(reloads.snapshot().gateway_rules.last_warnings[0] ?? '', /db/);
    } finally {
      await source.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns about a GATEWAY_DEFAULT_AGENT the rules lack, and stops once a reload defines it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-source-default-agent-'));
    const serversPath = join(dir, '.mcp.json');
    const rulesPath = join(dir, '.mcp-gateway-rules.json');
    await writeFile(serversPath, servers('web'));
    await writeFile(rulesPath, rules('backend'));
    const opened = await openConfigSource({
      flags: { mcpConfig: serversPath, rules: rulesPath },
      environment: { mcpConfig: undefined, rules: undefined, defaultAgent: 'helper' },
      variables: {},
      cwd: dir,
      home: dir,
      self: { execPath: process.execPath, argv: [process.execPath, 'gateway.js'], cwd: dir },
      logger: pino({ level: 'silent' }),
      watch: true,
      debounceMs: 50,
    });
    assert.ok(opened.ok);
    const { source } = opened;
    try {
      assert.deepEqual(
        opened.warnings.map((warning) => warning.code),
        ['default_agent_not_in_rules'],
      );
      assert.match(opened.warnings[0]?.message ?? '', /"helper".*FALLBACK_AGENT_NOT_IN_RULES/);
      await source.ready;
      await writeFile(rulesPath, rules('helper'));
      await waitFor(
        'the warning to clear',
        () => source.reloads.snapshot().gateway_rules.last_warnings.length === 0,
      );
    } finally {
      await source.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('openConfigSource without a config', () => {
  it('says plainly that no file was found and where it looked, naming no file as broken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-source-none-'));
    try {
      const opened = await openConfigSource({
        flags: { mcpConfig: undefined, rules: undefined },
        environment: { mcpConfig: undefined, rules: undefined, defaultAgent: undefined },
        variables: {},
        cwd: join(dir, 'project'),
        home: join(dir, 'home'),
        self: { execPath: process.execPath, argv: [process.execPath, 'gateway.js'], cwd: dir },
        logger: pino({ level: 'silent' }),
      });
      assert.ok(!opened.ok);
      assert.deepEqual(
        opened.errors.map((error) => [error.code, error.file]),
        [
          ['not_found', ''],
          ['not_found', ''],
        ],
      );
      assert.match(opened.errors[0]?.message ?? '', /^no servers file \(\.mcp\.json\) found; looked in /);
      for (const place of opened.locations.servers.searched)
        assert.ok(opened.errors[0]?.message.includes(place), opened.errors[0]?.message);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
