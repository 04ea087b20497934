import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ServerConfig } from '../config/types.ts';
import type { PolicyRules } from '../policy/types.ts';
import { ReloadTracker } from '../reload-tracker.ts';
import { crossFileWarnings, loadRules } from './load-config.ts';
import { watchConfig, type ConfigWatcher, type WatchConfigOptions } from './watch-config.ts';

const rules = (agent: string) => JSON.stringify({ agents: { [agent]: { allow: { servers: ['*'] } } } });
const servers = (name: string) => JSON.stringify({ mcpServers: { [name]: { command: 'node' } } });
/** What the start-up load gave: the watcher needs it for the rules' warnings about servers. */
const initialRules = (agent: string) => ({
  rules: { ...(JSON.parse(rules(agent)) as Pick<PolicyRules, 'agents'>), defaults: {} } as PolicyRules,
  warnings: [],
});

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A watcher over two flag-given files, silent, with the rest defaulted; `overrides` win. */
function watch(
  paths: { servers: string; rules: string; dir: string },
  overrides: Partial<WatchConfigOptions>,
): ConfigWatcher {
  return watchConfig({
    locations: {
      servers: { path: paths.servers, source: 'flag', searched: [paths.servers] },
      rules: { path: paths.rules, source: 'flag', searched: [paths.rules] },
    },
    env: {},
    self: { execPath: process.execPath, argv: [process.execPath, 'gateway.js'], cwd: paths.dir },
    logger: pino({ level: 'silent' }),
    reloads: new ReloadTracker(),
    initialServers: [],
    initialRules: initialRules('first'),
    onServers: () => {},
    onRules: () => {},
    debounceMs: 100,
    ...overrides,
  });
}

/** Long enough for a debounced burst to have given its one reload. */
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchConfig', () => {
  let dir: string;
  let watcher: ConfigWatcher;
  let serversPath: string;
  let rulesPath: string;
  const reloads = new ReloadTracker();
  const seenServers: (readonly ServerConfig[])[] = [];
  const seenRules: PolicyRules[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'watch-config-'));
    // The rules file is a symlink into another folder, as a dotfiles manager makes it.
    await mkdir(join(dir, 'dotfiles'));
    serversPath = join(dir, '.mcp.json');
    rulesPath = join(dir, '.mcp-gateway-rules.json');
    await writeFile(serversPath, servers('first'));
    await writeFile(join(dir, 'dotfiles', 'rules.json'), rules('first'));
    await symlink(join(dir, 'dotfiles', 'rules.json'), rulesPath);
    watcher = watch(
      { servers: serversPath, rules: rulesPath, dir },
      {
        reloads,
        onServers: (next) => seenServers.push(next),
        onRules: (next) => seenRules.push(next),
      },
    );
    await watcher.ready;
  });
  after(async () => {
    await watcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reloads a file saved while the watcher was still starting', async () => {
    const early: (readonly ServerConfig[])[] = [];
    const earlyPath = join(dir, 'early.json');
    await writeFile(earlyPath, servers('before'));
    const starting = watch(
      { servers: earlyPath, rules: rulesPath, dir },
      { onServers: (next) => early.push(next) },
    );
    try {
      await writeFile(earlyPath, servers('saved early'));
      await starting.ready;
      await waitFor('a reload of the early save', () => early.length === 1);
      assert.deepEqual(
        early[0]?.map((server) => server.name),
        ['saved early'],
      );
    } finally {
      await starting.close();
    }
  });

  it('reloads once for a burst of in-place writes, with the last content', async () => {
    for (let i = 0; i < 5; i += 1) await writeFile(serversPath, servers(`burst${i}`));
    await waitFor('a servers reload', () => seenServers.length === 1);
    await settle(400);
    assert.equal(seenServers.length, 1);
    assert.deepEqual(
      seenServers[0]?.map((server) => server.name),
      ['burst4'],
    );
    assert.equal(seenRules.length, 0, 'the other file was not reloaded');
  });

  it('sees an atomic rename save', async () => {
    const temp = join(dir, '.mcp.json.tmp');
    await writeFile(temp, servers('renamed'));
    await rename(temp, serversPath);
    await waitFor('a servers reload', () => seenServers.length === 2);
    assert.deepEqual(
      seenServers[1]?.map((server) => server.name),
      ['renamed'],
    );
  });

  it('sees an edit of a symlinked file at its target', async () => {
    await writeFile(join(dir, 'dotfiles', 'rules.json'), rules('edited'));
    await waitFor('a rules reload', () => seenRules.length === 1);
    assert.deepEqual(Object.keys(seenRules[0]?.agents ?? {}), ['edited']);
  });

  it('rejects an invalid file without calling back, and reloads both files on demand', async () => {
    const before = reloads.snapshot();
    await writeFile(serversPath, '{"mcpServers": []}');
    await waitFor(
      'a rejected attempt',
      () => reloads.snapshot().mcp_config.attempt_count > before.mcp_config.attempt_count,
    );
    assert.equal(seenServers.length, 2);
    assert.match(reloads.snapshot().mcp_config.last_error ?? '', /\.mcp\.json: mcpServers: /);

    watcher.reloadNow();
    await waitFor(
      'both files reloaded',
      () => reloads.snapshot().gateway_rules.attempt_count > before.gateway_rules.attempt_count,
    );
    await waitFor(
      'both files reloaded',
      () => reloads.snapshot().mcp_config.attempt_count > before.mcp_config.attempt_count + 1,
    );
    assert.equal(seenRules.length, 2, 'an unchanged valid file is applied again');
    assert.equal(seenServers.length, 2, 'the invalid file is still rejected');
  });
});

describe('watchConfig and the rules warnings about unconfigured servers', () => {
  it('recomputes them when the servers file changes, without counting a rules reload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'watch-config-warnings-'));
    const serversPath = join(dir, '.mcp.json');
    const rulesPath = join(dir, '.mcp-gateway-rules.json');
    const namesDb = JSON.stringify({ agents: { app: { allow: { servers: ['db'] } } } });
    await writeFile(serversPath, servers('web'));
    await writeFile(rulesPath, namesDb);
    const reloads = new ReloadTracker();
    const started = await loadRules({ path: rulesPath, source: 'flag', searched: [rulesPath] });
    assert.ok(started.ok);
    const atStart = crossFileWarnings(started.value, [], rulesPath);
    assert.equal(atStart.length, 1, 'the rules name "db", which is not configured');
    reloads.succeeded('gateway_rules', atStart);
    const watcher = watch(
      { servers: serversPath, rules: rulesPath, dir },
      {
        reloads,
        initialRules: { rules: started.value, warnings: started.warnings },
        debounceMs: 50,
      },
    );
    try {
      await watcher.ready;
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
      await watcher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
