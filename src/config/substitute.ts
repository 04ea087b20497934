import type { JsonPath } from './json-path.ts';

/**
 * `${VAR}` / `${VAR:-fallback}` substitution in every string value of a parsed JSON document
 * (SPEC §5), run before validation so that e.g. `"url": "${URL}"` works.
 *
 * - `${VAR}`: VAR's value; set-but-empty gives the empty string. Unset: the empty string is
 *   substituted and the use is reported in `missing`, so the loader can make only the server that
 *   uses it unavailable instead of rejecting the file.
 * - `${VAR:-fallback}`: the fallback when VAR is unset *or empty*, as a shell does. The fallback is
 *   literal text up to the first `}` (no nested references).
 * - `$${` is an escape for a literal `${`. Anything else is left alone: a bare `$VAR`, `$$`, and
 *   `${…}` whose inside is not a variable name (e.g. VS Code's `${input:token}`).
 * - Object keys are never substituted; numbers, booleans and null are left as they are.
 *
 * VAR is a shell-style name: a letter or `_`, then letters, digits or `_`.
 */

export interface MissingVariable {
  variable: string;
  /** Where the reference was found, e.g. `['mcpServers', 'github', 'env', 'GITHUB_TOKEN']`. */
  path: JsonPath;
}

export interface SubstitutionResult {
  value: unknown;
  missing: MissingVariable[];
}

export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteVariables(value: unknown, env: Environment): SubstitutionResult {
  const missing: MissingVariable[] = [];
  const result = walk(value, env, [], missing);
  return { value: result, missing };
}

function walk(value: unknown, env: Environment, path: JsonPath, missing: MissingVariable[]): unknown {
  if (typeof value === 'string') return substituteString(value, env, path, missing);
  if (Array.isArray(value))
    return value.map((item: unknown, index) => walk(item, env, [...path, index], missing));
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a `__proto__` key stays a key instead of a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, walk(child, env, [...path, key], missing)]),
    );
  }
  return value;
}

function substituteString(
  text: string,
  env: Environment,
  path: JsonPath,
  missing: MissingVariable[],
): string {
  return text.replace(REFERENCE, (_match: string, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${'; // the `$${` escape
    // Object.hasOwn: a variable named `constructor` or `toString` must not resolve to a prototype member.
    const current = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) return current === undefined || current === '' ? fallback : current;
    if (current !== undefined) return current;
    missing.push({ variable: name, path });
    return '';
  });
}
