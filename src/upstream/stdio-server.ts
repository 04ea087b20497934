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
 */
export async function startStdioUpstream(options: StdioUpstreamOptions): Promise<StdioUpstream> {
  const session = createMcpSession({
    dispatcher: options.dispatcher,
    version: options.version,
    logger: options.logger,
    session: { id: 'stdio', transport: 'stdio' },
    principal: options.principal,
  });
  const { server } = session;
  let resolveDisconnected!: () => void;
  const disconnected = new Promise<void>((resolve) => (resolveDisconnected = resolve));
  server.onclose = () => resolveDisconnected();
  const stdin = options.stdin ?? process.stdin;
  stdin.once('end', () => resolveDisconnected());
  stdin.once('close', () => resolveDisconnected());
  // The transport does not close when stdin ends, so calls in flight finish (see its comment);
  // the owner closes this upstream after draining them.
  const direct = options.directToolCalls === false ? undefined : session.callTool;
  await server.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout, direct));
  let closing: Promise<void> | undefined;
  return {
    disconnected,
    close: () => (closing ??= server.close()),
  };
}
