import type { AuthProvider } from '@modelcontextprotocol/client';
import type { Logger } from '../../logger.ts';
import { loadClientSdk } from '../client-sdk.ts';
import { fetchWithTimeout, withExpiry } from './refresh.ts';
import { REFRESH_MARGIN_MS } from './stored-token-source.ts';
import type { StoredTokens } from './token-store.ts';

export interface ClientCredentialsSourceOptions {
  server: string;
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  logger: Logger;
  onSecret?: (secret: string) => void;
}

/**
 * Machine-to-machine tokens (SPEC §16 `client_credentials`): fetched through the SDK's `auth()`
 * with its `ClientCredentialsProvider` (discovery by RFC 9728 / RFC 8414, then the token request),
 * kept in memory only (a new one is one request away, so nothing is written to disk), renewed
 * REFRESH_MARGIN_MS before expiry and once on a 401. Concurrent callers share one fetch.
 */
export class ClientCredentialsSource implements AuthProvider {
  readonly #options: ClientCredentialsSourceOptions;
  #tokens: StoredTokens | undefined;
  #fetching: Promise<StoredTokens> | undefined;
  /**
   * The authorization server of the first token, pinned from then on: a server that later points
   * at another authorization server must not receive the client secret (SPEC §16).
   */
  #issuer: string | undefined;

  constructor(options: ClientCredentialsSourceOptions) {
    this.#options = options;
    options.onSecret?.(options.clientSecret);
  }

  async token(): Promise<string> {
    const tokens = this.#tokens;
    if (tokens && (tokens.expires_at === undefined || tokens.expires_at - REFRESH_MARGIN_MS > Date.now()))
      return tokens.access_token;
    return (await this.#fetch()).access_token;
  }

  async onUnauthorized(): Promise<void> {
    this.#tokens = undefined;
    await this.#fetch();
  }

  #fetch(): Promise<StoredTokens> {
    this.#fetching ??= this.#request().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #request(): Promise<StoredTokens> {
    const sdk = await loadClientSdk();
    const { server, serverUrl, clientId, clientSecret, scope } = this.#options;
    // Without an issuer only on the first fetch: its issuer is pinned for every later one (see #issuer).
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- SPEC §16 configures no issuer to expect
    const provider = new sdk.ClientCredentialsProvider({
      clientId,
      clientSecret,
      clientName: 'agent-mcp-gateway',
      ...(scope !== undefined && { scope }),
      ...(this.#issuer !== undefined && { expectedIssuer: this.#issuer }),
    });
    try {
      await sdk.auth(provider, {
        serverUrl,
        fetchFn: fetchWithTimeout,
        ...(scope !== undefined && { scope }),
      });
    } catch (error) {
      const why = error instanceof sdk.OAuthError ? `${error.code}: ${error.message}` : String(error);
      throw new Error(`server "${server}": the client_credentials token request failed: ${why}`, {
        cause: error,
      });
    }
    const fetched = provider.tokens();
    if (!fetched) throw new Error(`server "${server}": the authorization server issued no token`);
    this.#issuer ??= fetched.issuer;
    const tokens = withExpiry(fetched);
    this.#options.onSecret?.(tokens.access_token);
    this.#tokens = tokens;
    this.#options.logger.info({ server, expiresAt: tokens.expires_at }, 'client_credentials token fetched');
    return tokens;
  }
}
