/**
 * Supervision of downstream servers (SPEC §12) with real processes and faults: a server killed
 * mid-call, one that hangs on `initialize`, one that prints garbage on stdout, and a Streamable
 * HTTP server that forgets its sessions. Calls fail fast with the reason and never hang; the
 * next use reconnects; other servers never notice; no process is left behind. Each block is a
 * function of the gateway under test: live-supervision.test.ts runs them on the built CLI, the
 * differential test the stdio ones without the direct tools/call path.
 */
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFixture, type HttpFixture } from '../../fixtures/spawn-http-fixture.ts';
import {
  descendantPids,
  errorOf,
  fixtureServer,
  isAlive,
  structured,
  type RunningGateway,
  type StartGateway,
} from '../harness.ts';
import {
  assertExits,
  delay,
  execute,
  gatewayStatus,
  serverPid,
  serverStatus,
  textOf,
  waitUntil,
} from '../live-helpers.ts';

/** "Fast" for a call that fails because its server died: far below the 60 s default timeout. */
const FAIL_FAST_MS = 3000;

export function supervisesCrashes(start: StartGateway, label = ''): void {
  describe('a downstream server that dies mid-call' + label, () => {
    let gateway: RunningGateway;
    const seenPids = new Set<number>();

    before(async () => {
      gateway = await start({
        servers: {
          victim: fixtureServer('multi-tool', ['--name', 'victim']),
          bystander: fixtureServer('multi-tool', ['--name', 'bystander']),
        },
        args: ['--debug'],
      });
    });
    after(async () => {
      await gateway.close();
      for (const pid of seenPids) assert.equal(isAlive(pid), false, `pid ${pid} outlived the gateway`);
    });

    it('fails the in-flight calls fast with the exit code and stderr, then reconnects on next use', async () => {
      const bystanderPid = await serverPid(gateway, 'bystander');
      const victimPid = await serverPid(gateway, 'victim');
      seenPids.add(bystanderPid).add(victimPid);

      const started = Date.now();
      const sleeping = execute(gateway, 'victim', 'sleep', { ms: 20_000 });
      const crashing = execute(gateway, 'victim', 'crash');
      const [slept, crashed] = await Promise.all([sleeping, crashing]);
      assert.ok(Date.now() - started < FAIL_FAST_MS, 'the calls did not fail fast');
      for (const result of [slept, crashed]) {
        const error = errorOf(result);
        assert.equal(error.code, 'SERVER_UNAVAILABLE');
        assert.match(error.message, /exited with code 1/);
        assert.match(error.message, /crash requested/, 'the reason carries the stderr tail');
      }
      await assertExits(victimPid, 'the crashed server');

      const status = serverStatus(await gatewayStatus(gateway), 'victim');
      assert.equal(status.status, 'unavailable');
      assert.match(status.last_error ?? '', /exited with code 1/);

      const restartedPid = await serverPid(gateway, 'victim');
      seenPids.add(restartedPid);
      assert.notEqual(restartedPid, victimPid);
      assert.equal(await serverPid(gateway, 'bystander'), bystanderPid, 'the other server never noticed');
      const after = serverStatus(await gatewayStatus(gateway), 'victim');
      assert.equal(after.status, 'connected');
      assert.equal(after.restarts, 1);
      assert.equal(serverStatus(await gatewayStatus(gateway), 'bystander').restarts, 0);
    });

    it('fails a call fast when the server is killed with SIGKILL, and the next call succeeds', async () => {
      const victimPid = await serverPid(gateway, 'victim');
      seenPids.add(victimPid);
      const started = Date.now();
      const sleeping = execute(gateway, 'victim', 'sleep', { ms: 20_000 });
      await delay(300);
      process.kill(victimPid, 'SIGKILL');
      const error = errorOf(await sleeping);
      assert.ok(Date.now() - started < FAIL_FAST_MS, 'the call did not fail fast');
      assert.equal(error.code, 'SERVER_UNAVAILABLE');
      assert.match(error.message, /killed by SIGKILL/);

      const next = await execute(gateway, 'victim', 'echo', { text: 'back' });
      assert.equal(textOf(next), 'back');
      seenPids.add(await serverPid(gateway, 'victim'));
    });
  });
}

