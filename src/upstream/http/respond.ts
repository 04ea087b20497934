import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import type { HttpRefusal } from './guards.ts';

/** JSON-RPC error codes the SDK's own HTTP transports use for refusals outside a request. */
const REFUSAL_CODE: Record<HttpRefusal['status'], number> = {
  400: -32600,
  401: -32001,
  403: -32003,
  404: -32001,
  405: -32000,
  406: -32000,
  409: -32000,
  413: -32600,
  415: -32000,
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

/**
 * Refuses a request and leaves a trace for the operator: a credential or session that does not
 * fit (401, 403) is a warning naming the principal and the reason, never the credential; the
 * rest are debug lines. Audit lines stay one per gateway tool call (SPEC §10).
 */
export function refuse(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  refusal: HttpRefusal,
  principal: string | null = null,
): void {
  const fields = {
    status: refusal.status,
    reason: refusal.message,
    principal,
    method: req.method,
    path: (req.url ?? '').split('?', 1)[0],
    // The socket is gone when the client hung up mid-request.
    remote: (req.socket as typeof req.socket | null)?.remoteAddress,
  };
  if (refusal.status === 401 || refusal.status === 403) logger.warn(fields, 'http request refused');
  else logger.debug(fields, 'http request refused');
  sendRefusal(res, refusal);
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
