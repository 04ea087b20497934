/**
 * SPEC §12 shutdown through the built gateway: stdin EOF, SIGINT and SIGTERM each stop every
 * downstream process, including a grandchild behind a shell wrapper and a child that ignores
 * SIGTERM; an in-flight call may finish within the deadline.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { descendantPids, fixture, fixtureServer } from './harness.ts';
import {
  ALL_DEFAULT_RULES,
  spawnRawGateway,
  survivors,
  tempDir,
  writeJson,
  type JsonRpcMessage,
  type RawGateway,
} from './cli-raw-gateway.ts';

/** The gateway must be gone well before this; the stubborn child alone needs two kill graces. */
const EXIT_TIMEOUT_MS = 12_000;

function textOf(message: JsonRpcMessage): string {
  const content = message.result?.content as { type: string; text?: string }[] | undefined;
  return content?.map((block) => block.text ?? '').join('') ?? JSON.stringify(message);
}

describe('shutdown leaves no child process (SPEC §12)', { concurrency: true }, () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-shutdown-');
    await writeJson(join(work.dir, '.mcp.json'), {
      mcpServers: {
        plain: fixtureServer('multi-tool'),
        // The shell stays the parent (the trailing `exit` prevents an exec), so the server is a grandchild.
        wrapped: {
          command: '/bin/sh',
          args: ['-c', `"${process.execPath}" "${fixture('multi-tool')}"; exit $?`],
        },
        stubborn: fixtureServer('failing', ['--garbage-stdout', '--stubborn']),
      },
    });
    await writeJson(join(work.dir, '.mcp-gateway-rules.json'), ALL_DEFAULT_RULES);
  });
  after(() => work.remove());

  /** Starts a gateway and connects every server; returns it with the pids of all its descendants. */
  async function startWithChildren(): Promise<{ gateway: RawGateway; pids: number[] }> {
    const gateway = spawnRawGateway({ cwd: work.dir });
    try {
      await gateway.initialize();
      const call = (server: string, tool: string) =>
        gateway.request('tools/call', { name: 'execute_tool', arguments: { server, tool, args: {} } });
      const answers = await Promise.all([
        call('plain', 'pid'),
        call('wrapped', 'pid'),
        call('stubborn', 'ok'),
      ]);
      for (const answer of answers) assert.notEqual(answer.result?.isError, true, JSON.stringify(answer));
      const wrappedPid = (answers[1].result?.structuredContent as { pid: number }).pid;
      const pids = await descendantPids(gateway.pid);
      assert.ok(pids.includes(wrappedPid), 'the wrapped server is a descendant');
      assert.equal(pids.length, 4, `expected node, sh + node, and the stubborn child: ${pids.join(', ')}`);
      return { gateway, pids };
    } catch (error) {
      await survivors(await descendantPids(gateway.pid));
      await gateway.close();
      throw error;
    }
  }

  /** Starts a 500 ms call, triggers the shutdown 100 ms into it, and resolves with the call's answer. */
  async function finishesDespite(gateway: RawGateway, shutdown: () => void): Promise<JsonRpcMessage> {
    const inFlight = gateway.request('tools/call', {
      name: 'execute_tool',
      arguments: { server: 'plain', tool: 'sleep', args: { ms: 500 } },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    shutdown();
    const answer = await inFlight;
    assert.notEqual(answer.result?.isError, true, JSON.stringify(answer));
    return answer;
  }

  async function expectCleanExit(gateway: RawGateway, pids: number[]): Promise<void> {
    const timeout = setTimeout(() => gateway.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    const exit = await gateway.exited;
    clearTimeout(timeout);
    // Orphans are checked first: a failed exit assertion must not leave them running.
    const left = await survivors(pids);
    assert.deepEqual(left, [], `still running after shutdown: ${left.join(', ')}`);
    assert.deepEqual(exit, { code: 0, signal: null }, gateway.stderr());
    assert.doesNotMatch(gateway.stderr(), /\n {4}at /);
  }

  it('lets an in-flight call finish when stdin closes, then stops every child', async () => {
    const { gateway, pids } = await startWithChildren();
    const answer = await finishesDespite(gateway, () => gateway.child.stdin.end());
    assert.equal(textOf(answer), 'slept 500 ms');
    await expectCleanExit(gateway, pids);
    await gateway.close();
  });

  it('stops every child, grandchild and SIGTERM-ignoring child on SIGINT', async () => {
    const { gateway, pids } = await startWithChildren();
    gateway.child.kill('SIGINT');
    await expectCleanExit(gateway, pids);
    await gateway.close();
  });

  it('still stops every child when SIGTERM arrives during the shutdown that stdin EOF began', async () => {
    // What an MCP client's close does: end stdin, then SIGTERM if the server has not exited yet.
    const { gateway, pids } = await startWithChildren();
    gateway.child.stdin.end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    gateway.child.kill('SIGTERM');
    await expectCleanExit(gateway, pids);
    await gateway.close();
  });

  it('lets an in-flight call finish on SIGTERM, then stops every child', async () => {
    const { gateway, pids } = await startWithChildren();
    const answer = await finishesDespite(gateway, () => gateway.child.kill('SIGTERM'));
    assert.equal(textOf(answer), 'slept 500 ms');
    await expectCleanExit(gateway, pids);
    await gateway.close();
  });
});
