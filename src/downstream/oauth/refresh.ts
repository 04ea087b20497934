import type { OAuthTokens } from '@modelcontextprotocol/client';
import type { Logger } from '../../logger.ts';
import { loadClientSdk } from '../client-sdk.ts';
import { AuthRequiredError } from './oauth-target.ts';
import type { ServerIdentity, StoredLogin, StoredTokens, TokenStore } from './token-store.ts';

export interface RefreshOptions {
  server: string;
  store: TokenStore;
  identity: ServerIdentity;
  /** The access token the caller found stale; a different one in the file means someone refreshed. */
  staleAccessToken: string;
  marginMs: number;
  logger: Logger;
  /** A configured client_secret, which the store does not keep (see login.ts). */
  clientSecret?: string;
}

/**
 * Refreshes one server's stored tokens under the store's lock (SPEC §16). The file is re-read inside
 * the lock: when another process refreshed meanwhile, its tokens are used and the (rotated, already
 * spent) refresh token is not sent again. The new tokens are saved before they are returned, so a
 * rotated refresh token is on disk before anything uses the new access token; a failed save is
 * thrown. `invalid_grant` clears the tokens and records that a new login is needed.
 */
export async function refreshStoredLogin(options: RefreshOptions): Promise<StoredLogin> {
  const { store, identity, server, logger } = options;
  return store.withLock(identity, async () => {
    const read = await store.read(identity);
    const login = read?.login;
    const tokens = login?.tokens;
    if (!login || !tokens || login.needs_login !== undefined)
      throw new AuthRequiredError(server, login?.needs_login ?? 'no stored login');
    const fresh =
      tokens.access_token !== options.staleAccessToken &&
      (tokens.expires_at === undefined || tokens.expires_at - options.marginMs > Date.now());
    if (fresh) return login;
    if (tokens.refresh_token === undefined || !login.client)
      throw new AuthRequiredError(server, 'the token expired and there is no refresh token');
    const sdk = await loadClientSdk();
    let refreshed: OAuthTokens;
    try {
      refreshed = await sdk.refreshAuthorization(
        login.authorization_server_url ?? login.discovery?.authorizationServerUrl ?? login.server_url,
        {
          ...(login.discovery?.authorizationServerMetadata && {
            metadata: login.discovery.authorizationServerMetadata,
          }),
          clientInformation: {
            ...login.client,
            ...(options.clientSecret !== undefined && { client_secret: options.clientSecret }),
          },
          refreshToken: tokens.refresh_token,
          ...(login.resource !== undefined && { resource: login.resource }),
          fetchFn: fetchWithTimeout,
        },
      );
    } catch (error) {
      if (error instanceof sdk.OAuthError && error.code === 'invalid_grant') {
        const reason = 'the authorization server refused the refresh token (invalid_grant)';
        const { tokens: _dropped, ...rest } = login;
        await store.write(identity, { ...rest, needs_login: reason });
        logger.warn({ server }, 'refresh refused; a new login is needed');
        throw new AuthRequiredError(server, reason);
      }
      // The OAuth error's own text, never the request: it carried the refresh token.
      const why = error instanceof sdk.OAuthError ? `${error.code}: ${error.message}` : errorName(error);
      throw new Error(`refreshing the OAuth token of server "${server}" failed: ${why}`, { cause: error });
    }
    const next: StoredLogin = { ...login, tokens: withExpiry(refreshed) };
    try {
      await store.write(identity, next);
    } catch (error) {
      throw new Error(
        `the refreshed OAuth tokens of server "${server}" could not be saved to ${store.dir}: ${errorName(error)}`,
        { cause: error },
      );
    }
    logger.info({ server, expiresAt: next.tokens?.expires_at }, 'OAuth token refreshed');
    return next;
  });
}

/** How long one token request may take: a hung authorization server must not hold the lock forever. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/** `fetch` bounded by TOKEN_REQUEST_TIMEOUT_MS, on top of any signal the SDK passes. */
export function fetchWithTimeout(url: string | URL, init?: RequestInit): Promise<Response> {
  const timeout = AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(url, { ...init, signal });
}

/** Tokens as stored: `expires_in` (relative) becomes `expires_at` (epoch ms). */
export function withExpiry(tokens: OAuthTokens, now = Date.now()): StoredTokens {
  return {
    ...tokens,
    ...(tokens.expires_in !== undefined && { expires_at: now + tokens.expires_in * 1000 }),
  };
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code} ${error.message}` : error.message;
}
