/**
 * Small helpers shared by the live-operations end-to-end tests (hot reload, supervision,
 * pass-through): status polling, pids of downstream servers, config rewrites.
 */
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { FileReloadStatus } from '../../src/reload-tracker.ts';
import { waitUntil } from './cli-raw-gateway.ts';
import { errorOf, isAlive, structured, type RunningGateway } from './harness.ts';

export { waitUntil };

/** What `get_gateway_status.reload_status` shows of one file: the product's own type. */
export type FileStatus = FileReloadStatus;

export interface ServerStatus {
  name: string;
  status: string;
  last_error: string | null;
  restarts: number;
  tool_count: number | null;
  /** tools/call requests running now, each counted once. */
  in_flight: number;
}

export interface GatewayStatus {
  reload_status: { mcp_config: FileStatus; gateway_rules: FileStatus };
  policy_state: { total_agents: number; agent_ids: string[] };
  servers: ServerStatus[];
}

/** `get_gateway_status` (the gateway must run with --debug). */
export async function gatewayStatus(gateway: RunningGateway): Promise<GatewayStatus> {
  const result = await gateway.call('get_gateway_status');
  assert.ok(!result.isError, JSON.stringify(result));
  return structured<GatewayStatus>(result);
}

export function serverStatus(status: GatewayStatus, name: string): ServerStatus {
  const found = status.servers.find((server) => server.name === name);
  assert.ok(found, `no server ${name} in ${JSON.stringify(status.servers)}`);
  return found;
}

/** Waits until the file's reload attempt count reaches `count`. */
export function waitForAttempts(
  gateway: RunningGateway,
  file: 'mcp_config' | 'gateway_rules',
  count: number,
): Promise<GatewayStatus> {
  return waitUntil(`${file} attempt ${count}`, async () => {
    const status = await gatewayStatus(gateway);
    return status.reload_status[file].attempt_count >= count ? status : undefined;
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `execute_tool` with the default agent. */
export function execute(
  gateway: RunningGateway,
  server: string,
  tool: string,
  args: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return gateway.call('execute_tool', { server, tool, args, ...extra });
}

/** The pid of a multi-tool server, from its `pid` tool. */
export async function serverPid(gateway: RunningGateway, server: string): Promise<number> {
  const result = await execute(gateway, server, 'pid');
  assert.ok(!result.isError, JSON.stringify(result));
  return structured<{ pid: number }>(result).pid;
}

export function textOf(result: CallToolResult): string {
  return result.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}

export function errorCode(result: CallToolResult): string {
  return errorOf(result).code;
}

/** Writes JSON the way an editor's atomic save does: a temp file renamed over the original. */
export async function saveAtomically(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(value, null, 2));
  await rename(temp, path);
}

/** Waits for a pid to be gone; fails naming it otherwise. */
export async function assertExits(pid: number, what: string, timeoutMs = 5000): Promise<void> {
  await waitUntil(`${what} (pid ${pid}) to exit`, () => (isAlive(pid) ? undefined : true), timeoutMs);
}
