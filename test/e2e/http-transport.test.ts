/**
 * The 2025-era Streamable HTTP session transport (src/upstream/http/session-transport.ts) on the
 * wire, with raw requests: what the body and headers of each answer are (JSON for a lone answer,
 * SSE once progress or a batch must stream), cancellation ending a call's stream, the refusals
 * a client can provoke (406, 415, 409, 400), 202 for notifications, DELETE. Each case runs with
 * the direct tools/call path on and off: both must put the same bytes of a result on the wire.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureServer } from './harness.ts';
import {
  raw,
  startInProcessHttpGateway,
  type InProcessHttpGateway,
  type RawAnswer,
} from '../support/http-gateway.ts';
import { waitUntil } from './cli-raw-gateway.ts';

const RULES = {
  agents: { alpha: { allow: { servers: ['*'] } } },
  defaults: { deny_on_missing_agent: false },
};
const VERSION = '2025-06-18';

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(url, { headers, body: JSON.stringify(body) });
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return raw(url, { method, headers, ...(body !== undefined && { body }) });
}

/** The JSON-RPC messages of an SSE body, in order. */
function sseMessages(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

function execute(id: number, tool: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'execute_tool',
      arguments: { agent_id: 'alpha', server: 'multi', tool, args },
      ...(meta && { _meta: meta }),
    },
  };
}

for (const direct of [true, false]) {
  describe(`HTTP session transport on the wire (direct tools/call ${direct ? 'on' : 'off'})`, () => {
    let gw: InProcessHttpGateway;
    let dir: string;
    let eventLog: string;
    let session: Record<string, string>;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'http-transport-'));
      eventLog = join(dir, 'events.jsonl');
      gw = await startInProcessHttpGateway({
        servers: { multi: fixtureServer('multi-tool', [], { env: { FIXTURE_EVENT_LOG: eventLog } }) },
        rules: RULES,
        http: { directToolCalls: direct },
      });
      const init = await post(gw.url, {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      assert.equal(init.status, 200, init.text);
      const id = init.headers['mcp-session-id'];
      assert.equal(typeof id, 'string');
      session = { 'mcp-session-id': id as string, 'mcp-protocol-version': VERSION };
      const initialized = await post(
        gw.url,
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        session,
      );
      assert.equal(initialized.status, 202);
    });
    after(async () => {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('answers a lone call as application/json with the session id', async () => {
      const answer = await post(gw.url, execute(1, 'echo', { text: 'plain' }), session);
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.equal(answer.headers['mcp-session-id'], session['mcp-session-id']);
      const message = JSON.parse(answer.text) as { id: number; result: { structuredContent: unknown } };
      assert.equal(message.id, 1);
      assert.deepStrictEqual(message.result.structuredContent, { text: 'plain' });
    });

    it('streams progress and then the answer on the POST that asked for progress', async () => {
      const answer = await post(gw.url, execute(2, 'sleep', { ms: 200 }, { progressToken: 'p-1' }), session);
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^text\/event-stream/);
      const messages = sseMessages(answer.text);
      const last = messages.at(-1);
      assert.equal(last?.id, 2);
      assert.ok(messages.length >= 2, `progress before the answer: ${answer.text}`);
      for (const progress of messages.slice(0, -1)) {
        assert.equal(progress.method, 'notifications/progress');
        assert.equal((progress.params as { progressToken: unknown }).progressToken, 'p-1');
      }
    });

    it('answers a batch of two calls on one stream, each with its own id', async () => {
      const answer = await post(
        gw.url,
        [execute(3, 'echo', { text: 'three' }), execute(4, 'echo', { text: 'four' })],
        session,
      );
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^text\/event-stream/);
      const byId = new Map(sseMessages(answer.text).map((message) => [message.id, message]));
      assert.deepStrictEqual((byId.get(3)?.result as { structuredContent: unknown }).structuredContent, {
        text: 'three',
      });
      assert.deepStrictEqual((byId.get(4)?.result as { structuredContent: unknown }).structuredContent, {
        text: 'four',
      });
    });

    it('ends a cancelled call’s stream without an answer, cancels it downstream, and serves the next', async () => {
      const pending = post(gw.url, execute(5, 'sleep', { ms: 20_000 }), session);
      await waitUntil(
        'the call to run',
        () => gw.gateway.pool.get('multi')?.snapshot().inFlight === 1 || undefined,
      );
      const cancel = await post(
        gw.url,
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'user stop' } },
        session,
      );
      assert.equal(cancel.status, 202);
      const answer = await pending;
      assert.equal(answer.status, 200);
      assert.deepStrictEqual(sseMessages(answer.text), [], 'no answer to a cancelled request');
      await waitUntil(
        'the downstream cancellation',
        async () => (await readEvents(eventLog)).some((event) => event.event === 'cancelled') || undefined,
      );
      const next = await post(gw.url, execute(6, 'echo', { text: 'after' }), session);
      assert.equal((JSON.parse(next.text) as { id: number }).id, 6);
    });

    it('refuses what a client must not send: 406, 415, 409, 400', async () => {
      const notAcceptable = await post(gw.url, execute(7, 'echo', { text: 'x' }), {
        ...session,
        accept: 'application/json',
      });
      assert.equal(notAcceptable.status, 406);
      const wrongType = await send(gw.url, 'POST', { ...session, 'content-type': 'text/plain' }, '{}');
      assert.equal(wrongType.status, 415);
      const badVersion = await post(gw.url, execute(8, 'echo', { text: 'x' }), {
        ...session,
        'mcp-protocol-version': '1999-01-01',
      });
      assert.equal(badVersion.status, 400);
      assert.match(badVersion.text, /Unsupported protocol version: 1999-01-01/);
      const again = await post(
        gw.url,
        { jsonrpc: '2.0', id: 9, method: 'initialize', params: { protocolVersion: VERSION } },
        session,
      );
      assert.equal(again.status, 400);
      assert.match(again.text, /already initialized/);
      const notRpc = await post(gw.url, { hello: 'world' }, session);
      assert.equal(notRpc.status, 400);
      const conflict = await openTwoStreams(gw.url, session);
      assert.deepStrictEqual(conflict, [200, 409]);
    });

    it('ends the session on DELETE; its id then gets 404', async () => {
      const init = await post(gw.url, {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      const own = { 'mcp-session-id': init.headers['mcp-session-id'] as string };
      assert.equal((await send(gw.url, 'DELETE', own)).status, 200);
      assert.equal((await post(gw.url, execute(10, 'echo', { text: 'x' }), own)).status, 404);
    });
  });
}

/** Opens a standalone GET stream, then a second one: the session allows one. */
function openTwoStreams(url: string, headers: Record<string, string>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const first = request(
      url,
      { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } },
      (res) => {
        void send(url, 'GET', { ...headers, accept: 'text/event-stream' }).then((second) => {
          res.destroy();
          resolve([res.statusCode ?? 0, second.status]);
        }, reject);
      },
    );
    first.on('error', reject);
    first.end();
  });
}

async function readEvents(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
