import { Server } from '@modelcontextprotocol/server';
import type { Readable, Writable } from 'node:stream';
import type { GatewayDispatcher } from '../gateway/dispatcher.ts';
import type { Logger } from '../logger.ts';
import type { ToolCallHandler } from './direct-tool-calls.ts';
import { StdioServerTransport } from './stdio-server-transport.ts';

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
  // Only calls that do not take the transport's direct path (before initialize, or malformed
  // ones the SDK answers with its own error) arrive here.
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
  // The transport does not close when stdin ends, so calls in flight finish (see its comment);
  // the owner closes this upstream after draining them.
  const callTool: ToolCallHandler = (name, args, call) => dispatcher.callTool(name, args, call);
  await server.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout, callTool));
  let closing: Promise<void> | undefined;
  return {
    disconnected,
    close: () => (closing ??= server.close()),
  };
}
