import type { ServerResponse } from 'node:http';
import type { HttpRefusal } from './guards.ts';

/** JSON-RPC error codes the SDK's own HTTP transports use for refusals outside a request. */
const REFUSAL_CODE: Record<HttpRefusal['status'], number> = {
  400: -32600,
  401: -32001,
  403: -32003,
  404: -32001,
  405: -32000,
  413: -32600,
  503: -32000,
};

/**
 * Answers a refused /mcp request as MCP clients expect: the HTTP status, plus a JSON-RPC error
 * body whose message says why (clients surface it), and no request id (none was served).
 */
export function sendRefusal(res: ServerResponse, refusal: HttpRefusal): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: REFUSAL_CODE[refusal.status], message: refusal.message },
    id: null,
  });
  res.writeHead(refusal.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...refusal.headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
