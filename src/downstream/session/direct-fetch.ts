import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { sharedSignalFetch } from './shared-signal-fetch.ts';

/** The body of a direct-path tools/call (DirectToolRequests' `gw-` ids, toolsCallRequest's key order). */
const DIRECT_CALL_BODY = /^\{"jsonrpc":"2\.0","id":"gw-/;
/**
 * An idle connection is closed this long after its last answer (or 1 s before the server's
 * `Keep-Alive: timeout` hint, which node:http honours): undici's default, so a server that closes
 * idle connections first never races a POST into ECONNRESET.
 */
const IDLE_SOCKET_MS = 4000;

/** Where the answers of the direct path's POSTs go, and where a broken stream is reported. */
export interface DirectFetchSink {
  deliver(message: JSONRPCMessage): void;
  error(error: Error): void;
}

export interface DirectFetch {
  /** The `fetch` to give the SDK's StreamableHTTPClientTransport. */
  readonly fetch: typeof fetch;
  /** From now on the direct path's POSTs are answered through `sink`. */
  attach(sink: DirectFetchSink): void;
  /** Closes the idle connections. */
  close(): void;
}

/**
 * `fetch` for a Streamable HTTP session whose tools/call take the direct path (direct-remote.ts).
 *
 * The SDK's transport still builds every request (session id, protocol version, the auth
 * provider's token, configured headers) and still owns every answer that is not a plain success:
 * a 401 it re-authenticates and retries, a 404 or 400 it turns into the errors that mark the
 * session lost, a redirect it follows within the origin. Only a direct call's 200 answer skips it:
 * its body, JSON or an SSE stream, is parsed here (one JSON.parse per message) and handed to the
 * direct path, and the transport is told 202 Accepted, as for a message that needs no answer.
 * That skips undici's web `fetch` and the SDK's web-stream SSE parser and per-message schema,
 * which cost more than the rest of the hop. Every other request goes to the ordinary fetch.
 */
export function createDirectFetch(): DirectFetch {
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  };
  let sink: DirectFetchSink | undefined;
  const directFetch: typeof fetch = (input, init) => {
    const body = init?.body;
    if (
      sink === undefined ||
      init?.method !== 'POST' ||
      typeof body !== 'string' ||
      !DIRECT_CALL_BODY.test(body)
    )
      return sharedSignalFetch(input, init);
    // The transport passes the same URL object on every request.
    const url = input instanceof URL ? input : new URL(input instanceof Request ? input.url : input);
    return post(url, init, body, url.protocol === 'https:' ? agents.https : agents.http, sink);
  };
  return {
    fetch: directFetch,
    attach: (next) => (sink = next),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function post(
  url: URL,
  init: RequestInit,
  body: string,
  agent: HttpAgent,
  sink: DirectFetchSink,
): Promise<Response> {
  const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(body)) };
  // The transport passes a Headers; anything else is normalised the way fetch would.
  const given = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
  given.forEach((value, name) => (headers[name] = value));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const req = send({ ...target(url), method: 'POST', headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const type = mediaType(res.headers['content-type']);
      if (status === 200 && type === 'text/event-stream') {
        resolve(accepted());
        readEvents(res, sink);
      } else if (status === 200 && type === 'application/json') {
        readAll(res)
          .then((text) => {
            // As the SDK: a body that is not JSON fails the send, which the transport reports.
            const parsed = JSON.parse(text) as JSONRPCMessage | JSONRPCMessage[];
            resolve(accepted());
            for (const message of Array.isArray(parsed) ? parsed : [parsed]) sink.deliver(message);
          })
          .catch(reject);
      } else {
        // Not a plain success: the transport decides, from the same status, headers and text.
        readAll(res).then((text) => resolve(asResponse(res, text)), reject);
      }
    });
    // The 'error' handler below rejects with the signal's reason, as fetch does.
    const onAbort = () => req.destroy(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => signal?.removeEventListener('abort', onAbort));
    // As fetch reports a network failure: TypeError "fetch failed" with the socket's error as
    // cause, which errors.ts reads (ECONNREFUSED, ECONNRESET: the server is gone).
    req.on('error', (error) =>
      reject(signal?.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error })),
    );
    req.end(body);
  });
}

/** Parses an SSE body as it arrives (WHATWG event stream: `data:` lines, blank line ends an event). */
function readEvents(res: IncomingMessage, sink: DirectFetchSink): void {
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const end = /\r?\n\r?\n/.exec(buffer);
      if (end === null) break;
      const event = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      const message = eventMessage(event);
      if (message === undefined) continue;
      try {
        sink.deliver(JSON.parse(message) as JSONRPCMessage);
      } catch (error) {
        sink.error(new Error(`an SSE event of the server is not JSON-RPC: ${String(error)}`));
      }
    }
  });
  res.on('error', (error) => sink.error(new TypeError('fetch failed', { cause: error })));
}

/** The data of a `message` event (the default type), or undefined for comments and other types. */
function eventMessage(event: string): string | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    else if (line.startsWith('event:')) type = line.slice(6).trim();
  }
  return type === 'message' && data.length > 0 ? data.join('\n') : undefined;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
  });
}

const targets = new WeakMap<URL, { protocol: string; hostname: string; port: string; path: string }>();

/** node:http's request options for a URL, computed once per URL object (not per call). */
function target(url: URL): { protocol: string; hostname: string; port: string; path: string } {
  let found = targets.get(url);
  if (found === undefined) {
    // An IPv6 literal keeps its brackets in URL.hostname; node:http wants it without.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    found = { protocol: url.protocol, hostname, port: url.port, path: `${url.pathname}${url.search}` };
    targets.set(url, found);
  }
  return found;
}

function accepted(): Response {
  return new Response(null, { status: 202 });
}

function asResponse(res: IncomingMessage, text: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const status = res.statusCode ?? 500;
  const bodiless = status === 204 || status === 205 || status === 304;
  return new Response(bodiless ? null : text, { status, statusText: res.statusMessage ?? '', headers });
}

function mediaType(contentType: string | undefined): string {
  const [essence = ''] = (contentType ?? '').split(';', 1);
  return essence.trim().toLowerCase();
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
