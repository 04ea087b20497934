/**
 * Remote servers that restart under a running gateway (issue 8 items 1, 2): the gateway notices
 * a session the server no longer knows, a refused connection and a dropped SSE event stream,
 * marks the server lost with the reason, and opens a new session on next use. A tool call is
 * never sent twice; get_gateway_status says what happened.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { HttpFixture } from '../fixtures/spawn-http-fixture.ts';
import { closedPort } from './cli-raw-gateway.ts';
import { errorOf, startGateway, type RunningGateway } from './harness.ts';
import { delay, execute, gatewayStatus, serverStatus, textOf, waitUntil } from './live-helpers.ts';
import { startEverythingHttp, startFixtureOnPort, type RestartableServer } from './live-remote-servers.ts';

/** Calls until one succeeds; every failure on the way must be SERVER_UNAVAILABLE, never a stale-session error. */
async function callUntilItWorks(
  call: () => Promise<CallToolResult>,
): Promise<{ result: CallToolResult; failures: string[] }> {
  const failures: string[] = [];
  const result = await waitUntil('a call to succeed after the restart', async () => {
    const attempt = await call();
    if (!attempt.isError) return attempt;
    const error = errorOf(attempt);
    assert.equal(error.code, 'SERVER_UNAVAILABLE', error.message);
    failures.push(error.message);
    return undefined;
  });
  return { result, failures };
}

/** A server that is not there: refused, or a pooled socket found closed. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|UND_ERR_CLOSED/;

describe('a restarted Streamable HTTP server (server-everything)', () => {
  let port: number;
  let server: RestartableServer | undefined;
  let gateway: RunningGateway;

  before(async () => {
    port = await closedPort();
    server = await startEverythingHttp(port);
    gateway = await startGateway({
      servers: { everything: { url: server.url, type: 'http' } },
      args: ['--debug'],
    });
  });
  after(async () => {
    await gateway?.close();
    await server?.close();
  });

  const echo = (message: string) => execute(gateway, 'everything', 'echo', { message });

  it('fails calls while it is down with SERVER_UNAVAILABLE, then reconnects once it is back', async () => {
    assert.equal(textOf(await echo('before')), 'Echo: before');
    await server?.close();
    const down = errorOf(await echo('while down'));
    assert.equal(down.code, 'SERVER_UNAVAILABLE');
    assert.match(down.message, UNREACHABLE);
    const lost = serverStatus(await gatewayStatus(gateway), 'everything');
    assert.equal(lost.status, 'unavailable');
    assert.match(lost.last_error ?? '', UNREACHABLE);

    server = await startEverythingHttp(port);
    const { result } = await callUntilItWorks(() => echo('after'));
    assert.equal(textOf(result), 'Echo: after');
    const back = serverStatus(await gatewayStatus(gateway), 'everything');
    assert.equal(back.status, 'connected');
    assert.ok(back.restarts >= 1, `restarts ${back.restarts}`);
    assert.notEqual(back.last_error, null, 'status keeps why it reconnected');
  });

  it('opens a new session when the restarted server answers 400 for the old one, never replaying the call', async () => {
    assert.equal(textOf(await echo('old session')), 'Echo: old session');
    const restartsBefore = serverStatus(await gatewayStatus(gateway), 'everything').restarts;
    await server?.close();
    server = await startEverythingHttp(port);
    const { result, failures } = await callUntilItWorks(() => echo('new session'));
    assert.equal(textOf(result), 'Echo: new session');
    // The first call may meet the stale session itself (then it is not sent again), or the
    // gateway may have noticed it on its event stream first.
    for (const message of failures)
      assert.match(message, /HTTP 400|not sent again|ECONNREFUSED|ECONNRESET|UND_ERR/);
    assert.ok(failures.length <= 1, `more than one failed call: ${failures.join(' / ')}`);
    const status = serverStatus(await gatewayStatus(gateway), 'everything');
    assert.equal(status.status, 'connected');
    assert.ok(status.restarts > restartsBefore, 'a new session was opened');
    assert.match(
      status.last_error ?? '',
      /no longer knows the session \(HTTP 400|ECONNREFUSED|ECONNRESET|UND_ERR/,
    );
  });
});

describe('a restarted SSE server', () => {
  let port: number;
  let fixture: HttpFixture | undefined;
  let gateway: RunningGateway;

  before(async () => {
    port = await closedPort();
    fixture = await startFixtureOnPort('sse', port);
    gateway = await startGateway({
      servers: { events: { url: fixture.url, type: 'sse' } },
      args: ['--debug'],
    });
  });
  after(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  it('fails the call in flight when the event stream drops, logs it, and reconnects on next use', async () => {
    assert.equal(textOf(await execute(gateway, 'events', 'echo', { text: 'first' })), 'first');
    // Long enough that only a detected drop, not the timeout, can end it.
    const sleeping = execute(gateway, 'events', 'sleep', { ms: 30_000 }, { timeout_ms: 45_000 });
    await waitUntil('the call to be running', async () =>
      serverStatus(await gatewayStatus(gateway), 'events').in_flight > 0 ? true : undefined,
    );
    await delay(300); // Its POST has been answered; the answer would come on the event stream.
    await fixture?.close();
    const error = errorOf(await sleeping);
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /SSE event stream closed/);
    const logged = gateway
      .stderr()
      .split('\n')
      .some((line) => line.includes('"server disconnected"') && line.includes('SSE event stream closed'));
    assert.ok(logged, 'the dropped event stream is logged');
    assert.equal(serverStatus(await gatewayStatus(gateway), 'events').status, 'unavailable');

    fixture = await startFixtureOnPort('sse', port);
    const { result } = await callUntilItWorks(() => execute(gateway, 'events', 'echo', { text: 'again' }));
    assert.equal(textOf(result), 'again');
    const status = serverStatus(await gatewayStatus(gateway), 'events');
    assert.equal(status.status, 'connected');
    assert.equal(status.restarts, 1);
  });

  it('notices a dropped event stream with no call running', async () => {
    await fixture?.close();
    await waitUntil('the server to be marked lost', async () =>
      serverStatus(await gatewayStatus(gateway), 'events').status === 'unavailable' ? true : undefined,
    );
    fixture = await startFixtureOnPort('sse', port);
    const { result } = await callUntilItWorks(() => execute(gateway, 'events', 'echo', { text: 'third' }));
    assert.equal(textOf(result), 'third');
  });
});
