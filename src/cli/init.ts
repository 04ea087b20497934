import { userConfigDir } from '../config/discover.ts';
import { initConfigDir } from '../config/init.ts';
import { writeLine, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

/** `init` (SPEC §2): templates into ~/.config/agent-mcp-gateway/, never overwriting without --force. */
export async function runInit(command: Command, io: CliIo): Promise<number> {
  const dir = userConfigDir(io.home);
  const outcomes = await initConfigDir({ dir, force: command.force });
  for (const outcome of outcomes) {
    const note = outcome.action === 'kept' ? ' (exists; pass --force to overwrite)' : '';
    writeLine(io.stdout, `${outcome.action}: ${outcome.file}${note}`);
  }
  writeLine(io.stdout, `next: edit the files, then run "agent-mcp-gateway validate"`);
  return 0;
}
