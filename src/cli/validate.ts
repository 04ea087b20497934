import { openConfigSource } from '../config/source.ts';
import { createLogger } from '../logger.ts';
import { readConfigVariables, readEnvOptions } from './env-options.ts';
import { printIssues, writeLine, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';
import { storedLoginWarnings } from '../downstream/oauth/login-status.ts';

/**
 * `validate` (SPEC §2): the environment and both files read exactly as `serve` reads them, every
 * error and warning printed with its JSON path; an unset `${VAR}` is an error here. Starts no server.
 */
export async function runValidate(command: Command, io: CliIo): Promise<number> {
  const env = readEnvOptions(io.env);
  // Discovery still runs when another variable is wrong: every problem is reported at once.
  const variables = env.ok ? env.value : readConfigVariables(io.env);
  const opened = await openConfigSource({
    flags: { mcpConfig: command.mcpConfig, rules: command.rules },
    environment: variables,
    variables: io.env,
    cwd: io.cwd,
    home: io.home,
    self: { execPath: io.execPath, argv: asServeArgv(io.processArgv), cwd: io.cwd },
    logger: createLogger('silent'),
    strictVariables: true,
  });
  const locations = opened.ok ? opened.source.locations : opened.locations;
  writeLine(io.stdout, `servers file: ${describeLocation(locations.servers)}`);
  writeLine(io.stdout, `rules file:   ${describeLocation(locations.rules)}`);
  const errors = [...(env.ok ? [] : env.errors), ...(opened.ok ? [] : opened.errors)];
  const warnings = [...env.warnings, ...opened.warnings];
  if (opened.ok) {
    // SPEC §16: an `oauth` server without a stored login fails every call until `auth <server>`.
    const { servers } = opened.source.current();
    warnings.push(...(await storedLoginWarnings(servers, opened.source.paths.mcp_config, io.env, io.home)));
  }
  printIssues(io.stdout, errors);
  printIssues(io.stdout, warnings);
  if (!opened.ok || errors.length > 0) {
    writeLine(io.stdout, `invalid: ${errors.length} error(s), ${warnings.length} warning(s)`);
    return 1;
  }
  const { servers, rules } = opened.source.current();
  await opened.source.close();
  writeLine(
    io.stdout,
    `valid: ${servers.length} server(s), ${Object.keys(rules.agents).length} agent(s), ${warnings.length} warning(s)`,
  );
  return 0;
}

function describeLocation(location: { path: string; source: string }): string {
  return location.source === 'none' ? '(none found)' : location.path;
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
