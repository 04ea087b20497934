/**
 * The two things every benchmark compares: the gateway (built `dist/main.js`, audit on, logs at
 * `warn`, as a user runs it) and the same fixture server called directly. Both are reached over
 * stdio by the same client library, so the only difference measured is the gateway's hop.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioClientTransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, waitForExit } from '../../test/support/processes.ts';

export { isAlive, waitForExit };

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const GATEWAY_MAIN = join(ROOT, 'dist', 'main.js');
export const MULTI_TOOL = join(ROOT, 'test', 'fixtures', 'servers', 'multi-tool.mjs');

/** `v2` is the library the gateway itself is built on; `v1` is kept as a reference point. */
export type ClientLibrary = 'v2' | 'v1';

export interface ToolResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: boolean;
}

export interface ToolDefinition {
  name: string;
  [key: string]: unknown;
}

/** One connected stdio MCP server, whatever client library talks to it. */
export interface Connected {
  pid: number;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  listTools(): Promise<ToolDefinition[]>;
  /** Everything the process wrote to stderr so far (for diagnostics when something fails). */
  stderr(): string;
  close(): Promise<void>;
}

export interface StdioLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** Spawns the process and completes the MCP handshake. */
export async function connectStdio(launch: StdioLaunch, library: ClientLibrary = 'v2'): Promise<Connected> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...launch.env };
  const params = {
    command: launch.command,
    args: launch.args,
    env,
    stderr: 'pipe' as const,
    ...(launch.cwd !== undefined && { cwd: launch.cwd }),
  };
  let stderr = '';
  const keepTail = (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  };
  if (library === 'v2') {
    const transport = new StdioClientTransport(params);
    transport.stderr?.on('data', keepTail);
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(transport);
    return wrap(
      transport.pid,
      {
        callTool: (name, args) => client.callTool({ name, arguments: args }),
        listTools: async () => (await client.listTools()).tools,
        close: () => client.close(),
      },
      () => stderr,
    );
  }
  const transport = new StdioClientTransportV1(params);
  transport.stderr?.on('data', keepTail);
  const client = new ClientV1({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return wrap(
    transport.pid,
    {
      callTool: (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>,
      listTools: async () => (await client.listTools()).tools,
      close: () => client.close(),
    },
    () => stderr,
  );
}

function wrap(
  pid: number | null,
  calls: Pick<Connected, 'callTool' | 'listTools' | 'close'>,
  stderr: () => string,
): Connected {
  if (pid === null) throw new Error('the server process has no pid');
  let closing: Promise<void> | undefined;
  return {
    pid,
    callTool: calls.callTool,
    listTools: calls.listTools,
    stderr,
    close: () =>
      (closing ??= (async () => {
        await calls.close().catch(() => {});
        if (!(await waitForExit(pid, 5000))) killQuietly(pid);
      })()),
  };
}

/** The multi-tool fixture server as a direct stdio server. */
export function fixtureLaunch(args: string[] = []): StdioLaunch {
  return { command: process.execPath, args: [MULTI_TOOL, ...args] };
}

/** A `.mcp.json` entry for the multi-tool fixture. */
export function fixtureEntry(args: string[] = []): Record<string, unknown> {
  return { command: process.execPath, args: [MULTI_TOOL, ...args] };
}

export interface GatewayLaunchOptions {
  /** The `mcpServers` object of the servers file. */
  servers: Record<string, Record<string, unknown>>;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Another entry point, e.g. an esbuild bundle of `dist/main.js`. */
  entry?: string;
  env?: Record<string, string>;
}

export interface GatewayFiles {
  dir: string;
  launch: StdioLaunch;
  /** Removes the temp dir (config files and the audit log). */
  remove(): Promise<void>;
}

/**
 * Writes the config files and returns how to start the gateway: audit on (a temp file), logs at
 * `warn`, one `default` agent allowed everything — the set-up a user runs.
 */
export async function prepareGateway(options: GatewayLaunchOptions): Promise<GatewayFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  // Config and audit log in separate folders, as with the defaults (~/.config vs ~/.cache):
  // the config watcher watches the config files' folder.
  const configDir = join(dir, 'config');
  const auditDir = join(dir, 'logs');
  await Promise.all([mkdir(configDir), mkdir(auditDir)]);
  const serversPath = join(configDir, '.mcp.json');
  const rulesPath = join(configDir, '.mcp-gateway-rules.json');
  await writeFile(serversPath, JSON.stringify({ mcpServers: options.servers }));
  await writeFile(rulesPath, JSON.stringify({ agents: { default: { allow: { servers: ['*'] } } } }));
  return {
    dir,
    launch: {
      command: process.execPath,
      args: [
        ...(options.nodeArgs ?? []),
        options.entry ?? GATEWAY_MAIN,
        '--mcp-config',
        serversPath,
        '--rules',
        rulesPath,
      ],
      env: {
        HOME: dir,
        GATEWAY_AUDIT_LOG: join(auditDir, 'audit.jsonl'),
        GATEWAY_LOG_LEVEL: 'warn',
        ...options.env,
      },
      cwd: dir,
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Starts a gateway and connects to it; closing also removes its temp dir. */
export async function startGateway(
  options: GatewayLaunchOptions,
  library: ClientLibrary = 'v2',
): Promise<Connected> {
  const files = await prepareGateway(options);
  let connected: Connected;
  try {
    connected = await connectStdio(files.launch, library);
  } catch (error) {
    await files.remove();
    throw error;
  }
  return {
    ...connected,
    close: async () => {
      await connected.close();
      await files.remove();
    },
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
