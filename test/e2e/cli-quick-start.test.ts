/**
 * The README's quick start, as a new user runs it: the bundled example config works from any working
 * directory, and `npm start` speaks nothing but JSON-RPC on stdout (npm's banner included).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, descendantPids, isAlive, runCli, waitForExit } from './harness.ts';
import { spawnRawGateway, survivors, tempDir, type JsonRpcMessage } from './cli-raw-gateway.ts';

const EXAMPLE_SERVERS = join(ROOT, 'examples', '.mcp.json');
const EXAMPLE_RULES = join(ROOT, 'examples', '.mcp-gateway-rules.json');

interface ToolResult {
  content?: { type: string; text?: string }[];
  isError?: boolean;
  structuredContent?: { error?: { code: string; rule?: string } };
}

describe('the example config (examples/)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    work = await tempDir('gateway-example-');
  });
  after(() => work.remove());

  it('passes validate when run from another working directory', async () => {
    const run = await runCli(['validate', '--mcp-config', EXAMPLE_SERVERS, '--rules', EXAMPLE_RULES], {
      cwd: work.dir,
    });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^valid: 3 server\(s\), 3 agent\(s\), 0 warning\(s\)/m);
  });

  it('serves all three example servers when the gateway runs from another working directory', async () => {
    const gateway = spawnRawGateway({
      cwd: work.dir,
      args: ['--mcp-config', EXAMPLE_SERVERS, '--rules', EXAMPLE_RULES],
      env: { EXAMPLE_MEMORY_FILE: join(work.dir, 'memory.jsonl') },
    });
    let children: number[] | undefined;
    try {
      await gateway.initialize();
      const call = async (args: Record<string, unknown>): Promise<ToolResult> => {
        const answer = await gateway.request('tools/call', { name: 'execute_tool', arguments: args }, 60_000);
        assert.ok(answer.result, JSON.stringify(answer));
        return answer.result;
      };
      const echoed = await call({
        agent_id: 'builder',
        server: 'everything',
        tool: 'echo',
        args: { message: 'hello through the gateway' },
      });
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'Echo: hello through the gateway' }]);
      const toolbox = await call({
        server: 'toolbox',
        tool: 'echo',
        args: { text: 'from the default agent' },
      });
      assert.deepEqual(toolbox.content, [{ type: 'text', text: 'from the default agent' }]);
      const graph = await call({ agent_id: 'researcher', server: 'memory', tool: 'read_graph', args: {} });
      assert.notEqual(graph.isError, true, JSON.stringify(graph));
      const denied = await call({
        agent_id: 'researcher',
        server: 'memory',
        tool: 'delete_entities',
        args: { entityNames: [] },
      });
      assert.equal(denied.structuredContent?.error?.code, 'DENIED_BY_POLICY');
      assert.equal(
        denied.structuredContent?.error?.rule,
        'agents.researcher.deny.tools.memory[0] ("delete_*")',
      );
      children = await descendantPids(gateway.pid);
    } finally {
      await gateway.close();
    }
    assert.deepEqual(await survivors(children ?? []), [], 'an example server outlived the gateway');
  });
});

describe('npm start', () => {
  it('writes only JSON-RPC on stdout, starting with the first byte', async () => {
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, GATEWAY_AUDIT_LOG: 'off' },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: whatever npm started is stopped with it if the test fails.
      detached: true,
    });
    const pid = npm.pid;
    assert.ok(pid !== undefined);
    let stdout = '';
    let stderr = '';
    npm.stdout.setEncoding('utf8');
    npm.stderr.setEncoding('utf8');
    npm.stderr.on('data', (chunk: string) => (stderr += chunk));
    const answered = new Promise<void>((resolve) => {
      npm.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve();
      });
    });
    try {
      const initialize = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'e2e', version: '1' },
        },
      };
      npm.stdin.write(`${JSON.stringify(initialize)}\n`);
      await Promise.race([
        answered,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`no answer from npm start; stderr:\n${stderr}`)), 30_000).unref(),
        ),
      ]);
      npm.stdin.end();
      assert.ok(await waitForExit(pid, 15_000), `npm start did not exit on stdin EOF; stderr:\n${stderr}`);
    } finally {
      if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
    }
    assert.equal(
      stdout[0],
      '{',
      `stdout must start with JSON-RPC, got ${JSON.stringify(stdout.slice(0, 80))}`,
    );
    for (const line of stdout.split('\n').filter((text) => text !== '')) {
      const message = JSON.parse(line) as JsonRpcMessage;
      assert.equal(message.jsonrpc, '2.0', line);
    }
    assert.match(stderr, /gateway ready on stdio/);
  });
});
