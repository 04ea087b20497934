/**
 * SPEC §2 through the built binary: --version, --help, bad arguments and init. Validate and the
 * fatal start-up errors of serve are in cli-validate.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runCli } from './harness.ts';
import { tempDir } from './cli-raw-gateway.ts';

const STACK_FRAME = '\n    at ';

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('agent-mcp-gateway --version, --help and bad arguments', { concurrency: true }, () => {
  it('prints "agent-mcp-gateway <version from package.json>" for --version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `agent-mcp-gateway ${version}\n`);
    assert.equal(run.stderr, '');
  });

  it('lists every flag and subcommand in --help and exits 0', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    for (const word of [
      '--mcp-config',
      '--rules',
      '--debug',
      '--init',
      '--force',
      '--version',
      '--help',
      'serve',
      'init',
      'validate',
    ]) {
      assert.ok(run.stdout.includes(word), `--help does not mention ${word}:\n${run.stdout}`);
    }
    assert.equal(run.stderr, '');
  });

  it('rejects an unknown flag with one error line on stderr and exit 1', async () => {
    const run = await runCli(['--no-such-flag']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = nonEmptyLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^error: .*--no-such-flag/);
  });

  it('rejects an unknown command with one error line on stderr and exit 1', async () => {
    const run = await runCli(['frobnicate']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = nonEmptyLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^error: .*frobnicate/);
  });
});

describe('agent-mcp-gateway init', () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let configDir: string;
  before(async () => {
    home = await tempDir('gateway-init-');
    configDir = join(home.dir, '.config', 'agent-mcp-gateway');
  });
  after(() => home.remove());

  const files = () => [join(configDir, '.mcp.json'), join(configDir, '.mcp-gateway-rules.json')];
  const run = (args: string[]) => runCli(args, { cwd: home.dir, env: { HOME: home.dir } });

  it('writes both templates into ~/.config/agent-mcp-gateway/ with stdin at EOF', async () => {
    const result = await runCli(['init'], { cwd: home.dir, env: { HOME: home.dir }, stdin: '' });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stderr.includes(STACK_FRAME), result.stderr);
    for (const file of files()) {
      assert.ok(result.stdout.includes(file), result.stdout);
      JSON.parse(await readFile(file, 'utf8'));
    }
  });

  it('keeps existing files on a second run, reports them kept and exits 0', async () => {
    const before = await Promise.all(
      files().map(async (file) => ({
        text: await readFile(file, 'utf8'),
        mtime: (await stat(file)).mtimeMs,
      })),
    );
    for (const args of [['init'], ['--init']]) {
      const result = await run(args);
      assert.equal(result.code, 0, result.stderr);
      for (const file of files()) assert.match(result.stdout, new RegExp(`kept: ${file}`));
    }
    const afterRun = await Promise.all(
      files().map(async (file) => ({
        text: await readFile(file, 'utf8'),
        mtime: (await stat(file)).mtimeMs,
      })),
    );
    assert.deepEqual(afterRun, before);
  });

  it('overwrites existing files with --force', async () => {
    const [serversFile, rulesFile] = files() as [string, string];
    const template = await readFile(serversFile, 'utf8');
    await writeFile(serversFile, '{"mcpServers": {}}');
    await writeFile(rulesFile, '{"agents": {}}');
    const result = await run(['init', '--force']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(serversFile, 'utf8'), template);
    assert.notEqual(await readFile(rulesFile, 'utf8'), '{"agents": {}}');
    assert.doesNotMatch(result.stdout, /kept:/);
  });

  it('writes the templates with --init in a fresh home', async () => {
    const fresh = await tempDir('gateway-init-flag-');
    try {
      const result = await runCli(['--init'], { cwd: fresh.dir, env: { HOME: fresh.dir } });
      assert.equal(result.code, 0, result.stderr);
      const dir = join(fresh.dir, '.config', 'agent-mcp-gateway');
      JSON.parse(await readFile(join(dir, '.mcp.json'), 'utf8'));
      JSON.parse(await readFile(join(dir, '.mcp-gateway-rules.json'), 'utf8'));
    } finally {
      await fresh.remove();
    }
  });

  it('writes templates that pass validate as discovered from the home folder', async () => {
    const result = await run(['validate']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    for (const file of files()) assert.ok(result.stdout.includes(file), result.stdout);
    assert.match(result.stdout, /^valid: /m);
  });
});
