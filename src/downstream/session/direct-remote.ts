import type { Transport } from '@modelcontextprotocol/client';
import type { ClientSdkModule } from '../client-sdk.ts';
import type { DirectFetch } from './direct-fetch.ts';
import { DirectToolRequests } from './direct-tool-requests.ts';

/**
 * The direct tools/call path on a connected Streamable HTTP or SSE session of a 2025-era
 * revision. The transport still does all the HTTP: its `send` POSTs with the session id and the
 * auth provider's token (refreshed on a 401), and delivers the answer, JSON or an SSE stream,
 * through `onmessage`; only the SDK client's Protocol layer (zod parsing and re-shaping of every
 * result) is skipped.
 *
 * `Client.connect` (the SDK's Protocol.connect) sets `onmessage` and `onclose` once and never
 * again, and the transports read them at each delivery, so wrapping them after connect is safe:
 * our answers and progress go to DirectToolRequests, everything else to the client as before.
 * Send errors reject as thrown, as on the SDK path, so errors.ts classifies them the same way.
 * On Streamable HTTP, `directFetch` (the transport's fetch) also reads the calls' 200 answers
 * itself and hands their messages to the same handler (direct-fetch.ts).
 */
export function enableRemoteDirectToolRequests(
  sdk: ClientSdkModule,
  transport: Transport,
  directFetch?: DirectFetch,
): DirectToolRequests {
  const dispatch = transport.onmessage;
  const closed = transport.onclose;
  if (!dispatch) throw new Error('enableRemoteDirectToolRequests: the client is not connected');
  const direct = new DirectToolRequests(sdk, (message) => transport.send(message), {
    sendErrors: 'as-thrown',
  });
  transport.onmessage = (message, extra) => {
    if (!direct.take(message)) dispatch(message, extra);
  };
  directFetch?.attach({
    deliver: (message) => transport.onmessage?.(message),
    error: (error) => transport.onerror?.(error),
  });
  // As the SDK's Protocol does on close: what still waits fails at once, ConnectionClosed; the
  // direct fetch's idle connections go with the session.
  transport.onclose = () => {
    try {
      closed?.();
    } finally {
      direct.failAll();
      directFetch?.close();
    }
  };
  return direct;
}
