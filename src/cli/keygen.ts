import { generateApiKey, hashApiKey } from '../auth/api-key.ts';
import { isValidAgentId } from '../identity/resolve-agent.ts';
import { writeLine, type CliIo } from './io.ts';
import type { Command } from './parse-command.ts';

/**
 * `keygen <agent>` (SPEC §13): a new key on the first stdout line, alone, so a script can take it
 * with `head -1`; the hash to paste on the second, labelled. Nothing is written to disk: the key
 * exists only in this output, and the gateway only ever sees its hash.
 */
export function runKeygen(command: Command, io: CliIo): number {
  const agent = command.agent ?? '';
  if (!isValidAgentId(agent)) {
    writeLine(
      io.stderr,
      `error: invalid agent id ${JSON.stringify(agent.slice(0, 128))}: use only letters, digits, "_", "." and "-"`,
    );
    return 1;
  }
  const key = generateApiKey();
  writeLine(io.stdout, key);
  writeLine(
    io.stdout,
    `paste into agents.${agent}.credentials.api_keys of the rules file: "${hashApiKey(key)}"`,
  );
  writeLine(
    io.stderr,
    `The key above is shown once: give it to the client of agent "${agent}" as "Authorization: Bearer <key>". ` +
      'The rules file keeps only its hash; remove the hash to revoke the key (takes effect at reload).',
  );
  return 0;
}
