/**
 * A fault of the gateway itself — an uncaught exception or an unhandled rejection — is logged
 * with its stack, every downstream process is stopped, and the gateway exits 1: no orphan.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALL_DEFAULT_RULES, baseEnv, survivors, tempDir, waitUntil, writeJson } from './cli-raw-gateway.ts';
import { descendantPids, fixture, fixtureServer } from './harness.ts';

describe('a fault of the gateway itself (DESIGN: one lifetime)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-fault-');
    await writeJson(join(work.dir, '.mcp.json'), {
      mcpServers: { one: fixtureServer('multi-tool'), two: fixtureServer('multi-tool') },
    });
    await writeJson(join(work.dir, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  for (const fault of ['exception', 'rejection'] as const) {
    it(`stops every child and exits 1 after an unhandled ${fault}`, async () => {
      const child = spawn(process.execPath, [fixture('../gateway-with-fault.mjs')], {
        cwd: work.dir,
        env: baseEnv({ HOME: work.dir, GATEWAY_INIT_STRATEGY: 'eager', FAULT: fault }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let pids: number[] = [];
      try {
        await waitUntil(
          'both servers connected',
          () => ((stderr.match(/"connected"/g) ?? []).length >= 2 ? true : undefined),
          15_000,
        );
        pids = await descendantPids(child.pid!);
        assert.ok(pids.length >= 2, `children: ${pids.join(', ')}`);
        child.kill('SIGUSR2');
        const code = await exited;
        assert.deepStrictEqual(await survivors(pids, 5000), [], 'no downstream process survives');
        assert.equal(code, 1);
        assert.match(stderr, /uncaught failure; shutting down/);
        assert.match(stderr, /injected (fault|rejection) for the test/);
        assert.match(stderr, /"stack":/, 'the stack reaches stderr');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await survivors(pids);
      }
    });
  }
});
