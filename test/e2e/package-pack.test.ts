/**
 * The package as npm would publish it (issue 8, quick start): `npm pack` from the checkout holds the
 * built gateway, the README and the examples, and no sources or tests; the packed bin runs. Packing
 * uses --ignore-scripts: `prepack` would rebuild dist/ under the other e2e tests' feet, and the build
 * it runs is checked from package.json instead.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './harness.ts';
import { tempDir } from './cli-raw-gateway.ts';

const run = promisify(execFile);

interface PackedPackage {
  filename: string;
  files: { path: string }[];
}

interface PackageJson {
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
  files: string[];
  scripts: Record<string, string>;
}

describe('npm pack', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let packed: PackedPackage;
  let manifest: PackageJson;
  before(async () => {
    work = await tempDir('gateway-pack-');
    manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work.dir],
      { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'error' }, maxBuffer: 16 * 1024 * 1024 },
    );
    [packed] = JSON.parse(stdout) as [PackedPackage];
  });
  after(() => work.remove());

  it('declares the bin, Node 20, a build before packing and no script at install', () => {
    assert.deepEqual(manifest.bin, { 'agent-mcp-gateway': 'dist/main.js' });
    assert.equal(manifest.engines.node, '>=20');
    assert.match(manifest.scripts.prepack ?? '', /npm run build/);
    // No script runs when the tarball is installed; `prepare` runs only in a checkout, where
    // `npm ci` must leave a built gateway (the README's set-up), never from a registry tarball.
    const atInstall = ['preinstall', 'install', 'postinstall'].filter(
      (name) => manifest.scripts[name] !== undefined,
    );
    assert.deepEqual(atInstall, []);
  });

  it('holds dist/main.js, the README, the guides it links and the examples, and no sources, tests or npm settings', () => {
    const paths = packed.files.map((file) => file.path);
    for (const expected of [
      'package.json',
      'README.md',
      'docs/oauth.md',
      'dist/main.js',
      'examples/.mcp.json',
      'examples/.mcp-gateway-rules.json',
    ])
      assert.ok(paths.includes(expected), `${expected} is not packed`);
    const unwanted = paths.filter(
      (path) =>
        path.startsWith('src/') ||
        path.startsWith('test/') ||
        path.startsWith('bench/') ||
        path.endsWith('.test.js') ||
        path.endsWith('.ts') ||
        path === '.npmrc',
    );
    assert.deepEqual(unwanted, []);
  });

  it('packs no stale build output: every file in dist/ has its source', () => {
    const stale = packed.files
      .map((file) => file.path)
      .filter((path) => path.startsWith('dist/') && path.endsWith('.js'))
      .filter((path) => !existsSync(join(ROOT, 'src', path.slice('dist/'.length).replace(/\.js$/, '.ts'))));
    assert.deepEqual(stale, [], 'run `npm run build`, which empties dist/ first');
  });

  it('runs its bin from the unpacked tarball', async () => {
    await run('tar', ['-xzf', join(work.dir, packed.filename), '-C', work.dir]);
    const unpacked = join(work.dir, 'package');
    // The dependencies an install would fetch: the checkout's own.
    await symlink(join(ROOT, 'node_modules'), join(unpacked, 'node_modules'));
    const bin = join(unpacked, manifest.bin['agent-mcp-gateway'] ?? '');
    assert.match(await readFile(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const version = await run(process.execPath, [bin, '--version'], { cwd: work.dir });
    assert.equal(version.stdout, `agent-mcp-gateway ${manifest.version}\n`);
    const help = await run(process.execPath, [bin, '--help'], { cwd: work.dir });
    assert.match(help.stdout, /validate/);
  });
});
