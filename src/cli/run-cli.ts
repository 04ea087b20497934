import { packageVersion } from '../version.ts';
import { writeLine, type CliIo } from './io.ts';
import { parseCommand, USAGE } from './parse-command.ts';

/**
 * Runs one command and resolves with the exit code; never throws a stack trace at the user.
 * Subcommands are imported on demand: `serve` loads both MCP SDKs (~0.4 s), which `--help`,
 * `--version`, `init` and `validate` do not need.
 */
export async function runCli(io: CliIo): Promise<number> {
  const parsed = parseCommand(io.argv);
  if (!parsed.ok) {
    writeLine(io.stderr, `error: ${parsed.error}`);
    return 1;
  }
  const { command } = parsed;
  try {
    switch (command.name) {
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case 'version':
        writeLine(io.stdout, `agent-mcp-gateway ${packageVersion()}`);
        return 0;
      case 'init':
        return await (await import('./init.ts')).runInit(command, io);
      case 'validate':
        return await (await import('./validate.ts')).runValidate(command, io);
      case 'keygen':
        return await (await import('./keygen.ts')).runKeygen(command, io);
      case 'auth':
        return await (await import('./auth.ts')).runAuth(command, io);
      case 'report':
        return await (await import('./report.ts')).runReport(command, io);
      case 'serve':
        return await (await import('./serve.ts')).runServe(command, io);
    }
  } catch (error) {
    writeLine(io.stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
