import { homedir } from 'node:os';
import type { AuthProvider } from '@modelcontextprotocol/client';
import type { ServerConfig } from '../../config/types.ts';
import type { Logger } from '../../logger.ts';
import { ClientCredentialsSource } from './client-credentials-source.ts';
import { authModeOf, identityOf, scopeOf } from './oauth-target.ts';
import { StoredTokenSource } from './stored-token-source.ts';
import { oauthDirectory, TokenStore } from './token-store.ts';

/** What a connection needs of OAuth: the transport's provider, and whether a login is missing. */
export interface DownstreamAuth {
  readonly provider: AuthProvider;
  /** The AUTH_REQUIRED message while the server needs `auth <server>`, else undefined. */
  needsAuth(): string | undefined;
}

export interface DownstreamAuthOptions {
  logger: Logger;
  /** The gateway's environment: GATEWAY_OAUTH_DIR and HOME locate the token store. */
  parentEnv: Readonly<Record<string, string | undefined>>;
  /** Learns each token and secret as it becomes known, for the log scrubber. */
  onSecret?: (secret: string) => void;
}

/**
 * The auth provider of one remote server (SPEC §16), or undefined where the gateway must not add
 * one: stdio servers, a configured Authorization header (sent as it is: it always wins), and
 * `auth: {"type": "none"}`. One per connection, kept across its sessions, so a refresh in flight is
 * shared by every call and every reconnect.
 */
export function createDownstreamAuth(
  config: ServerConfig,
  options: DownstreamAuthOptions,
): DownstreamAuth | undefined {
  if (config.transport === 'stdio') return undefined;
  const mode = authModeOf(config);
  switch (mode) {
    case 'header':
    case 'none':
      return undefined;
    case 'client_credentials': {
      if (config.auth?.type !== 'client_credentials') return undefined;
      const scope = scopeOf(config);
      const provider = new ClientCredentialsSource({
        server: config.name,
        serverUrl: config.url,
        clientId: config.auth.clientId,
        clientSecret: config.auth.clientSecret,
        ...(scope !== undefined && { scope }),
        logger: options.logger,
        ...(options.onSecret && { onSecret: options.onSecret }),
      });
      return { provider, needsAuth: () => undefined };
    }
    case 'oauth':
    case 'on_challenge': {
      if (config.auth?.type === 'oauth' && config.auth.clientSecret !== undefined)
        options.onSecret?.(config.auth.clientSecret);
      const home = options.parentEnv.HOME ?? homedir();
      const source = new StoredTokenSource({
        server: config.name,
        identity: identityOf(config),
        store: new TokenStore(oauthDirectory(options.parentEnv, home)),
        requireLogin: mode === 'oauth',
        ...(config.auth?.type === 'oauth' &&
          config.auth.clientSecret !== undefined && { clientSecret: config.auth.clientSecret }),
        logger: options.logger,
        ...(options.onSecret && { onSecret: options.onSecret }),
      });
      return { provider: source, needsAuth: () => source.needsAuth };
    }
  }
}
