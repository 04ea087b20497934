import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Readable, Writable } from 'node:stream';
import type { GatewayDispatcher } from '../gateway/dispatcher.ts';
import type { Principal } from '../identity/principal.ts';
import type { Logger } from '../logger.ts';
import { createMcpSession } from './mcp-session.ts';
import { StdioServerTransport } from './stdio-server-transport.ts';

export interface StdioUpstreamOptions {
  dispatcher: GatewayDispatcher;
  version: string;
  logger: Logger;
  /** `--agent` / `GATEWAY_AGENT`: the launcher names the one client's principal (SPEC §13). */
  principal?: Principal | undefined;
  /** false keeps every tools/call on the SDK path (the differential tests compare both). */
  directToolCalls?: boolean;
  stdin?: Readable;
  stdout?: Writable;
}

export interface StdioUpstream {
  /** Resolves when the client goes away (stdin closed): the signal to shut down (SPEC §12). */
  readonly disconnected: Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway on stdio: the one MCP session of mcp-session.ts with the stdio transport attached.
 * The transport's direct path for tools/call uses the same session handler as the SDK's.
 *
 * The SDK's `serveStdio` owns the opening exchange: a plain `Server.connect` only speaks the
 * 2025 `initialize` handshake, and a 2026-07-28 client opens with `server/discover` and sends a
 * `_meta` envelope on every request, which only the entry's era routing answers. It asks for a
 * new session per era decision (a discarded `server/discover` probe, then the pinned one).
 */
export function startStdioUpstream(options: StdioUpstreamOptions): Promise<StdioUpstream> {
  const newSession = () =>
    createMcpSession({
      dispatcher: options.dispatcher,
      version: options.version,
      logger: options.logger,
      session: { id: 'stdio', transport: 'stdio' },
      principal: options.principal,
    });
  const session = newSession();
  let resolveDisconnected!: () => void;
  const disconnected = new Promise<void>((resolve) => (resolveDisconnected = resolve));
  // Only the owner closes the transport, so a session's close says nothing stdin's end does not;
  // a discarded probe session closes while the connection goes on.
  let first: typeof session | undefined = session;
  const factory = () => {
    const next = first ?? newSession();
    first = undefined;
    return next.server;
  };
  const stdin = options.stdin ?? process.stdin;
  stdin.once('end', () => resolveDisconnected());
  stdin.once('close', () => resolveDisconnected());
  // The transport does not close when stdin ends, so calls in flight finish (see its comment);
  // the owner closes this upstream after draining them.
  const direct = options.directToolCalls === false ? undefined : session.callTool;
  const handle = serveStdio(factory, {
    transport: new StdioServerTransport(stdin, options.stdout ?? process.stdout, direct),
    onerror: (error) => options.logger.debug({ err: error }, 'upstream protocol error'),
  });
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    disconnected,
    close: () => (closing ??= handle.close()),
  });
}
