import { printIssues, writeLine, type CliIo } from './io.ts';
import { crossFileWarnings, loadRules, loadServers, locateConfigFiles } from './load-config.ts';
import type { Command } from './parse-command.ts';
import { oauthLoginWarnings } from '../downstream/oauth/login-status.ts';
import { oauthDirectory, TokenStore } from '../downstream/oauth/token-store.ts';

/**
 * `validate` (SPEC §2): both files loaded exactly as `serve` loads them, every error and warning
 * printed with its JSON path; an unset `${VAR}` is an error here. Starts no server.
 */
export async function runValidate(command: Command, io: CliIo): Promise<number> {
  const locations = locateConfigFiles({
    mcpConfigFlag: command.mcpConfig,
    rulesFlag: command.rules,
    mcpConfigEnv: io.env.GATEWAY_MCP_CONFIG,
    rulesEnv: io.env.GATEWAY_RULES,
    cwd: io.cwd,
    home: io.home,
  });
  const self = { execPath: io.execPath, argv: asServeArgv(io.processArgv), cwd: io.cwd };
  const [servers, rules] = await Promise.all([
    loadServers(locations.servers, io.env, self, true),
    loadRules(locations.rules),
  ]);
  writeLine(io.stdout, `servers file: ${locations.servers.path}`);
  writeLine(io.stdout, `rules file:   ${locations.rules.path}`);
  const errors = [...(servers.ok ? [] : servers.errors), ...(rules.ok ? [] : rules.errors)];
  const warnings = [...servers.warnings, ...rules.warnings];
  if (servers.ok && rules.ok)
    warnings.push(...crossFileWarnings(rules.value, servers.value.servers, locations.rules.path));
  if (servers.ok) {
    // SPEC §16: an `oauth` server without a stored login fails every call until `auth <server>`.
    const store = new TokenStore(oauthDirectory(io.env, io.home));
    const { servers: list, rootKey } = servers.value;
    warnings.push(...(await oauthLoginWarnings(list, store, locations.servers.path, rootKey)));
  }
  printIssues(io.stdout, errors);
  printIssues(io.stdout, warnings);
  if (errors.length > 0) {
    writeLine(io.stdout, `invalid: ${errors.length} error(s), ${warnings.length} warning(s)`);
    return 1;
  }
  const serverCount = servers.ok ? servers.value.servers.length : 0;
  const agentCount = rules.ok ? Object.keys(rules.value.agents).length : 0;
  writeLine(
    io.stdout,
    `valid: ${serverCount} server(s), ${agentCount} agent(s), ${warnings.length} warning(s)`,
  );
  return 0;
}

/**
 * The command line `serve` would have with the same options: a servers entry that would start the
 * gateway (SPEC §4) is compared with that, so validate warns about the entries serve refuses.
 */
function asServeArgv(argv: readonly string[]): string[] {
  const [node = '', script = '', ...args] = argv;
  const index = args.findIndex(
    (arg, i) => arg === 'validate' && !['--mcp-config', '--rules'].includes(args[i - 1] ?? ''),
  );
  return [node, script, ...args.filter((_, i) => i !== index)];
}
