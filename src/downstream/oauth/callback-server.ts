import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the authorization server sent back to the loopback redirect URI. */
export interface CallbackResult {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  errorDescription?: string;
}

export interface CallbackServer {
  /** `http://127.0.0.1:<port>/callback` (SPEC §16). */
  readonly redirectUrl: string;
  /** Resolves with the first request to /callback; rejects when `signal` aborts. */
  wait(signal: AbortSignal): Promise<CallbackResult>;
  close(): Promise<void>;
}

/** A port that is taken is one clear error, never a retry on another port (issue: racing bridges). */
export class CallbackPortBusyError extends Error {
  override readonly name = 'CallbackPortBusyError';
}

const PAGE_OK =
  '<!doctype html><title>agent-mcp-gateway</title><p>Logged in. You can close this tab and return to the terminal.</p>';
const PAGE_FAILED =
  '<!doctype html><title>agent-mcp-gateway</title><p>The login failed; the terminal says why.</p>';

/**
 * Listens on 127.0.0.1 only (RFC 8252 §7.3: a loopback IP literal, not `localhost`), on `port` or an
 * ephemeral one, for the one redirect that ends the login.
 */
export async function startCallbackServer(port = 0): Promise<CallbackServer> {
  let deliver: ((result: CallbackResult) => void) | undefined;
  const arrived = new Promise<CallbackResult>((resolve) => (deliver = resolve));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const get = (name: string) => url.searchParams.get(name) ?? undefined;
    const result: CallbackResult = {
      ...(get('code') !== undefined && { code: get('code') }),
      ...(get('state') !== undefined && { state: get('state') }),
      ...(get('iss') !== undefined && { iss: get('iss') }),
      ...(get('error') !== undefined && { error: get('error') }),
      ...(get('error_description') !== undefined && { errorDescription: get('error_description') }),
    };
    const ok = result.code !== undefined && result.error === undefined;
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    res.end(ok ? PAGE_OK : PAGE_FAILED);
    deliver?.(result);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES')
        reject(
          new CallbackPortBusyError(
            `the callback port ${port} on 127.0.0.1 is in use (or not allowed); free it or choose another with --port`,
          ),
        );
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    redirectUrl: `http://127.0.0.1:${actual}/callback`,
    wait: (signal) =>
      new Promise<CallbackResult>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        void arrived.then((result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        });
      }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}
