import type { ConfigIssue, RemoteServerConfig, ServerConfig } from '../../config/types.ts';
import { authModeOf, identityOf, isInteractiveOAuth, loginCommand } from './oauth-target.ts';
import { oauthDirectory, TokenStore } from './token-store.ts';

/** One server's OAuth state as `auth --status` shows it: never a token. */
export interface LoginStatus {
  server: string;
  mode: 'oauth' | 'on_challenge' | 'client_credentials';
  state: 'logged_in' | 'expired' | 'needs_login' | 'not_logged_in' | 'automatic' | 'unreadable';
  /** Epoch ms when the access token expires, when known. */
  expiresAt?: number;
  hasRefreshToken?: boolean;
  issuer?: string;
  /** Why a login is needed, or why the file could not be read. */
  reason?: string;
}

/** The OAuth state of every remote server that may use OAuth, in config order. */
export async function loginStatuses(
  servers: readonly ServerConfig[],
  store: TokenStore,
  now = Date.now(),
): Promise<LoginStatus[]> {
  const statuses: LoginStatus[] = [];
  for (const server of servers) {
    if (server.transport === 'stdio') continue;
    const mode = authModeOf(server);
    if (mode === 'client_credentials') {
      statuses.push({ server: server.name, mode, state: 'automatic' });
      continue;
    }
    if (mode !== 'oauth' && mode !== 'on_challenge') continue;
    statuses.push(await statusOf(server, mode, store, now));
  }
  return statuses;
}

async function statusOf(
  server: RemoteServerConfig,
  mode: 'oauth' | 'on_challenge',
  store: TokenStore,
  now: number,
): Promise<LoginStatus> {
  const base = { server: server.name, mode } as const;
  let read;
  try {
    read = await store.read(identityOf(server));
  } catch (error) {
    return { ...base, state: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
  const login = read?.login;
  if (!login) return { ...base, state: 'not_logged_in' };
  const details = {
    ...(login.issuer !== undefined && { issuer: login.issuer }),
    ...(login.tokens?.expires_at !== undefined && { expiresAt: login.tokens.expires_at }),
    hasRefreshToken: login.tokens?.refresh_token !== undefined,
  };
  if (login.needs_login !== undefined || !login.tokens)
    return { ...base, ...details, state: 'needs_login', reason: login.needs_login ?? 'no tokens stored' };
  const expired = login.tokens.expires_at !== undefined && login.tokens.expires_at <= now;
  // An expired token with a refresh token is still a working login: the gateway refreshes it.
  return { ...base, ...details, state: expired && !details.hasRefreshToken ? 'expired' : 'logged_in' };
}

/**
 * `validate`'s warnings (SPEC §16): a server with `"auth": {"type": "oauth"}` and no usable stored
 * login would fail every call with AUTH_REQUIRED until someone runs `auth <server>`.
 */
export async function oauthLoginWarnings(
  servers: readonly ServerConfig[],
  store: TokenStore,
  file: string,
  rootKey = 'mcpServers',
): Promise<ConfigIssue[]> {
  const configured = servers.filter(
    (server) => server.transport !== 'stdio' && authModeOf(server) === 'oauth' && isInteractiveOAuth(server),
  );
  const statuses = await loginStatuses(configured, store);
  return statuses
    .filter((status) => status.state !== 'logged_in')
    .map((status) => ({
      severity: 'warning' as const,
      code: 'oauth_login_missing' as const,
      file,
      path: `${rootKey}.${status.server}.auth`,
      message:
        `server "${status.server}" uses OAuth but has no usable login (${describeState(status)}); ` +
        `run \`${loginCommand(status.server)}\``,
    }));
}

/**
 * `oauthLoginWarnings` against the store `GATEWAY_OAUTH_DIR` (or the default under `home`) names:
 * what `validate` prints and `serve` logs at start-up, read the same way by both.
 */
export function storedLoginWarnings(
  servers: readonly ServerConfig[],
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): Promise<ConfigIssue[]> {
  return oauthLoginWarnings(servers, new TokenStore(oauthDirectory(env, home)), file);
}

export function describeState(status: LoginStatus): string {
  switch (status.state) {
    case 'logged_in':
      return 'logged in';
    case 'expired':
      return 'the token expired and there is no refresh token';
    case 'needs_login':
      return status.reason ?? 'a new login is needed';
    case 'not_logged_in':
      return 'not logged in';
    case 'automatic':
      return 'client credentials, fetched by the gateway';
    case 'unreadable':
      return status.reason ?? 'the token file cannot be read';
  }
}
