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
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop buffering but keep the socket: the 413 must still reach the client, and
      // `connection: close` ends the exchange once it has been sent.
      cleanup();
      req.pause();
      resolve({ ok: false, refusal: tooLarge });
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, body: Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => onError(new Error('the client closed the request before its body ended'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}