export function supervisesStartup(start: StartGateway, label = ''): void {
  describe('downstream servers that misbehave at start-up' + label, () => {
    let gateway: RunningGateway;

    before(async () => {
      gateway = await start({
        servers: {
          hanging: fixtureServer('failing', ['--hang-initialize'], { connect_timeout_ms: 500 }),
          noisy: fixtureServer('failing', ['--garbage-stdout']),
          broken: fixtureServer('failing'),
        },
        args: ['--debug'],
      });
    });
    after(() => gateway.close());

    it('gives up on a server that never answers initialize after connect_timeout_ms, and stops it', async () => {
      const started = Date.now();
      const error = errorOf(await execute(gateway, 'hanging', 'anything'));
      assert.ok(Date.now() - started < FAIL_FAST_MS, 'the connect timeout was not applied');
      assert.equal(error.code, 'SERVER_UNAVAILABLE');
      assert.match(error.message, /no answer to "initialize" within 500 ms \(connect_timeout_ms\)/);
      assert.match(error.message, /hanging: reading stdin/, 'the reason carries the stderr tail');
      const status = serverStatus(await gatewayStatus(gateway), 'hanging');
      assert.equal(status.status, 'unavailable');
      await waitUntil('the hanging server to be stopped', async () =>
        (await descendantPids(gateway.pid)).length === 0 ? true : undefined,
      );
    });

    it('still serves a server that prints garbage on stdout before speaking MCP', async () => {
      assert.equal(textOf(await execute(gateway, 'noisy', 'ok')), 'ok');
      assert.equal(textOf(await execute(gateway, 'noisy', 'ok')), 'ok');
    });

    it('explains a server that exits at start-up with its exit code and stderr', async () => {
      const error = errorOf(await execute(gateway, 'broken', 'anything'));
      assert.equal(error.code, 'SERVER_UNAVAILABLE');
      assert.match(error.message, /exited with code 3/);
      assert.match(error.message, /fatal: cannot open database/);
    });

    it('logs the stderr of stdio servers with the server name', () => {
      const lines = gateway
        .stderr()
        .split('\n')
        .filter((line) => line.includes('"server stderr"'))
        .map((line) => JSON.parse(line) as { server?: string; stderr?: string });
      assert.ok(
        lines.some((line) => line.server === 'broken' && line.stderr === 'fatal: cannot open database'),
      );
      assert.ok(
        lines.some((line) => line.server === 'noisy' && line.stderr?.includes('serving after garbage')),
      );
    });
  });
}

export function supervisesForgottenSessions(start: StartGateway, label = ''): void {
  describe('a Streamable HTTP server that forgets its session' + label, () => {
    let http: HttpFixture;
    let gateway: RunningGateway;

    before(async () => {
      http = await startHttpFixture({ env: { FIXTURE_CONTROL_TOOLS: '1' } });
      const withUserinfo = new URL(http.url);
      withUserinfo.username = 'agent';
      withUserinfo.password = 'pa55-word';
      gateway = await start({
        servers: {
          remote: { url: http.url, type: 'http' },
          basic: { url: withUserinfo.href, type: 'http' },
        },
        args: ['--debug'],
      });
    });
    after(async () => {
      await gateway.close();
      await http.close();
    });

    it('does not replay a tool call on a forgotten session, and the next call opens a new one', async () => {
      assert.equal(textOf(await execute(gateway, 'remote', 'forget_sessions')), 'sessions forgotten');
      const error = errorOf(await execute(gateway, 'remote', 'echo', { text: 'once' }));
      assert.equal(error.code, 'SERVER_UNAVAILABLE');
      assert.match(error.message, /HTTP 404/);
      assert.match(error.message, /not sent again/);
      assert.equal(textOf(await execute(gateway, 'remote', 'echo', { text: 'twice' })), 'twice');
    });

    it('re-initialises a forgotten session transparently for tools/list', async () => {
      assert.equal(
        textOf(await execute(gateway, 'remote', 'forget_sessions', { list_changed: true })),
        'sessions forgotten',
      );
      const result = await gateway.call('get_server_tools', { server: 'remote' });
      assert.ok(!result.isError, JSON.stringify(result));
      const tools = structured<{ tools: { name: string }[] }>(result).tools.map((tool) => tool.name);
      assert.ok(tools.includes('forget_sessions'));
      assert.equal(textOf(await execute(gateway, 'remote', 'echo', { text: 'fresh' })), 'fresh');
      const status = serverStatus(await gatewayStatus(gateway), 'remote');
      assert.equal(status.status, 'connected');
      assert.equal(status.restarts, 2, 'each forgotten session was replaced by a new one');
    });

    it('sends the credentials of a URL as Basic authentication, never in clear anywhere else', async () => {
      const result = await execute(gateway, 'basic', 'echo_headers');
      const sent = structured<{ headers: Record<string, string>; authorization_sha256: string }>(result);
      const basic = `Basic ${Buffer.from('agent:pa55-word').toString('base64')}`;
      assert.equal(sent.authorization_sha256, createHash('sha256').update(basic).digest('hex'));
      assert.equal(sent.headers.authorization, '***', 'masked where the server echoes it (issue 8 item 4)');
      const status = await gateway.call('get_gateway_status');
      for (const text of [gateway.stderr(), JSON.stringify(status)]) assert.ok(!text.includes('pa55-word'));
    });

    it('sends downstream log notifications to the gateway log', async () => {
      await execute(gateway, 'remote', 'log_message', { level: 'warning', data: 'disk almost full' });
      const line = await waitUntil('the server log line', () =>
        gateway
          .stderr()
          .split('\n')
          .find((text) => text.includes('"server log"') && text.includes('disk almost full')),
      );
      const parsed = JSON.parse(line) as { server?: string; level?: unknown; server_level?: unknown };
      assert.equal(parsed.server, 'remote');
      assert.equal(parsed.server_level, 'warning');
      assert.equal(parsed.level, 40, 'logged at pino level warn');
    });
  });
}
