import { Server } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { GatewayDispatcher } from '../gateway/dispatcher.ts';
import type { Logger } from '../logger.ts';

export interface StdioUpstreamOptions {
  dispatcher: GatewayDispatcher;
  version: string;
  logger: Logger;
  stdin?: Readable;
  stdout?: Writable;
}

export interface StdioUpstream {
  /** Resolves when the client goes away (stdin closed): the signal to shut down (SPEC §12). */
  readonly disconnected: Promise<void>;
  close(): Promise<void>;
}

/** Said once at `initialize`; hosts show it to the model, so it is one line. */
const INSTRUCTIONS =
  'Tools of other MCP servers are reached through this gateway: list_servers, then get_server_tools, then execute_tool.';

/**
 * The gateway as an MCP server on stdio. It knows nothing of policy: every `tools/call` goes to
 * the dispatcher with the caller's abort signal and, when the caller asked for progress, a
 * progress sink.
 */
export async function startStdioUpstream(options: StdioUpstreamOptions): Promise<StdioUpstream> {
  const { dispatcher, logger } = options;
  const server = new Server(
    { name: 'agent-mcp-gateway', version: options.version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler('tools/list', () => ({ tools: dispatcher.listTools() }));
  server.setRequestHandler('tools/call', (request, ctx) => {
    const progressToken = request.params._meta?.progressToken;
    return dispatcher.callTool(request.params.name, request.params.arguments, {
      signal: ctx.mcpReq.signal,
      ...(progressToken !== undefined && {
        onProgress: (update) => {
          ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { progressToken, ...update } })
            .catch((error: unknown) => logger.debug({ err: String(error) }, 'progress not delivered'));
        },
      }),
    });
  });
  server.onerror = (error) => logger.debug({ err: error.message }, 'upstream protocol error');

  let resolveDisconnected!: () => void;
  const disconnected = new Promise<void>((resolve) => (resolveDisconnected = resolve));
  server.onclose = () => resolveDisconnected();
  const stdin = options.stdin ?? process.stdin;
  stdin.once('end', () => resolveDisconnected());
  stdin.once('close', () => resolveDisconnected());
  // The SDK transport aborts every in-flight request as soon as it sees stdin end, but SPEC §12
  // lets in-flight calls finish within the shutdown deadline (`printf … | agent-mcp-gateway` is
  // a client that closes stdin at once). So the transport reads a copy of stdin that only ends
  // when the gateway closes the upstream, after draining.
  const input = new PassThrough();
  stdin.pipe(input, { end: false });

  await server.connect(new StdioServerTransport(input, options.stdout ?? process.stdout));
  let closing: Promise<void> | undefined;
  return {
    disconnected,
    close: () =>
      (closing ??= server.close().finally(() => {
        stdin.unpipe(input);
        input.end();
      })),
  };
}
