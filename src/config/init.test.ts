import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES_FILE_NAME, SERVERS_FILE_NAME } from './discover.ts';
import { initConfigDir } from './init.ts';
import { loadRulesFile } from './load-rules.ts';
import { loadServersFile } from './load-servers.ts';

describe('initConfigDir', () => {
  const roots: string[] = [];
  let dir = '';

  beforeEach(async () => {
    const root = await mkdtemp(join(tmpdir(), 'amg-init-'));
    roots.push(root);
    dir = join(root, '.config', 'agent-mcp-gateway');
  });

  after(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it('creates the folder and writes both templates', async () => {
    assert.deepEqual(await initConfigDir({ dir, force: false }), [
      { file: join(dir, SERVERS_FILE_NAME), action: 'written' },
      { file: join(dir, RULES_FILE_NAME), action: 'written' },
    ]);
  });

  it('writes templates that the loaders accept without errors or warnings', async () => {
    await initConfigDir({ dir, force: false });
    const servers = await loadServersFile(join(dir, SERVERS_FILE_NAME), {});
    assert.ok(servers.ok, JSON.stringify(servers));
    assert.deepEqual(servers.warnings, []);
    assert.deepEqual(
      servers.value.servers.map((s) => s.name),
      ['memory'],
    );
    const rules = await loadRulesFile(join(dir, RULES_FILE_NAME));
    assert.ok(rules.ok, JSON.stringify(rules));
    assert.deepEqual(rules.warnings, []);
    assert.deepEqual(Object.keys(rules.value.agents), ['default', 'researcher']);
  });

  it('never overwrites an existing file without force', async () => {
    await initConfigDir({ dir, force: false });
    await writeFile(join(dir, SERVERS_FILE_NAME), 'mine');
    const outcome = await initConfigDir({ dir, force: false });
    assert.deepEqual(
      outcome.map((o) => o.action),
      ['kept', 'kept'],
    );
    assert.equal(await readFile(join(dir, SERVERS_FILE_NAME), 'utf8'), 'mine');
  });

  it('overwrites existing files with force', async () => {
    await initConfigDir({ dir, force: false });
    await writeFile(join(dir, RULES_FILE_NAME), 'mine');
    const outcome = await initConfigDir({ dir, force: true });
    assert.deepEqual(
      outcome.map((o) => o.action),
      ['overwritten', 'overwritten'],
    );
    assert.notEqual(await readFile(join(dir, RULES_FILE_NAME), 'utf8'), 'mine');
  });

  it('writes a missing file next to a kept one', async () => {
    await initConfigDir({ dir, force: false });
    await rm(join(dir, RULES_FILE_NAME));
    const outcome = await initConfigDir({ dir, force: false });
    assert.deepEqual(
      outcome.map((o) => o.action),
      ['kept', 'written'],
    );
  });
});
