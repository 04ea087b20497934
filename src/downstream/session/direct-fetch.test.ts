import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { createDirectFetch, type DirectFetch } from './direct-fetch.ts';

const CALL = JSON.stringify({ jsonrpc: '2.0', id: 'gw-1', method: 'tools/call', params: { name: 'echo' } });

/** A real server whose answer each test sets; it records what it was sent. */
function startServer(): Promise<{
  url: string;
  server: Server;
  answer: (handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) => void;
}> {
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_req, res) => res.end();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
        server,
        answer: (next) => (handler = next),
      }),
    ),
  );
}

describe('the direct path fetch of Streamable HTTP sessions', () => {
  let target: Awaited<ReturnType<typeof startServer>>;
  let direct: DirectFetch;
  const delivered: JSONRPCMessage[] = [];
  const errors: Error[] = [];

  before(async () => {
    target = await startServer();
    direct = createDirectFetch();
    direct.attach({ deliver: (message) => delivered.push(message), error: (error) => errors.push(error) });
  });
  after(() => {
    direct.close();
    target.server.close();
  });

  const call = (init: RequestInit = {}) =>
    direct.fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-session-id': 's-1' },
      body: CALL,
      ...init,
    });

  it('reads an SSE answer itself, event by event, and tells the transport 202', async () => {
    delivered.length = 0;
    let sentHeaders: IncomingMessage['headers'] = {};
    target.answer((req, res) => {
      sentHeaders = req.headers;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(
        ': a comment\r\n\r\nevent: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress",',
      );
      res.write(
        '"params":{"progressToken":"gw-1","progress":1}}\r\n\r\nevent: other\ndata: {"ignored":true}\n\n',
      );
      res.end('data: {"jsonrpc":"2.0",\ndata: "id":"gw-1","result":{"content":[]}}\n\n');
    });
    const response = await call();
    assert.equal(response.status, 202);
    await waitFor(() => delivered.length === 2);
    assert.deepStrictEqual(delivered, [
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'gw-1', progress: 1 } },
      { jsonrpc: '2.0', id: 'gw-1', result: { content: [] } },
    ]);
    assert.equal(sentHeaders['mcp-session-id'], 's-1', 'the headers the SDK built are sent');
  });

  it('reads a JSON answer itself', async () => {
    delivered.length = 0;
    target.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":"gw-1","result":{"content":[]}}');
    });
    assert.equal((await call()).status, 202);
    assert.deepStrictEqual(delivered, [{ jsonrpc: '2.0', id: 'gw-1', result: { content: [] } }]);
  });

  it('hands any other answer back to the transport with its status, headers and text', async () => {
    target.answer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json', 'www-authenticate': 'Bearer x' });
      res.end('{"error":"Session not found"}');
    });
    const response = await call();
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer x');
    assert.equal(await response.text(), '{"error":"Session not found"}');
  });

  it('leaves every other request to the ordinary fetch', async () => {
    delivered.length = 0;
    target.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":7,"result":{}}');
    });
    const response = await direct.fetch(target.url, {
      method: 'POST',
      body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
    });
    assert.equal(response.status, 200);
    assert.deepStrictEqual(await response.json(), { jsonrpc: '2.0', id: 7, result: {} });
    assert.deepStrictEqual(delivered, []);
  });

  it('fails as fetch does: "fetch failed" with the socket error as cause, or the abort reason', async () => {
    const closed = await startServer();
    await new Promise((resolve) => closed.server.close(resolve));
    const refused = await direct.fetch(closed.url, { method: 'POST', body: CALL }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof TypeError);
    assert.equal(refused.message, 'fetch failed');
    assert.equal((refused.cause as { code?: string }).code, 'ECONNREFUSED');

    target.answer(() => {
      // Never answers: the caller gives up.
    });
    const controller = new AbortController();
    const pending = call({ signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    controller.abort(new Error('transport closed'));
    assert.equal(((await pending) as Error).message, 'transport closed');
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
