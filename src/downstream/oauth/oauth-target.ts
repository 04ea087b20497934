import type { RemoteServerConfig } from '../../config/types.ts';
import type { ServerIdentity } from './token-store.ts';

/**
 * How the gateway authorizes to one remote server (SPEC §16), decided from its config alone:
 * - `header`: a configured Authorization header, sent as it is: it always wins;
 * - `oauth`: `auth.type` is `oauth`: a stored login is required before the first request;
 * - `on_challenge`: no `auth`: requests go without a token until the server answers 401 pointing
 *   at OAuth metadata; a stored login (made with `auth <server>`) is used when there is one;
 * - `client_credentials`: tokens fetched and renewed by the gateway itself;
 * - `none`: never OAuth.
 */
export type AuthMode = 'header' | 'oauth' | 'on_challenge' | 'client_credentials' | 'none';

export function authModeOf(config: RemoteServerConfig): AuthMode {
  if (Object.keys(config.headers).some((name) => name.toLowerCase() === 'authorization')) return 'header';
  if (URL.canParse(config.url)) {
    // Credentials in the URL become a Basic Authorization header (open-session.ts): that wins too.
    const url = new URL(config.url);
    if (url.username !== '' || url.password !== '') return 'header';
  }
  switch (config.auth?.type) {
    case undefined:
      return 'on_challenge';
    case 'oauth':
      return 'oauth';
    case 'client_credentials':
      return 'client_credentials';
    case 'none':
      return 'none';
  }
}

/** Whether `auth <server>` can log in to this server: interactive OAuth, configured or on challenge. */
export function isInteractiveOAuth(config: RemoteServerConfig): boolean {
  const mode = authModeOf(config);
  return mode === 'oauth' || mode === 'on_challenge';
}

/** The key of the server's login in the store: its URL and the configured RFC 8707 resource. */
export function identityOf(config: RemoteServerConfig): ServerIdentity {
  const resource = config.auth?.type === 'oauth' ? config.auth.resource : undefined;
  return { url: config.url, ...(resource !== undefined && { resource }) };
}

/** The scope to ask for: the configured scopes, space-separated (RFC 6749 §3.3). */
export function scopeOf(config: RemoteServerConfig): string | undefined {
  const scopes = config.auth?.type === 'none' ? undefined : config.auth?.scopes;
  return scopes && scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** The command that fixes a missing or broken login, named in every AUTH_REQUIRED message. */
export function loginCommand(server: string): string {
  return `agent-mcp-gateway auth ${/^[\w.-]+$/.test(server) ? server : JSON.stringify(server)}`;
}

/**
 * Thrown from inside the transport's auth seam when a request cannot carry a valid token; the
 * connection maps it to AUTH_REQUIRED and the server's status to `needs_auth`. Its message never
 * holds a token: it is built from the server's name and a fixed reason.
 */
export class AuthRequiredError extends Error {
  override readonly name = 'AuthRequiredError';
  readonly server: string;

  constructor(server: string, reason: string) {
    super(`server "${server}" needs an OAuth login (${reason}); run \`${loginCommand(server)}\``);
    this.server = server;
  }
}

/** The AuthRequiredError somewhere in an error's cause chain (the SDK wraps what the seam throws). */
export function findAuthRequired(error: unknown): AuthRequiredError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth += 1) {
    if (current instanceof AuthRequiredError) return current;
    current = current.cause;
  }
  return undefined;
}
