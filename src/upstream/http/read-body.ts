import type { IncomingMessage } from 'node:http';
import type { HttpRefusal } from './guards.ts';

/**
 * Reads a request body of at most `maxBytes` (SPEC §14: larger → 413 before parsing). A declared
 * `Content-Length` over the bound is refused without reading a byte; a chunked body is counted as
 * it arrives and refused the moment it passes the bound, so a client cannot make the gateway
 * buffer more than the limit.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ ok: true; body: Buffer } | { ok: false; refusal: HttpRefusal }> {
  const tooLarge: HttpRefusal = {
    status: 413,
    message: `request body over ${maxBytes} bytes (GATEWAY_HTTP_MAX_BODY_BYTES)`,
    headers: { connection: 'close' },
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, refusal: tooLarge };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { ok: false, refusal: tooLarge };
    chunks.push(chunk);
  }
  return { ok: true, body: Buffer.concat(chunks, size) };
}
