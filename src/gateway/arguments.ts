import { z } from 'zod';
import { GatewayError } from '../errors.ts';

/**
 * The gateway tools' own arguments. Parsed strictly: an unknown key such as `arguments` instead
 * of `args` is a mistake a model can fix, so it is reported rather than silently ignored.
 */

const agentId = z.unknown().optional();
const serverName = z.string().min(1, 'must be a non-empty server name (see list_servers)');

export const listServersArguments = z.strictObject({
  agent_id: agentId,
  include_metadata: z.boolean().optional(),
});

export const getServerToolsArguments = z.strictObject({
  agent_id: agentId,
  server: serverName,
  names: z.union([z.string(), z.array(z.string())]).optional(),
  pattern: z.string().optional(),
  // 0 or less returns no tools (SPEC §8, as the original did); not an error.
  max_schema_tokens: z.number().int().optional(),
});

export const executeToolArguments = z.strictObject({
  agent_id: agentId,
  server: serverName,
  tool: z.string().min(1, 'must be a non-empty tool name (see get_server_tools)'),
  args: z.record(z.string(), z.unknown()).optional(),
  timeout_ms: z.number().int().positive().optional(),
});

export type ExecuteToolArguments = z.infer<typeof executeToolArguments>;

const EXECUTE_TOOL_KEYS = new Set(Object.keys(executeToolArguments.shape));

/**
 * `execute_tool`'s arguments, checked by hand when they are plainly valid (every agent call comes
 * through here, and zod's parse copies `args` and costs as much as the policy, the lookup and the
 * audit together). Anything else, including every invalid input, goes to the schema, which stays
 * the one source of the rules and of the error messages; arguments.test.ts holds the two to the
 * same answers.
 */
export function parseExecuteToolArguments(raw: unknown): ExecuteToolArguments {
  if (isPlainlyValidExecuteTool(raw)) return raw;
  return parseArguments(executeToolArguments, raw, 'execute_tool');
}

function isPlainlyValidExecuteTool(raw: unknown): raw is ExecuteToolArguments {
  if (!isPlainObject(raw)) return false;
  for (const key in raw) {
    if (!EXECUTE_TOOL_KEYS.has(key) || raw[key] === null) return false;
  }
  const { server, tool, args, timeout_ms: timeoutMs } = raw;
  return (
    typeof server === 'string' &&
    server !== '' &&
    typeof tool === 'string' &&
    tool !== '' &&
    (args === undefined || isPlainObject(args)) &&
    (timeoutMs === undefined || (Number.isSafeInteger(timeoutMs) && (timeoutMs as number) > 0))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

export const searchToolsArguments = z.strictObject({
  agent_id: agentId,
  query: z.string().trim().min(1, 'must say what you want to do, e.g. "read a text file"'),
  server: serverName.optional(),
  limit: z.number().int().optional(),
});

export const gatewayStatusArguments = z.strictObject({ agent_id: agentId });

/** Field names a model is likely to use by mistake, with the one it meant. */
const LIKELY_MEANT: Readonly<Record<string, string>> = {
  arguments: 'args',
  params: 'args',
  input: 'args',
  server_name: 'server',
  tool_name: 'tool',
  name: 'tool',
  timeout: 'timeout_ms',
};

export function parseArguments<T extends z.ZodType>(schema: T, raw: unknown, operation: string): z.infer<T> {
  const result = schema.safeParse(withoutNulls(raw ?? {}));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map(
          (key) =>
            `unknown argument "${key}"${LIKELY_MEANT[key] ? ` (did you mean "${LIKELY_MEANT[key]}"?)` : ''}`,
        )
        .join('; ');
    }
    const path = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
    return `${path}: ${issue.message}`;
  });
  throw new GatewayError('INVALID_ARGUMENTS', `${operation}: ${problems.join('; ')}`);
}

/**
 * Many clients send `null` for an optional argument they leave out; it means "not given", as it
 * does for `agent_id` (identity/resolve-agent.ts), rather than a type error the model must fix.
 */
function withoutNulls(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  // Copied only when there is a null to drop: this runs on every call, and most send none.
  for (const key in raw) {
    if ((raw as Record<string, unknown>)[key] === null) {
      return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null));
    }
  }
  return raw;
}

/** `names` as given: a comma-separated string or an array; trimmed; empty means no filter. */
export function normalizeNames(names: string | readonly string[] | undefined): Set<string> | undefined {
  if (names === undefined) return undefined;
  const list = (typeof names === 'string' ? names.split(',') : names)
    .map((name) => name.trim())
    .filter(Boolean);
  return list.length > 0 ? new Set(list) : undefined;
}
