/**
 * Errors and status that name the cause (issue 7 item 8, issue 8 items 3, 4, 5, 8): a TIMEOUT
 * while listing tools names the call's timeout and respects it, Basic credentials made from URL
 * userinfo never reach the log or an error, a Node server that cannot start says why, a changed
 * tool list keeps its count in list_servers, and one running call counts once in in_flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpFixture, type HttpFixture } from '../fixtures/spawn-http-fixture.ts';
import { errorOf, fixtureServer, startGateway, structured, type RunningGateway } from './harness.ts';
import { execute, gatewayStatus, serverStatus, textOf, waitUntil } from './live-helpers.ts';

interface ListedServer {
  name: string;
  tool_count?: number;
}

describe('errors that name their cause', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({
      servers: {
        mute: fixtureServer('failing', ['--mute-tools-list']),
        missing: { command: process.execPath, args: ['/nonexistent/agent-mcp-gateway/server.js'] },
      },
      args: ['--debug'],
    });
  });
  after(() => gateway.close());

  it("bounds the tool-list fetch of a call by the call's timeout_ms, and names it", async () => {
    const error = errorOf(await execute(gateway, 'mute', 'anything', {}, { timeout_ms: 400 }));
    assert.equal(error.code, 'TIMEOUT');
    assert.match(error.message, /within 400 ms/);
    assert.match(error.message, /listing tools/);
  });

  it('shows the error line of a Node server that cannot start, not only its last lines', async () => {
    const error = errorOf(await execute(gateway, 'missing', 'anything'));
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /Cannot find module '\/nonexistent\/agent-mcp-gateway\/server\.js'/);
    assert.match(error.message, /exited with code 1/);
  });
});

describe('Basic credentials built from URL userinfo', () => {
  let http: HttpFixture;
  let gateway: RunningGateway;
  const basic = Buffer.from('bob:hunter2-secret').toString('base64');

  before(async () => {
    http = await startHttpFixture({ env: { FIXTURE_CONTROL_TOOLS: '1' } });
    const url = new URL(http.url);
    url.username = 'bob';
    url.password = 'hunter2-secret';
    gateway = await startGateway({ servers: { basic: { url: url.href, type: 'http' } }, args: ['--debug'] });
  });
  after(async () => {
    await gateway.close();
    await http.close();
  });

  it('are masked in the log when the server logs the header it received', async () => {
    assert.equal(textOf(await execute(gateway, 'basic', 'log_headers')), 'logged headers');
    const line = await waitUntil('the server log line', () =>
      gateway
        .stderr()
        .split('\n')
        .find((text) => text.includes('"server log"') && text.includes('authorization')),
    );
    assert.ok(!line.includes(basic), line);
    assert.match(line, /"authorization":"\*\*\*"/);
  });

  it('are masked in a tool result that echoes them, while other results pass unchanged', async () => {
    const result = await execute(gateway, 'basic', 'echo_headers');
    const text = JSON.stringify(result);
    assert.ok(!text.includes(basic), text);
    assert.match(text, /"authorization":"\*\*\*"/);
    assert.equal(textOf(await execute(gateway, 'basic', 'echo', { text: 'plain words' })), 'plain words');
  });

  it('are masked in an error that quotes them', async () => {
    const error = errorOf(await execute(gateway, 'basic', 'fail_with_headers'));
    assert.equal(error.code, 'DOWNSTREAM_ERROR');
    assert.ok(!error.message.includes(basic), error.message);
    assert.match(error.message, /refused credentials \*\*\*/);
    const status = JSON.stringify(await gatewayStatus(gateway));
    for (const text of [gateway.stderr(), status]) {
      assert.ok(!text.includes(basic), 'the base64 credentials leaked');
      assert.ok(!text.includes('hunter2-secret'), 'the password leaked');
    }
  });
});

describe('status while tools change and calls run', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway({
      servers: {
        multi: fixtureServer('multi-tool'),
        slow: fixtureServer('slow', ['--delay-ms', '1500']),
      },
      args: ['--debug'],
    });
  });
  after(() => gateway.close());

  const toolCount = async () => {
    const listed = structured<{ servers: ListedServer[] }>(
      await gateway.call('list_servers', { include_metadata: true }),
    );
    return listed.servers.find((server) => server.name === 'multi')?.tool_count;
  };

  it('keeps tool_count in list_servers after tools/list_changed until the new list arrives', async () => {
    assert.equal(textOf(await execute(gateway, 'multi', 'echo', { text: 'x' })), 'x');
    const before = await toolCount();
    assert.equal(typeof before, 'number');
    assert.equal(
      textOf(await execute(gateway, 'multi', 'add_tool', { name: 'late_tool' })),
      'added tool late_tool',
    );
    assert.equal(await toolCount(), before, 'the count did not disappear');
    const tools = await gateway.call('get_server_tools', { server: 'multi' });
    assert.ok(!tools.isError, JSON.stringify(tools));
    assert.equal(await toolCount(), (before ?? 0) + 1);
  });

  it('counts one running call once in in_flight', async () => {
    assert.equal(textOf(await execute(gateway, 'slow', 'fast')), 'fast');
    const sleeping = execute(gateway, 'slow', 'slow');
    const inFlight = await waitUntil('the call to be running', async () => {
      const slow = serverStatus(await gatewayStatus(gateway), 'slow');
      return slow.in_flight > 0 ? slow.in_flight : undefined;
    });
    assert.equal(inFlight, 1);
    assert.equal(textOf(await sleeping), 'slow after 1500 ms');
  });
});
