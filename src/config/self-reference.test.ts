import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSelfReferences, type SelfProcess } from './self-reference.ts';
import type { ServerConfig } from './types.ts';

function stdio(name: string, command: string, args: string[] = [], cwd?: string): ServerConfig {
  return { name, timeoutMs: 60000, transport: 'stdio', command, args, env: {}, ...(cwd && { cwd }) };
}

describe('findSelfReferences', () => {
  let dir = '';
  let script = '';
  let self: SelfProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'amg-self-'));
    script = join(dir, 'dist', 'main.js');
    await mkdir(join(dir, 'dist'));
    await mkdir(join(dir, 'bin'));
    await writeFile(script, '#!/usr/bin/env node\n');
    await chmod(script, 0o755);
    // npm links the bin name to the script, as a global install does.
    await symlink(script, join(dir, 'bin', 'agent-mcp-gateway'));
    await writeFile(join(dir, 'bin', 'other-tool'), '#!/bin/sh\n');
    await chmod(join(dir, 'bin', 'other-tool'), 0o755);
    self = {
      execPath: process.execPath,
      argv: [process.execPath, script, '--mcp-config', join(dir, '.mcp.json')],
      cwd: dir,
      pathEnv: join(dir, 'bin'),
    };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const names = (servers: ServerConfig[], who: SelfProcess = self): string[] =>
    findSelfReferences(servers, who).map((found) => found.server);

  it('refuses node running the same absolute script with the same arguments', () => {
    assert.deepEqual(names([stdio('me', 'node', [script, '--mcp-config', join(dir, '.mcp.json')])]), ['me']);
  });

  it('compares a relative script and a relative config path as absolute paths', () => {
    const servers = [
      stdio('me', process.execPath, ['--enable-source-maps', 'dist/main.js', '--mcp-config=.mcp.json'], dir),
    ];
    assert.deepEqual(names(servers), ['me']);
  });

  it('ignores the default serve subcommand, --debug and option order', () => {
    const who = { ...self, argv: [...self.argv, '--rules', 'r.json'] };
    const servers = [
      stdio('me', 'node', [
        script,
        'serve',
        '--debug',
        '--rules',
        join(dir, 'r.json'),
        '--mcp-config',
        '.mcp.json',
      ]),
    ];
    assert.deepEqual(names(servers, who), ['me']);
  });

  it('refuses the bin name when PATH resolves it to the running script', () => {
    assert.deepEqual(names([stdio('bin', 'agent-mcp-gateway', ['--mcp-config', join(dir, '.mcp.json')])]), [
      'bin',
    ]);
  });

  it('lets the bin name through when PATH does not lead to the running script', () => {
    assert.deepEqual(
      names([stdio('bin', 'agent-mcp-gateway', ['--mcp-config', join(dir, '.mcp.json')])], {
        ...self,
        pathEnv: '/nonexistent',
      }),
      [],
    );
  });

  it('refuses npx agent-mcp-gateway, with or without a version and npx flags', () => {
    const args = ['--mcp-config', join(dir, '.mcp.json')];
    const servers = [
      stdio('a', 'npx', ['-y', 'agent-mcp-gateway', ...args]),
      stdio('b', 'npx', ['--yes', 'agent-mcp-gateway@0.3.0', '--', ...args]),
      stdio('c', 'npx', ['-y', 'other-package', ...args]),
    ];
    assert.deepEqual(names(servers), ['a', 'b']);
  });

  it('lets the same gateway with a different config through', () => {
    const servers = [
      stdio('other-config', 'node', [script, '--mcp-config', join(dir, 'team.mcp.json')]),
      stdio('no-args', 'node', [script]),
    ];
    assert.deepEqual(names(servers), []);
  });

  it('ignores other programs and remote servers', () => {
    const servers: ServerConfig[] = [
      stdio('tool', 'other-tool', ['--mcp-config', join(dir, '.mcp.json')]),
      stdio('script', 'node', [join(dir, 'elsewhere.js'), '--mcp-config', join(dir, '.mcp.json')]),
      { name: 'remote', timeoutMs: 1, transport: 'http', url: 'http://x', headers: {} },
    ];
    assert.deepEqual(names(servers), []);
  });

  it('returns a warning naming the server and its JSON path', () => {
    const [found] = findSelfReferences(
      [stdio('me', 'agent-mcp-gateway', ['--mcp-config', '.mcp.json'])],
      self,
      {
        file: '/cfg/.mcp.json',
        rootKey: 'servers',
      },
    );
    assert.deepEqual(found?.warning, {
      severity: 'warning',
      code: 'self_reference',
      file: '/cfg/.mcp.json',
      path: 'servers.me',
      message: 'server "me" would start this gateway itself; it is refused',
    });
  });
});
