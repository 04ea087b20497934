import {
  Client,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
  type jsonSchemaValidator,
  type JsonSchemaValidatorResult,
} from '@modelcontextprotocol/client';
import type { RemoteServerConfig, ServerConfig } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import { buildChildEnv } from './child-env.ts';
import { StdioChildTransport } from './stdio-transport.ts';

export type SessionTransportKind = 'stdio' | 'http' | 'sse';

/** One live MCP session with a downstream server, shared by every caller (SPEC §12). */
export interface Session {
  client: Client;
  transportKind: SessionTransportKind;
  /** The child's pid for stdio servers. */
  pid?: number;
  /** Why the session ended, once it has: exit code and last stderr lines of a child. */
  closeReason(): string | undefined;
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  logger: Logger;
  signal: AbortSignal;
  /** How long `initialize` may take before the server is declared unavailable. */
  connectTimeoutMs: number;
  clientVersion: string;
  parentEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * The gateway forwards results unchanged (SPEC §8); checking `structuredContent` against the
 * tool's outputSchema is the calling client's business, and the SDK's client-side check would
 * turn a server's slightly-off result into an error the caller never sees.
 */
const PASS_THROUGH_VALIDATOR: jsonSchemaValidator = {
  getValidator:
    <T>() =>
    (input: unknown): JsonSchemaValidatorResult<T> => ({
      valid: true,
      data: input as T,
      errorMessage: undefined,
    }),
};

/** Statuses with which a server says "no Streamable HTTP here" (SPEC §5): fall back to SSE. */
const SSE_FALLBACK_STATUSES = new Set([400, 404, 405]);

export async function openSession(config: ServerConfig, options: OpenSessionOptions): Promise<Session> {
  switch (config.transport) {
    case 'stdio': {
      const transport = new StdioChildTransport({
        command: config.command,
        args: config.args,
        env: buildChildEnv(options.parentEnv, config.env),
        ...(config.cwd !== undefined && { cwd: config.cwd }),
        logger: options.logger,
      });
      const client = await connectClient(config, transport, options);
      return {
        client,
        transportKind: 'stdio',
        ...(transport.pid !== undefined && { pid: transport.pid }),
        closeReason: () => describeExit(transport),
        close: () => closeClient(client, transport),
      };
    }
    case 'http':
      return openRemote(config, 'http', options);
    case 'sse':
      return openRemote(config, 'sse', options);
    case 'auto':
      try {
        return await openRemote(config, 'http', options);
      } catch (error) {
        if (!(error instanceof SdkHttpError) || !SSE_FALLBACK_STATUSES.has(error.status)) throw error;
        options.logger.info(
          { server: config.name, status: error.status },
          'no Streamable HTTP; falling back to SSE',
        );
        return openRemote(config, 'sse', options);
      }
  }
}

async function openRemote(
  config: RemoteServerConfig,
  kind: 'http' | 'sse',
  options: OpenSessionOptions,
): Promise<Session> {
  const url = new URL(config.url);
  // Every configured header goes on every request, not only Authorization (SPEC §5).
  const requestInit: RequestInit = { headers: config.headers };
  const transport =
    kind === 'http'
      ? new StreamableHTTPClientTransport(url, { requestInit })
      : new SSEClientTransport(url, { requestInit });
  let closed = false;
  const client = await connectClient(config, transport, options);
  const previousOnClose = client.onclose;
  client.onclose = () => {
    closed = true;
    previousOnClose?.();
  };
  return {
    client,
    transportKind: kind,
    closeReason: () => (closed ? 'the connection was closed' : undefined),
    close: () => closeClient(client, transport),
  };
}

async function connectClient(
  config: ServerConfig,
  transport: Transport,
  options: OpenSessionOptions,
): Promise<Client> {
  const client = new Client(
    { name: 'agent-mcp-gateway', version: options.clientVersion },
    { jsonSchemaValidator: PASS_THROUGH_VALIDATOR },
  );
  try {
    await client.connect(transport, { signal: options.signal, timeout: options.connectTimeoutMs });
    return client;
  } catch (error) {
    await closeClient(client, transport);
    throw error;
  }
}

async function closeClient(client: Client, transport: Transport): Promise<void> {
  try {
    await client.close();
  } finally {
    // client.close() closes the transport too; closing again is a no-op that makes sure of it.
    await transport.close();
  }
}

function describeExit(transport: StdioChildTransport): string | undefined {
  const exit = transport.exit;
  if (!exit) return undefined;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return exit.stderr ? `the server process ${how}; stderr: ${exit.stderr}` : `the server process ${how}`;
}
