/**
 * Assertions shared by the gateway-tool end-to-end tests (test/e2e/gateway-*.test.ts). Every
 * error these tests see goes through `expectError`, so the SPEC §9 result shape (one text block
 * `CODE: message`, `structuredContent.error`, no stack trace) is checked on every code they hit.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult, ClientOptions } from '@modelcontextprotocol/client';
import assert from 'node:assert/strict';
import type { RunningGateway } from './harness.ts';

export interface GatewayErrorBody {
  code: string;
  message: string;
  rule?: string;
  agent_id?: string;
  server?: string;
  tool?: string;
  [key: string]: unknown;
}

/** A stack frame line as V8 prints it. */
const STACK_FRAME = /\n\s+at /;

export function assertNoStackTrace(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  assert.doesNotMatch(text, STACK_FRAME, 'a stack trace leaked into a tool result');
  // JSON-escaped newlines, as they appear inside serialized text blocks.
  assert.doesNotMatch(text, /\\n\s+at /, 'a stack trace leaked into a tool result');
}

/** Asserts the SPEC §9 shape of a failed gateway call with `code`, and returns its error body. */
export function expectError(result: CallToolResult, code: string): GatewayErrorBody {
  assert.equal(result.isError, true, `expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.content.length, 1, 'an error result has exactly one content block');
  const [block] = result.content;
  assert.ok(block && block.type === 'text', 'the one block of an error result is text');
  const structured = result.structuredContent as { error?: GatewayErrorBody } | undefined;
  assert.ok(structured?.error, 'an error result carries structuredContent.error');
  const error = structured.error;
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0, 'the error message is not empty');
  assert.equal(block.text, `${code}: ${error.message}`);
  assertNoStackTrace(result);
  return error;
}

/**
 * Asserts a successful gateway tool result (other than execute_tool): structuredContent and one
 * text block holding the same JSON (SPEC §8). Returns the structured value.
 */
export function expectJson<T = Record<string, unknown>>(result: CallToolResult): T {
  assert.notEqual(result.isError, true, `expected success, got ${JSON.stringify(result)}`);
  assert.equal(result.content.length, 1, 'a gateway result has exactly one content block');
  const [block] = result.content;
  assert.ok(block && block.type === 'text', 'the one block of a gateway result is text');
  assert.ok(result.structuredContent, 'a gateway result carries structuredContent');
  assert.deepStrictEqual(JSON.parse(block.text), result.structuredContent);
  return result.structuredContent as T;
}

/** Waits until the gateway has written at least `count` audit lines (writes are batched). */
export async function waitForAuditLines(
  gateway: RunningGateway,
  count: number,
  timeoutMs = 5000,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await gateway.auditLines();
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface DirectConnection {
  client: Client;
  close(): Promise<void>;
}

/** A v2 client connected straight to a stdio server entry, bypassing the gateway. */
export async function connectDirect(
  entry: Record<string, unknown>,
  clientOptions?: ClientOptions,
): Promise<DirectConnection> {
  const transport = new StdioClientTransport({
    command: entry.command as string,
    args: (entry.args as string[] | undefined) ?? [],
    env: { PATH: process.env.PATH ?? '', ...(entry.env as Record<string, string> | undefined) },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'e2e-direct', version: '1.0.0' }, clientOptions);
  await client.connect(transport);
  return { client, close: () => client.close() };
}
