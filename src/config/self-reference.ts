import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, delimiter, isAbsolute, resolve } from 'node:path';
import { configWarning } from './issues.ts';
import type { ConfigIssue, ServerConfig } from './types.ts';

/**
 * SPEC §4: a servers-file entry that would start this very gateway (same resolved command and
 * arguments) is refused, or an eager start would fork without end.
 *
 * Recognised launches of the gateway:
 * - `node [node flags] <script>` where `<script>` is the running script (after realpath);
 * - a command that resolves (PATH lookup, then realpath) to the running script, e.g. the
 *   `agent-mcp-gateway` bin, which npm links to `dist/main.js`;
 * - `npx [npx flags] agent-mcp-gateway[@version]`: npx's cache cannot be resolved without running it,
 *   so the package name alone identifies the gateway there.
 * Arguments must match too, compared as the gateway reads them: `serve` (the default subcommand)
 * and `--debug` do not change what runs, option order does not matter, and `--mcp-config` /
 * `--rules` values are compared as absolute paths.
 */

export interface SelfProcess {
  /** `process.execPath`. */
  execPath: string;
  /** `process.argv`: the node binary, the gateway's script, then the gateway's arguments. */
  argv: readonly string[];
  cwd: string;
  /** The PATH used to resolve bare commands; defaults to the gateway's own. */
  pathEnv?: string;
}

export interface SelfReference {
  server: string;
  warning: ConfigIssue;
}

export const PACKAGE_NAME = 'agent-mcp-gateway';

const NODE_FLAGS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);
const NPX_FLAGS_WITH_VALUE = new Set([
  '-p',
  '--package',
  '-c',
  '--call',
  '--cache',
  '--registry',
  '--userconfig',
]);
const PATH_OPTIONS = new Set(['--mcp-config', '--rules']);

export function findSelfReferences(
  servers: readonly ServerConfig[],
  self: SelfProcess,
  location: { file: string; rootKey?: 'mcpServers' | 'servers' } = { file: '' },
): SelfReference[] {
  const ownScript = self.argv[1] === undefined ? undefined : realpathOrSelf(resolve(self.cwd, self.argv[1]));
  if (ownScript === undefined) return [];
  const ownArgs = normaliseArgs(self.argv.slice(2), self.cwd);
  const pathEnv = self.pathEnv ?? process.env['PATH'] ?? '';

  const references: SelfReference[] = [];
  for (const server of servers) {
    if (server.transport !== 'stdio') continue;
    const cwd = server.cwd ?? self.cwd;
    const launched = gatewayArgs(server.command, server.args, {
      cwd,
      pathEnv: server.env['PATH'] ?? pathEnv,
      ownScript,
      execPath: self.execPath,
    });
    if (launched === undefined || normaliseArgs(launched, cwd) !== ownArgs) continue;
    references.push({
      server: server.name,
      warning: configWarning(
        location.file,
        [location.rootKey ?? 'mcpServers', server.name],
        `server "${server.name}" would start this gateway itself; it is refused`,
        'self_reference',
      ),
    });
  }
  return references;
}

interface ResolveContext {
  cwd: string;
  pathEnv: string;
  ownScript: string;
  execPath: string;
}

/** The gateway arguments of a command line that launches the running gateway, else undefined. */
function gatewayArgs(
  command: string,
  args: readonly string[],
  context: ResolveContext,
): string[] | undefined {
  const resolved = resolveCommand(command, context);
  if (resolved === context.ownScript) return [...args];

  const name = basename(command).replace(/\.(exe|cmd)$/i, '');
  if (name === 'npx') {
    const index = firstPositional(args, NPX_FLAGS_WITH_VALUE);
    const spec = index === undefined ? undefined : args[index];
    if (index === undefined || spec === undefined || packageName(spec) !== PACKAGE_NAME) return undefined;
    const rest = args.slice(index + 1);
    return rest[0] === '--' ? rest.slice(1) : rest;
  }

  const isNode = name === 'node' || (resolved !== undefined && resolved === realpathOrSelf(context.execPath));
  if (!isNode) return undefined;
  const index = firstPositional(args, NODE_FLAGS_WITH_VALUE);
  const script = index === undefined ? undefined : args[index];
  if (index === undefined || script === undefined) return undefined;
  if (realpathOrSelf(resolve(context.cwd, script)) !== context.ownScript) return undefined;
  return args.slice(index + 1);
}

function resolveCommand(command: string, context: ResolveContext): string | undefined {
  if (command.includes('/') || command.includes('\\')) return realpathOrSelf(resolve(context.cwd, command));
  for (const dir of context.pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = resolve(isAbsolute(dir) ? dir : resolve(context.cwd, dir), command);
    try {
      accessSync(candidate, constants.X_OK);
      return realpathOrSelf(candidate);
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function firstPositional(args: readonly string[], flagsWithValue: ReadonlySet<string>): number | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--') return index + 1 < args.length ? index + 1 : undefined;
    if (!arg.startsWith('-')) return index;
    if (flagsWithValue.has(arg)) index++;
  }
  return undefined;
}

/** `agent-mcp-gateway@0.3.0` → `agent-mcp-gateway`; `@scope/pkg@1` → `@scope/pkg`. */
function packageName(spec: string): string {
  const at = spec.indexOf('@', 1);
  return at === -1 ? spec : spec.slice(0, at);
}

/** The gateway's arguments in a comparable form (see the module comment). */
function normaliseArgs(args: readonly string[], cwd: string): string {
  const split = args.flatMap((arg) => {
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    return eq === -1 ? [arg] : [arg.slice(0, eq), arg.slice(eq + 1)];
  });
  const words: string[] = [];
  for (let index = 0; index < split.length; index++) {
    const arg = split[index] ?? '';
    if (arg === '--debug' || (arg === 'serve' && words.length === 0)) continue;
    if (PATH_OPTIONS.has(arg)) {
      const value = split[index + 1];
      index++;
      words.push(`${arg}=${value === undefined ? '' : resolve(cwd, value)}`);
    } else {
      words.push(arg);
    }
  }
  return JSON.stringify(words.sort());
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
