import { parseArgs } from 'node:util';

export type CommandName = 'serve' | 'init' | 'validate' | 'keygen' | 'auth' | 'report' | 'version' | 'help';

export interface Command {
  name: CommandName;
  mcpConfig: string | undefined;
  rules: string | undefined;
  debug: boolean;
  force: boolean;
  /** `--agent NAME`: the principal of the one stdio client (SPEC §13); with `keygen <agent>`, the agent the new key is for. */
  agent: string | undefined;
  /** `--http`: serve Streamable HTTP instead of stdio (SPEC §14), on `--host` / `--port`. */
  http: boolean;
  host: string | undefined;
  port: string | undefined;
  /** `auth <server>` (SPEC §16). */
  authServer?: string;
  authStatus?: boolean;
  authLogout?: string;
  noBrowser?: boolean;
  /** `auth --port N`: the fixed loopback callback port. */
  callbackPort?: number;
  /** `report --json`: machine-readable output. */
  json: boolean;
}

const SUBCOMMANDS: readonly string[] = ['serve', 'init', 'validate', 'keygen', 'auth', 'report', 'help'];

/** Parses argv (without node and script) into one command, or an error saying what is wrong. */
export function parseCommand(
  argv: readonly string[],
): { ok: true; command: Command } | { ok: false; error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'mcp-config': { type: 'string' },
        rules: { type: 'string' },
        debug: { type: 'boolean', default: false },
        agent: { type: 'string' },
        http: { type: 'boolean', default: false },
        host: { type: 'string' },
        port: { type: 'string' },
        init: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        // auth (SPEC §16)
        status: { type: 'boolean', default: false },
        logout: { type: 'string' },
        'no-browser': { type: 'boolean', default: false },
        // report (SPEC §17)
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return { ok: false, error: `${error instanceof Error ? error.message : String(error)} (see --help)` };
  }
  const { values, positionals } = parsed;
  // keygen and auth take one operand (an agent, a server); every other command takes none.
  const operands = positionals[0] === 'keygen' || positionals[0] === 'auth' ? 2 : 1;
  if (positionals[0] === 'keygen' && positionals.length < 2 && !values.help) {
    return { ok: false, error: 'keygen needs the agent the key is for: keygen <agent> (see --help)' };
  }
  if (positionals.length > operands)
    return { ok: false, error: `unexpected argument "${positionals[operands]}" (see --help)` };
  const authServer = positionals[0] === 'auth' ? positionals[1] : undefined;
  const subcommand = positionals[0];
  if (subcommand !== undefined && !SUBCOMMANDS.includes(subcommand)) {
    return {
      ok: false,
      error: `unknown command "${subcommand}"; expected serve, init, validate, keygen, auth or report (see --help)`,
    };
  }
  const name: CommandName = values.help
    ? 'help'
    : values.version
      ? 'version'
      : values.init
        ? 'init'
        : ((subcommand ?? 'serve') as CommandName);
  let port: number | undefined;
  // `serve --http --port` reads its own (0 picks a free port); `auth --port` is a callback port.
  if (name === 'auth' && values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
      return { ok: false, error: `--port must be a port number (1-65535), not "${values.port}"` };
  }
  return {
    ok: true,
    command: {
      name,
      mcpConfig: values['mcp-config'],
      rules: values.rules,
      debug: values.debug,
      force: values.force,
      agent: name === 'keygen' ? positionals[1] : values.agent,
      http: values.http,
      host: values.host,
      port: values.port,
      json: values.json,
      ...(name === 'auth' && {
        ...(authServer !== undefined && { authServer }),
        authStatus: values.status,
        ...(values.logout !== undefined && { authLogout: values.logout }),
        noBrowser: values['no-browser'],
        ...(port !== undefined && { callbackPort: port }),
      }),
    },
  };
}

export const USAGE = `Usage: agent-mcp-gateway [serve] [options]
       agent-mcp-gateway init [--force]
       agent-mcp-gateway validate [--mcp-config PATH] [--rules PATH]
       agent-mcp-gateway keygen <agent>
       agent-mcp-gateway auth <server> [--no-browser] [--port N] | --status | --logout <server>
       agent-mcp-gateway report [--agent A] [--json]

One MCP server in front of many: agents discover servers and tools on demand and call them
through the gateway, under per-agent allow/deny rules.

Commands:
  serve              Run the gateway over stdio (the default), or HTTP with --http
  init, --init       Write template .mcp.json and .mcp-gateway-rules.json into
                     ~/.config/agent-mcp-gateway/ (existing files are kept unless --force)
  validate           Load both files as serve would, print every error and warning, exit 0 if valid
  keygen <agent>     Print a new API key for <agent> once, and the sha256: line to paste into
                     the agent's credentials.api_keys in the rules file (writes nothing)
  auth <server>      Log in to a remote server with OAuth and store its tokens (--no-browser prints
                     the URL instead of opening a browser; --port N fixes the callback port of
                     http://127.0.0.1:N/callback); --status lists each OAuth server's state and
                     token expiry; --logout <server> deletes its stored tokens
  report             Connect every server once and print, per agent (--agent A: one), the tokens
                     of loading its allowed tools directly against the gateway's own tools
                     (--json: as JSON)

Options:
  --mcp-config PATH  Servers file (default: GATEWAY_MCP_CONFIG, then discovery)
  --rules PATH       Rules file (default: GATEWAY_RULES, then discovery)
  --debug            Also expose get_gateway_status (same as GATEWAY_DEBUG=true)
  --agent NAME       stdio: the one client is agent NAME, verified (same as GATEWAY_AGENT)
  --http             Serve MCP over Streamable HTTP on /mcp instead of stdio
  --host H           HTTP bind address (default GATEWAY_HTTP_HOST or 127.0.0.1)
  --port P           HTTP port (default GATEWAY_HTTP_PORT or 8931; 0 picks a free one)
  --force            With init: overwrite existing files
  -v, --version      Print the version
  -h, --help         Print this help

Discovery, for each file: the flag, the environment variable, ./<name>,
~/.config/agent-mcp-gateway/<name>, ./config/<name>.

Environment:
  GATEWAY_MCP_CONFIG, GATEWAY_RULES   config paths
  GATEWAY_DEFAULT_AGENT               agent used when a call has no agent_id
  GATEWAY_AGENT                       stdio: the principal of the one client (as --agent)
  GATEWAY_DEBUG                       true/1/yes exposes get_gateway_status
  GATEWAY_AUDIT_LOG                   audit file (default ~/.cache/agent-mcp-gateway/logs/audit.jsonl), off disables
  GATEWAY_INIT_STRATEGY               lazy (default) or eager
  GATEWAY_LOG_LEVEL                   stderr log level (default info)
  GATEWAY_REDIS_URL                   share rate-limit counters through this Redis
  GATEWAY_OAUTH_DIR                   OAuth token store (default ~/.config/agent-mcp-gateway/oauth)
  GATEWAY_HTTP_HOST, GATEWAY_HTTP_PORT          HTTP bind address and port
  GATEWAY_HTTP_ALLOWED_ORIGINS                  comma-separated origins browsers may call from (default none)
  GATEWAY_HTTP_MAX_BODY_BYTES                   larger request bodies get 413 (default 4194304)
  GATEWAY_HTTP_SESSION_IDLE_MS                  idle sessions are closed (default 1800000)
  GATEWAY_METRICS_PUBLIC                        true serves /metrics without a credential
`;
