import { spawn } from 'node:child_process';
import { redactUrl } from '../config/redact-url.ts';
import type { RemoteServerConfig, ServerConfig } from '../config/types.ts';
import { CallbackPortBusyError } from '../downstream/oauth/callback-server.ts';
import { describeState, loginStatuses } from '../downstream/oauth/login-status.ts';
import { runLogin } from '../downstream/oauth/login.ts';
import { authModeOf, identityOf } from '../downstream/oauth/oauth-target.ts';
import { oauthDirectory, TokenStore } from '../downstream/oauth/token-store.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import { loadServers } from '../config/load-config.ts';
import { locateForCommand } from './locate.ts';
import type { Command } from './parse-command.ts';

/** How long the login waits for the browser to come back before giving up. */
const LOGIN_TIMEOUT_MS = 5 * 60_000;

/**
 * `auth <server>`, `auth --status`, `auth --logout <server>` (SPEC §16). The login runs here, in a
 * terminal, never inside a serving gateway: a gateway only reads what this command stores.
 */
export async function runAuth(command: Command, io: CliIo): Promise<number> {
  const locations = locateForCommand(command, io);
  const self = { execPath: io.execPath, argv: [...io.processArgv], cwd: io.cwd };
  const loaded = await loadServers(locations.servers, io.env, self);
  if (!loaded.ok) {
    printIssues(io.stderr, loaded.errors);
    return 1;
  }
  const servers = loaded.value.servers;
  const store = new TokenStore(oauthDirectory(io.env, io.home));

  if (command.authStatus) return printStatus(servers, store, io);
  const name = command.authLogout ?? command.authServer;
  if (name === undefined) {
    writeLine(io.stderr, 'error: auth needs a server name, --status or --logout <server> (see --help)');
    return 1;
  }
  const server = servers.find((candidate) => candidate.name === name);
  const problem = server === undefined ? `no server "${name}" in ${locations.servers.path}` : refusal(server);
  if (problem !== undefined || server === undefined || server.transport === 'stdio') {
    writeLine(io.stderr, `error: ${problem ?? `server "${name}" is not a remote server`}`);
    return 1;
  }
  if (command.authLogout !== undefined) {
    const removed = await store.remove(identityOf(server));
    writeLine(
      io.stdout,
      removed ? `logged out of "${name}": its stored tokens were deleted` : `no stored login for "${name}"`,
    );
    return 0;
  }
  return login(server, store, command, io);
}

/** Why `auth` cannot log in to this server, or undefined when it can. */
function refusal(server: ServerConfig): string | undefined {
  if (server.transport === 'stdio')
    return `server "${server.name}" is a local stdio server; OAuth is for remote servers`;
  if (server.unavailableReason !== undefined)
    return `server "${server.name}" is unavailable: ${server.unavailableReason}`;
  switch (authModeOf(server)) {
    case 'header':
      return `server "${server.name}" has a configured Authorization header, which always wins; remove it to use OAuth`;
    case 'none':
      return `server "${server.name}" has "auth": {"type": "none"}`;
    case 'client_credentials':
      return `server "${server.name}" uses client_credentials: the gateway fetches its tokens itself, no login needed`;
    case 'oauth':
    case 'on_challenge':
      return undefined;
  }
}

async function login(
  server: RemoteServerConfig,
  store: TokenStore,
  command: Command,
  io: CliIo,
): Promise<number> {
  const openBrowser = !command.noBrowser && hasDisplay(io.env);
  writeLine(io.stderr, `Logging in to "${server.name}" (${redactUrl(server.url)})…`);
  try {
    const stored = await runLogin({
      config: server,
      store,
      ...(command.callbackPort !== undefined && { port: command.callbackPort }),
      signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
      present: (url) => {
        if (openBrowser) {
          writeLine(io.stderr, 'Opening your browser. If it does not open, visit this URL:');
          openInBrowser(url.href);
        } else {
          writeLine(io.stderr, 'Open this URL in a browser to log in:');
        }
        writeLine(io.stderr, url.href);
        writeLine(io.stderr, 'Waiting for the authorization server to redirect back…');
      },
    });
    const expires = stored.tokens?.expires_at;
    writeLine(
      io.stdout,
      `logged in to "${server.name}"` +
        (expires !== undefined ? `; the access token expires at ${new Date(expires).toISOString()}` : '') +
        (stored.tokens?.refresh_token !== undefined ? ' and is refreshed automatically' : '') +
        `; stored in ${store.dir}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CallbackPortBusyError) {
      writeLine(io.stderr, `error: ${error.message}`);
      return 1;
    }
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer from the browser within ${LOGIN_TIMEOUT_MS / 60_000} minutes`
        : error instanceof Error
          ? error.message
          : String(error);
    writeLine(io.stderr, `error: the login to "${server.name}" failed: ${reason}`);
    return 1;
  }
}

async function printStatus(servers: readonly ServerConfig[], store: TokenStore, io: CliIo): Promise<number> {
  const statuses = await loginStatuses(servers, store);
  if (statuses.length === 0) {
    writeLine(io.stdout, 'no remote server uses OAuth');
    return 0;
  }
  const width = Math.max(...statuses.map((status) => status.server.length));
  for (const status of statuses) {
    const parts = [describeState(status)];
    if (status.expiresAt !== undefined)
      parts.push(`token expires ${new Date(status.expiresAt).toISOString()}`);
    if (status.hasRefreshToken) parts.push('refreshable');
    if (status.issuer !== undefined) parts.push(`issuer ${status.issuer}`);
    writeLine(io.stdout, `${status.server.padEnd(width)}  ${status.state}  (${parts.join('; ')})`);
  }
  writeLine(io.stdout, `store: ${store.dir}`);
  return 0;
}

/** A browser can be shown: macOS always, elsewhere only with an X11 or Wayland display. */
function hasDisplay(env: Readonly<Record<string, string | undefined>>): boolean {
  if (process.platform === 'darwin') return true;
  return Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
}

/** Best effort: the URL is printed as well, so a missing xdg-open costs nothing. */
function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // The printed URL is the fallback.
  }
}
