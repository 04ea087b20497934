import type {
  AuthProvider,
  Client,
  Transport,
  jsonSchemaValidator,
  JsonSchemaValidatorResult,
} from '@modelcontextprotocol/client';
import type { RemoteServerConfig, ServerConfig } from '../../config/types.ts';
import type { Logger } from '../../logger.ts';
import { isModernProtocolVersion } from '../../protocol/protocol-era.ts';
import { buildChildEnv } from '../child-env.ts';
import type { DownstreamProtocol } from '../connection-types.ts';
import { loadClientSdk, type ClientSdkModule } from '../client-sdk.ts';
import type { StdioChildTransport } from '../stdio-transport.ts';
import { ClientSession, closeClient } from './client-session.ts';
import { enableRemoteDirectToolRequests } from './direct-remote.ts';
import { createDirectFetch } from './direct-fetch.ts';
import { sharedSignalFetch } from './shared-signal-fetch.ts';
import { remoteTarget } from './remote-target.ts';
import type { Session, SessionListener } from './session.ts';

export interface OpenSessionOptions {
  /** Bound to the server's name. */
  logger: Logger;
  signal: AbortSignal;
  /** How long `initialize` may take before the server is declared unavailable. */
  connectTimeoutMs: number;
  clientVersion: string;
  parentEnv: Readonly<Record<string, string | undefined>>;
  /** Masks the server's secrets in what its child writes to stderr and in error texts. */
  scrub: (text: string) => string;
  listener: SessionListener;
  /** False: tools/call always goes through the SDK client, even where the direct path could. */
  directToolCalls: boolean;
  /** The revision negotiation of `initialize` (connection-types.ts); absent: legacy. */
  protocol?: DownstreamProtocol;
  /** OAuth tokens for a remote server (SPEC §16, see oauth/downstream-auth.ts); never for stdio. */
  authProvider?: AuthProvider;
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

/**
 * Why a session could not be opened, in words a user can act on: the child's exit code and
 * stderr, or how long `initialize` went unanswered. `cause` is what the SDK threw.
 */
export class OpenSessionError extends Error {
  override readonly name = 'OpenSessionError';
}

/** Statuses with which a server says "no Streamable HTTP here" (SPEC §5): fall back to SSE. */
const SSE_FALLBACK_STATUSES = new Set([400, 404, 405]);

/**
 * Opens a session with one server. The client SDK and the stdio transport are loaded here, on the
 * first session, not at start-up (see client-sdk.ts).
 */
export async function openSession(config: ServerConfig, options: OpenSessionOptions): Promise<Session> {
  const sdk = await loadClientSdk();
  switch (config.transport) {
    case 'stdio': {
      const { StdioChildTransport } = await import('../stdio-transport.ts');
      const transport = new StdioChildTransport({
        command: config.command,
        args: config.args,
        env: buildChildEnv(options.parentEnv, config.env),
        ...(config.cwd !== undefined && { cwd: config.cwd }),
        logger: options.logger,
        scrub: options.scrub,
      });
      const client = await connectClient(sdk, transport, options, () => {
        const exited = describeExit(transport);
        if (exited) return exited;
        const stderr = transport.stderrTail();
        return stderr ? `stderr: ${stderr}` : undefined;
      });
      const direct = takesDirectPath(client, options) ? transport.enableDirectToolRequests(sdk) : undefined;
      return new ClientSession({
        client,
        transport,
        transportKind: 'stdio',
        direct,
        pid: transport.pid,
        describeEnd: () => describeExit(transport),
        listener: options.listener,
        logger: options.logger,
        scrub: options.scrub,
      });
    }
    case 'http':
      return openRemote(sdk, config, 'http', options);
    case 'sse':
      return openRemote(sdk, config, 'sse', options);
    case 'auto':
      try {
        return await openRemote(sdk, config, 'http', options);
      } catch (error) {
        const cause = error instanceof OpenSessionError ? error.cause : error;
        if (!(cause instanceof sdk.SdkHttpError) || !SSE_FALLBACK_STATUSES.has(cause.status)) throw error;
        options.logger.info({ status: cause.status }, 'no Streamable HTTP; falling back to SSE');
        return openRemote(sdk, config, 'sse', options);
      }
  }
}

async function openRemote(
  sdk: ClientSdkModule,
  config: RemoteServerConfig,
  kind: 'http' | 'sse',
  options: OpenSessionOptions,
): Promise<Session> {
  const { url, headers } = remoteTarget(config);
  // Every configured header goes on every request, not only Authorization (SPEC §5).
  const requestInit: RequestInit = { headers };
  // The provider's Authorization would replace a configured one, so it is absent when one is configured.
  // Streamable HTTP answers each call on its own POST, which the direct path can read itself.
  const directFetch = kind === 'http' && options.directToolCalls ? createDirectFetch() : undefined;
  const transportOptions = {
    requestInit,
    fetch: directFetch?.fetch ?? sharedSignalFetch,
    ...(options.authProvider && { authProvider: options.authProvider }),
  };
  const transport =
    kind === 'http'
      ? new sdk.StreamableHTTPClientTransport(url, transportOptions)
      : new sdk.SSEClientTransport(url, transportOptions);
  const client = await connectClient(sdk, transport, options, () => undefined);
  // Until the direct path attaches it, directFetch passes every request to the ordinary fetch
  // and holds no connection, so only the direct path has anything to close (direct-remote.ts).
  const direct = takesDirectPath(client, options)
    ? enableRemoteDirectToolRequests(sdk, transport, directFetch)
    : undefined;
  return new ClientSession({
    client,
    transport,
    transportKind: kind,
    direct,
    listener: options.listener,
    logger: options.logger,
    scrub: options.scrub,
  });
}

/**
 * The direct path implements the 2025-era tools/call only; later revisions use the SDK (on
 * remote sessions it mirrors arguments into headers).
 */
function takesDirectPath(client: Client, options: OpenSessionOptions): boolean {
  return options.directToolCalls && !isModernProtocolVersion(client.getNegotiatedProtocolVersion());
}

/**
 * Connects and runs the `initialize` handshake within `connectTimeoutMs`. On failure the
 * transport is closed (a child that hangs is stopped) and the error explains itself.
 */
async function connectClient(
  sdk: ClientSdkModule,
  transport: Transport,
  options: OpenSessionOptions,
  describeChild: () => string | undefined,
): Promise<Client> {
  const client = new sdk.Client(
    { name: 'agent-mcp-gateway', version: options.clientVersion },
    {
      jsonSchemaValidator: PASS_THROUGH_VALIDATOR,
      ...(options.protocol !== undefined && { versionNegotiation: { mode: options.protocol } }),
    },
  );
  try {
    await client.connect(transport, { signal: options.signal, timeout: options.connectTimeoutMs });
    return client;
  } catch (error) {
    // Read before closing: once we stop the child, its exit says nothing about the failure.
    const child = describeChild();
    await closeClient(client, transport).catch(() => {});
    throw new OpenSessionError(describeOpenFailure(sdk, error, options.connectTimeoutMs, child), {
      cause: error,
    });
  }
}

function describeOpenFailure(
  sdk: ClientSdkModule,
  error: unknown,
  connectTimeoutMs: number,
  child: string | undefined,
): string {
  const { SdkError, SdkErrorCode } = sdk;
  const what =
    error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout
      ? `no answer to "initialize" within ${connectTimeoutMs} ms (connect_timeout_ms)`
      : errorText(error);
  // A closed connection says nothing the child's exit does not say better.
  if (child && error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) return child;
  return child ? `${what}; ${child}` : what;
}

function describeExit(transport: StdioChildTransport): string | undefined {
  const exit = transport.exit;
  if (!exit) return undefined;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return exit.stderr ? `the server process ${how}; stderr: ${exit.stderr}` : `the server process ${how}`;
}

/** An error's message with the causes `fetch` hides behind "fetch failed" (ECONNREFUSED, …). */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth += 1) {
    const code = (cause as Error & { code?: unknown }).code;
    const detail = typeof code === 'string' ? code : cause.message;
    if (detail && !text.includes(detail)) text += ` (${detail})`;
    cause = cause.cause;
  }
  return text;
}
