import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configNotFoundMessage, discoverConfigPaths, SERVERS_FILE_NAME, userConfigDir } from './discover.ts';

describe('discoverConfigPaths', () => {
  const dirs: string[] = [];
  let cwd = '';
  let home = '';

  beforeEach(async () => {
    const root = await mkdtemp(join(tmpdir(), 'amg-discover-'));
    dirs.push(root);
    cwd = join(root, 'project');
    home = join(root, 'home');
    await mkdir(join(cwd, 'config'), { recursive: true });
    await mkdir(userConfigDir(home), { recursive: true });
  });

  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const touch = (path: string): Promise<void> => writeFile(path, '{}');
  const discover = (extra: { flag?: string; envValue?: string } = {}) =>
    discoverConfigPaths({ cwd, home, fileName: SERVERS_FILE_NAME, ...extra });

  it('prefers the flag over everything, resolved against cwd, even when missing', async () => {
    await touch(join(cwd, SERVERS_FILE_NAME));
    assert.deepEqual(discover({ flag: 'custom.json', envValue: '/env.json' }), {
      path: join(cwd, 'custom.json'),
      source: 'flag',
      searched: [join(cwd, 'custom.json')],
    });
  });

  it('uses the env value next, even when its file is missing', async () => {
    await touch(join(cwd, SERVERS_FILE_NAME));
    const found = discover({ envValue: '~/elsewhere/x.json' });
    assert.equal(found.source, 'env');
    assert.equal(found.path, join(home, 'elsewhere', 'x.json'));
  });

  it('treats an empty env value as unset', () => {
    assert.equal(discover({ envValue: '' }).source, 'none');
  });

  it('then looks in cwd, then the user config dir, then ./config', async () => {
    await touch(join(cwd, 'config', SERVERS_FILE_NAME));
    assert.deepEqual(
      [discover().source, discover().path],
      ['config-dir', join(cwd, 'config', SERVERS_FILE_NAME)],
    );
    await touch(join(userConfigDir(home), SERVERS_FILE_NAME));
    assert.deepEqual(
      [discover().source, discover().path],
      ['user-config', join(home, '.config', 'agent-mcp-gateway', SERVERS_FILE_NAME)],
    );
    await touch(join(cwd, SERVERS_FILE_NAME));
    assert.deepEqual([discover().source, discover().path], ['cwd', join(cwd, SERVERS_FILE_NAME)]);
  });

  it('reports none with every place looked in when nothing exists', () => {
    const found = discover();
    assert.equal(found.source, 'none');
    assert.deepEqual(found.searched, [
      join(cwd, SERVERS_FILE_NAME),
      join(home, '.config', 'agent-mcp-gateway', SERVERS_FILE_NAME),
      join(cwd, 'config', SERVERS_FILE_NAME),
    ]);
    assert.equal(found.path, join(cwd, 'config', SERVERS_FILE_NAME));
    const message = configNotFoundMessage({ kind: 'rules', discovered: found });
    for (const path of found.searched) assert.ok(message.includes(path));
    assert.match(message, /--rules PATH, set GATEWAY_RULES, or run "agent-mcp-gateway init"/);
  });

  it('names the flag or env variable that gave a missing path', () => {
    assert.match(
      configNotFoundMessage({ kind: 'servers', discovered: discover({ envValue: '/x/.mcp.json' }) }),
      /servers file \(\.mcp\.json\) not found: \/x\/\.mcp\.json \(given by GATEWAY_MCP_CONFIG\)/,
    );
    assert.match(
      configNotFoundMessage({ kind: 'servers', discovered: discover({ flag: '/y.json' }) }),
      /given by --mcp-config/,
    );
  });
});
