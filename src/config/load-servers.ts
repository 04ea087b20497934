import { configError, configWarning, fromZodIssues, isPlainObject, unknownKeyWarnings } from './issues.ts';
import { formatJsonPath } from './json-path.ts';
import { normaliseServer } from './normalise-server.ts';
import { parseJson } from './parse-json.ts';
import { readConfigFile } from './read-config-file.ts';
import { serverEntrySchema, serversFileSchema, serversFileShallowSchema } from './servers-schema.ts';
import { substituteVariables, type Environment, type MissingVariable } from './substitute.ts';
import type { ConfigIssue, LoadResult, ServerConfig } from './types.ts';

export interface ServersConfig {
  /** Enabled servers in config order; `enabled: false` entries are gone. */
  servers: ServerConfig[];
  /** Which key held them, so later warnings can point at `servers.x` in a VS Code style file. */
  rootKey: 'mcpServers' | 'servers';
}

const KNOWN_FIELDS = new Set(Object.keys(serverEntrySchema.shape));

/**
 * Parses, substitutes, validates and normalises a servers file (SPEC §5). Pure: the environment is a
 * parameter. A `${VAR}` that is unset makes only its server unavailable (a warning here; see
 * `missingVariablesAsErrors` for `validate`).
 */
export function parseServersConfig(text: string, file: string, env: Environment): LoadResult<ServersConfig> {
  const parsed = parseJson(text, file);
  if (!parsed.ok) return { ok: false, errors: [parsed.issue], warnings: [] };

  const { value: document, missing } = substituteVariables(parsed.value, env);
  const notAFile = 'expected a JSON object with a "mcpServers" (or "servers") key';
  if (!isPlainObject(document)) return { ok: false, errors: [configError(file, [], notAFile)], warnings: [] };

  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = unknownKeyWarnings(serversFileSchema, document, file);

  const root = serversFileShallowSchema.safeParse(document);
  if (!root.success) return { ok: false, errors: fromZodIssues(root.error.issues, file), warnings };
  const rootKey = root.data.mcpServers !== undefined ? 'mcpServers' : 'servers';
  // The substituted document's own keys, not zod's copy: zod drops a `__proto__` key silently.
  const entries = document[rootKey];
  if (!isPlainObject(entries)) return { ok: false, errors: [configError(file, [], notAFile)], warnings };
  if (root.data.mcpServers !== undefined && root.data.servers !== undefined) {
    warnings.push(
      configWarning(
        file,
        ['servers'],
        'both "mcpServers" and "servers" are present; "servers" is ignored',
        'ignored_key',
      ),
    );
  }

  const servers: ServerConfig[] = [];
  for (const [name, raw] of Object.entries(entries)) {
    const path = [rootKey, name];
    if (name.trim() === '' || name === '__proto__') {
      errors.push(
        configError(
          file,
          path,
          name === '' ? 'a server name must not be empty' : `the server name "${name}" is not allowed`,
        ),
      );
      continue;
    }
    const entry = serverEntrySchema.safeParse(raw);
    if (!entry.success) {
      errors.push(...fromZodIssues(entry.error.issues, file, path));
      continue;
    }
    const mine = missing.filter(
      (use) => use.path[0] === rootKey && use.path[1] === name && KNOWN_FIELDS.has(String(use.path[2])),
    );
    const result = normaliseServer(name, entry.data, {
      file,
      path,
      fieldsWithMissingVariables: new Set(mine.map((use) => String(use.path[2]))),
    });
    // A disabled entry is still checked (a broken file is broken), but is otherwise gone: no warnings.
    errors.push(...result.errors);
    if (!entry.data.enabled || result.server === undefined) continue;
    warnings.push(...result.warnings);
    const firstUses = firstUsePerVariable(mine);
    if (firstUses.length > 0) {
      result.server.unavailableReason = firstUses
        .map((use) => `environment variable ${use.variable} is not set (${formatJsonPath(use.path)})`)
        .join('; ');
      for (const use of firstUses) {
        warnings.push(
          configWarning(
            file,
            use.path,
            `environment variable ${use.variable} is not set; server "${name}" is unavailable`,
            'missing_variable',
          ),
        );
      }
    }
    servers.push(result.server);
  }

  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, value: { servers, rootKey }, warnings };
}

/** Reads and parses a servers file; a missing or unreadable file is an error naming the path. */
export async function loadServersFile(path: string, env: Environment): Promise<LoadResult<ServersConfig>> {
  const read = await readConfigFile(path, 'servers file');
  if (!read.ok) return { ok: false, errors: [read.issue], warnings: [] };
  return parseServersConfig(read.text, path, env);
}

/**
 * SPEC §5: an unset variable is a warning at start-up but an error in `validate`. Turns those warnings
 * into errors (and the result into a failure when there are any); other warnings stay warnings.
 */
export function missingVariablesAsErrors(result: LoadResult<ServersConfig>): LoadResult<ServersConfig> {
  const isMissing = (issue: ConfigIssue): boolean => issue.code === 'missing_variable';
  const promoted = result.warnings
    .filter(isMissing)
    .map((issue): ConfigIssue => ({ ...issue, severity: 'error' }));
  if (promoted.length === 0) return result;
  const warnings = result.warnings.filter((issue) => !isMissing(issue));
  const errors = result.ok ? promoted : [...result.errors, ...promoted];
  return { ok: false, errors, warnings };
}

function firstUsePerVariable(uses: readonly MissingVariable[]): MissingVariable[] {
  const seen = new Set<string>();
  return uses.filter((use) => !seen.has(use.variable) && seen.add(use.variable));
}
