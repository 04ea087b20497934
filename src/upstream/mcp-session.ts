import { Server, type CallToolResult } from '@modelcontextprotocol/server';
import type { GatewayDispatcher } from '../gateway/dispatcher.ts';
import type { CallSession, UpstreamCall } from '../gateway/gateway-call.ts';
import type { Principal } from '../identity/principal.ts';
import type { Logger } from '../logger.ts';

export interface McpSessionOptions {
  dispatcher: GatewayDispatcher;
  version: string;
  logger: Logger;
  session: CallSession;
  /** The verified caller of every call on this session (stdio `--agent`, an HTTP credential). */
  principal?: Principal | undefined;
}

/** What a tools/call becomes on this session, for the SDK's handler and a transport's direct path. */
export type ToolCallHandler = (name: string, args: unknown, call: UpstreamCall) => Promise<CallToolResult>;

export interface McpSession {
  /** The SDK server; a front end connects its transport to it. */
  readonly server: Server;
  /** The session's tools/call, shared by the SDK handler and the stdio fast path. */
  readonly callTool: ToolCallHandler;
}

/** Said once at `initialize`; hosts show it to the model, so it is one line. */
const INSTRUCTIONS =
  'Tools of other MCP servers are reached through this gateway: search_tools, then get_server_tools with names, then execute_tool.';

/**
 * The one MCP server of the gateway, for any transport (stdio, HTTP): capabilities, `tools/list`,
 * `tools/call` with progress and cancellation. Errors of gateway calls are tool results (the
 * dispatcher shapes them); an unknown tool is a JSON-RPC error the SDK encodes. Front ends only
 * attach a transport, so identity, progress routing and error encoding exist once.
 */
export function createMcpSession(options: McpSessionOptions): McpSession {
  const { dispatcher, logger, session, principal } = options;
  const server = new Server(
    { name: 'agent-mcp-gateway', version: options.version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  const callTool: ToolCallHandler = (name, args, call) =>
    dispatcher.callTool({
      tool: name,
      args,
      principal,
      session,
      signal: call.signal,
      onProgress: call.onProgress,
    });
  server.setRequestHandler('tools/list', () => ({ tools: dispatcher.listTools() }));
  server.setRequestHandler('tools/call', (request, ctx) => {
    const progressToken = request.params._meta?.progressToken;
    return callTool(request.params.name, request.params.arguments, {
      signal: ctx.mcpReq.signal,
      // Progress goes back on the request that asked for it, so it stays within this session.
      ...(progressToken !== undefined && {
        onProgress: (update) => {
          ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { progressToken, ...update } })
            .catch((error: unknown) => logger.debug({ err: error }, 'progress not delivered'));
        },
      }),
    });
  });
  server.onerror = (error) => logger.debug({ err: error, session: session.id }, 'upstream protocol error');
  return { server, callTool };
}
