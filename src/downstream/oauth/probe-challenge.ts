import type { RemoteServerConfig } from '../../config/types.ts';
import type { ClientSdkModule } from '../client-sdk.ts';

/** What the server's 401 says about OAuth: where its RFC 9728 metadata is, which scope it wants. */
export interface Challenge {
  resourceMetadataUrl?: URL;
  scope?: string;
}

const PROBE_TIMEOUT_MS = 15_000;

/**
 * Asks the server once without a token, as an MCP client's first request would (an `initialize`
 * POST), and reads its `WWW-Authenticate` challenge: the `resource_metadata` URL (which may not be
 * at the well-known default) and the `scope` it requires (MCP's scope selection: the challenge's
 * scope comes first). Configured headers other than Authorization go with it, as on every path.
 * A server that answers without a challenge yields nothing; discovery then uses the defaults.
 */
export async function probeChallenge(
  sdk: ClientSdkModule,
  config: RemoteServerConfig,
  signal: AbortSignal,
): Promise<Challenge> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) {
    if (name.toLowerCase() !== 'authorization') headers[name] = value;
  }
  let response: Response;
  try {
    response = await fetch(config.url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'agent-mcp-gateway', version: '0' },
        },
      }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
    });
  } catch {
    return {}; // Unreachable now: discovery will say so with a better message.
  }
  await response.body?.cancel().catch(() => {});
  const sessionId = response.headers.get('mcp-session-id');
  if (response.ok && sessionId) {
    // The server let us in without a token: end the session the probe opened.
    await fetch(config.url, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': sessionId } })
      .then((r) => r.body?.cancel())
      .catch(() => {});
  }
  if (response.status !== 401 && response.status !== 403) return {};
  const { resourceMetadataUrl, scope } = sdk.extractWWWAuthenticateParams(response);
  return {
    ...(resourceMetadataUrl !== undefined && { resourceMetadataUrl }),
    ...(scope !== undefined && { scope }),
  };
}
