import { generateApiKey, hashApiKey } from '../auth/api-key.ts';
import { loadRules } from '../config/load-config.ts';
import { isValidAgentId } from '../identity/resolve-agent.ts';
import { writeLine, type CliIo } from './io.ts';
import { locateForCommand } from './locate.ts';
import type { Command } from './parse-command.ts';

/**
 * `keygen <agent>` (SPEC §13): a new key on the first stdout line, alone, so a script can take it
 * with `head -1`; the hash to paste on the second, labelled. Nothing is written to disk: the key
 * exists only in this output, and the gateway only ever sees its hash. When the rules file that
 * `serve` would read (same flags, variables and places) exists and lacks the agent, a warning
 * says so: the key would be refused until the agent is added. The key is printed either way, so
 * a key can be made before the rules that will hold it.
 */
export async function runKeygen(command: Command, io: CliIo): Promise<number> {
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
  const missing = await agentMissingFrom(agent, command, io);
  if (missing !== undefined) {
    writeLine(
      io.stderr,
      `warning: agent "${agent}" is not in ${missing}: a request with this key is refused until agents.${agent} is added there`,
    );
  }
  return 0;
}

/** The rules file's path when it loads and has no such agent; undefined otherwise. */
async function agentMissingFrom(agent: string, command: Command, io: CliIo): Promise<string | undefined> {
  const { rules } = locateForCommand(command, io);
  const loaded = await loadRules(rules);
  // No file, or one `validate` would reject: nothing to compare with; validate says the rest.
  if (!loaded.ok || Object.hasOwn(loaded.value.agents, agent)) return undefined;
  return rules.path;
}
