import { locateConfigFiles, type ConfigLocations } from '../config/load-config.ts';
import { readConfigVariables } from './env-options.ts';
import type { CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

/**
 * Where `serve` would find both files for this command line and environment (SPEC §4), for the
 * commands that read one of them without opening the whole config source (`auth`, `keygen`).
 */
export function locateForCommand(command: Pick<Command, 'mcpConfig' | 'rules'>, io: CliIo): ConfigLocations {
  // The environment is read as serve and validate read it (env-options.ts).
  const variables = readConfigVariables(io.env);
  return locateConfigFiles({
    mcpConfigFlag: command.mcpConfig,
    rulesFlag: command.rules,
    mcpConfigEnv: variables.mcpConfig,
    rulesEnv: variables.rules,
    cwd: io.cwd,
    home: io.home,
  });
}
