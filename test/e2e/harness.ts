/**
 * Starts the built gateway (`dist/main.js`) as a real child process with temporary config files
 * and connects a real MCP client to it over stdio. Every end-to-end test goes through here, so
 * every test cleans up the same way: client closed, gateway stopped, temp dir removed.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult, ClientOptions, Transport } from '@modelcontextprotocol/client';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, waitForExit } from '../support/processes.ts';

export { isAlive, waitForExit };

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const GATEWAY_MAIN = join(ROOT, 'dist', 'main.js');

export function fixture(name: string): string {
  return join(ROOT, 'test', 'fixtures', 'servers', name.endsWith('.mjs') ? name : `${name}.mjs`);
}

/** A stdio server entry running one of our fixtures with `node`. */
export function fixtureServer(
  name: string,
  args: string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { command: process.execPath, args: [fixture(name), ...args], ...extra };
}

/** A stdio server entry running a published server installed as a devDependency. */
export function publishedServer(
  pkg: string,
  args: string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    command: process.execPath,
    args: [join(ROOT, 'node_modules', pkg, 'dist', 'index.js'), ...args],
    ...extra,
  };
}

export interface GatewayOptions {
  /** The `mcpServers` object of the servers file (or the whole file when `rawServersFile` is set). */
  servers?: Record<string, unknown>;
  rules?: unknown;
  /** Write this text as the servers file instead of `{"mcpServers": servers}`. */
  rawServersFile?: string;
  rawRulesFile?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Options of the test's client, e.g. `versionNegotiation` to pin the 2026-07-28 revision. */
  client?: ClientOptions;
}

/**
 * A gateway under test: the spawned CLI (`startGateway`), the same with defaults merged
 * (`spawnedGateways`), or the in-process composition (test/support/in-process-gateway.ts). The
 * shared suites (test/e2e/suites/) take one, so one test file per front end picks it.
 */
export type StartGateway = (options?: GatewayOptions) => Promise<RunningGateway>;

export interface RunningGateway {
  client: Client;
  transport: Transport;
  dir: string;
  serversPath: string;
  rulesPath: string;
  auditPath: string;
  /** The gateway's pid. */
  pid: number;
  /** Everything the gateway wrote to stderr so far. */
  stderr(): string;
  /** Calls a gateway tool and returns the raw result. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Audit lines written so far, parsed. */
  auditLines(): Promise<Record<string, unknown>[]>;
  /** Closes the client (stdin EOF) and waits for the gateway to exit; removes the temp dir. */
  close(): Promise<void>;
}

/** A temp dir holding the two config files of `options`, and where the audit log goes. */
export interface GatewayFiles {
  dir: string;
  serversPath: string;
  rulesPath: string;
  auditPath: string;
  /** The environment every gateway under test starts with, then `options.env` over it. */
  env: Record<string, string>;
}

/** Writes the config files of `options` into a new temp dir (both front ends start from this). */
export async function writeGatewayFiles(options: GatewayOptions): Promise<GatewayFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
  const serversPath = join(dir, '.mcp.json');
  const rulesPath = join(dir, '.mcp-gateway-rules.json');
  const auditPath = join(dir, 'audit.jsonl');
  await writeFile(
    serversPath,
    options.rawServersFile ?? JSON.stringify({ mcpServers: options.servers ?? {} }, null, 2),
  );
  await writeFile(
    rulesPath,
    options.rawRulesFile ??
      JSON.stringify(options.rules ?? { agents: { default: { allow: { servers: ['*'] } } } }, null, 2),
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GATEWAY_AUDIT_LOG: auditPath,
    GATEWAY_LOG_LEVEL: 'debug',
    ...options.env,
  };
  return { dir, serversPath, rulesPath, auditPath, env };
}

/** The audit lines written to `auditPath` so far, parsed. */
export async function readAuditLines(auditPath: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(auditPath, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const { dir, serversPath, rulesPath, auditPath, env } = await writeGatewayFiles(options);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GATEWAY_MAIN, '--mcp-config', serversPath, '--rules', rulesPath, ...(options.args ?? [])],
    env,
    cwd: dir,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'e2e', version: '1.0.0' }, options.client);
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(`gateway did not start: ${String(error)}\nstderr:\n${stderr}`, { cause: error });
  }
  const pid = transport.pid;
  if (pid === null) throw new Error('gateway has no pid');
  let closed = false;
  return {
    client,
    transport,
    dir,
    serversPath,
    rulesPath,
    auditPath,
    pid,
    stderr: () => stderr,
    call: (name, args = {}) => client.callTool({ name, arguments: args }),
    auditLines: () => readAuditLines(auditPath),
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close().catch(() => {});
      await waitForExit(pid, 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The spawned CLI with `defaults` under every start's options: env merged (the start's own win),
 * args appended, the client options used when a start gives none. The differential and
 * 2026-07-28 variants of the shared suites are this with a switch set.
 */
export function spawnedGateways(defaults: GatewayOptions): StartGateway {
  return (options = {}) =>
    startGateway({
      ...defaults,
      ...options,
      env: { ...defaults.env, ...options.env },
      args: [...(defaults.args ?? []), ...(options.args ?? [])],
      ...((options.client ?? defaults.client) && { client: options.client ?? defaults.client }),
    });
}

/** The JSON a successful gateway tool put in structuredContent. */
export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  return result.structuredContent as T;
}

/** The `{code, message, …}` of a failed gateway tool call. */
export function errorOf(result: CallToolResult): { code: string; message: string; rule?: string } {
  const content = result.structuredContent as
    { error?: { code: string; message: string; rule?: string } } | undefined;
  if (!result.isError || !content?.error)
    throw new Error(`expected a gateway error, got ${JSON.stringify(result)}`);
  return content.error;
}

/** Pids of every live descendant of `pid`, read from `ps` (the orphan checks of SPEC §12). */
export async function descendantPids(pid: number): Promise<number[]> {
  // `ps` itself is a child of this process, which is the gateway under test when it runs in-process.
  let psPid: number | undefined;
  const stdout = await new Promise<string>((resolveRun, reject) => {
    psPid = execFile('ps', ['-eo', 'pid=,ppid='], (error: Error | null, out) => {
      if (error) reject(error);
      else resolveRun(out);
    }).pid;
  });
  const children = new Map<number, number[]>();
  for (const line of stdout.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (child === psPid) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Runs the CLI to completion (for --help, validate, init, fatal errors). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [GATEWAY_MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd ?? tmpdir(), ...options.env },
      cwd: options.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `CLI ${args.join(' ')} did not exit within ${options.timeoutMs ?? 15_000} ms\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
