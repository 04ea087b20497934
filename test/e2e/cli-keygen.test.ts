/** SPEC §13 `keygen <agent>` through the built binary. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from './harness.ts';
import { tempDir, writeJson } from './cli-raw-gateway.ts';

describe('agent-mcp-gateway keygen', { concurrency: true }, () => {
  let home: { dir: string; remove(): Promise<void> };
  before(async () => {
    home = await tempDir('gateway-keygen-');
  });
  after(async () => {
    await home.remove();
  });

  it('prints a new 256-bit URL-safe key and, labelled on the next line, its sha256 hash', async () => {
    const run = await runCli(['keygen', 'ci.build'], { cwd: home.dir });
    assert.equal(run.code, 0, run.stderr);
    const [key, hashLine, ...rest] = run.stdout.split('\n');
    assert.deepEqual(rest, ['']);
    assert.match(key!, /^amg_[A-Za-z0-9_-]{43}$/);
    const hash = `sha256:${createHash('sha256').update(key!).digest('hex')}`;
    assert.equal(hashLine, `paste into agents.ci.build.credentials.api_keys of the rules file: "${hash}"`);
    assert.ok(!run.stderr.includes(key!), 'the key is printed once, on stdout only');
  });

  it('prints a different key every time', async () => {
    const [first, second] = await Promise.all([runCli(['keygen', 'a']), runCli(['keygen', 'a'])]);
    assert.notEqual(first.stdout.split('\n')[0], second.stdout.split('\n')[0]);
  });

  it('writes nothing to disk', async () => {
    const run = await runCli(['keygen', 'ci'], { cwd: home.dir, env: { HOME: home.dir } });
    assert.equal(run.code, 0);
    assert.deepEqual(await readdir(home.dir), []);
  });

  it('prints a hash that validate accepts in the rules file', async () => {
    const run = await runCli(['keygen', 'ci']);
    const hash = /"(sha256:[0-9a-f]{64})"/.exec(run.stdout)?.[1];
    assert.ok(hash !== undefined, run.stdout);
    const dir = await tempDir('gateway-keygen-validate-');
    try {
      await writeJson(`${dir.dir}/.mcp.json`, { mcpServers: {} });
      await writeJson(`${dir.dir}/.mcp-gateway-rules.json`, {
        agents: { ci: { credentials: { api_keys: [hash] } } },
      });
      const validate = await runCli(['validate'], { cwd: dir.dir });
      assert.equal(validate.code, 0, validate.stdout + validate.stderr);
    } finally {
      await dir.remove();
    }
  });

  it('warns when the rules file serve would read lacks the agent, and still prints the key', async () => {
    const dir = await tempDir('gateway-keygen-rules-');
    try {
      await writeJson(`${dir.dir}/.mcp-gateway-rules.json`, { agents: { ci: {} } });
      const known = await runCli(['keygen', 'ci'], { cwd: dir.dir, env: { HOME: dir.dir } });
      assert.equal(known.code, 0);
      assert.doesNotMatch(known.stderr, /warning/);
      const unknown = await runCli(['keygen', 'deploy'], { cwd: dir.dir, env: { HOME: dir.dir } });
      assert.equal(unknown.code, 0);
      assert.match(unknown.stdout.split('\n')[0]!, /^amg_/);
      assert.match(unknown.stderr, /warning: agent "deploy" is not in .*\.mcp-gateway-rules\.json/);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a malformed agent id with one error line and exit 1', async () => {
    const run = await runCli(['keygen', 'not an id']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: invalid agent id "not an id"/);
  });

  it('refuses keygen without an agent and with more than one', async () => {
    const none = await runCli(['keygen']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: keygen needs the agent/);
    const two = await runCli(['keygen', 'a', 'b']);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^error: unexpected argument "b"/);
  });

  it('is listed in --help', async () => {
    const run = await runCli(['--help']);
    assert.match(run.stdout, /keygen <agent>/);
  });
});
