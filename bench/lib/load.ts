/**
 * Calls shaped the same way for the gateway and for the direct server, and a load generator that
 * keeps a fixed number of calls in flight.
 */
import type { Connected, ToolResult } from './endpoints.ts';

/** The fixture's name in the gateway's servers file. */
export const FIXTURE_SERVER = 'fx';

export interface EchoTarget {
  readonly label: 'gateway' | 'direct';
  /** The process whose own memory is measured. */
  readonly pid: number;
  /** One `echo` round trip; throws if the call fails. */
  echo(text: string): Promise<void>;
  /** One `echo_n` round trip; true when the reply carries this request's `n` (and only it). */
  echoN(n: number): Promise<boolean>;
}

export function directTarget(connected: Connected): EchoTarget {
  return {
    label: 'direct',
    pid: connected.pid,
    echo: async (text) => ensureEcho(await connected.callTool('echo', { text }), text),
    echoN: async (n) => matchesN(await connected.callTool('echo_n', { n }), n),
  };
}

export function gatewayTarget(connected: Connected, server = FIXTURE_SERVER): EchoTarget {
  return {
    label: 'gateway',
    pid: connected.pid,
    echo: async (text) =>
      ensureEcho(await connected.callTool('execute_tool', { server, tool: 'echo', args: { text } }), text),
    echoN: async (n) =>
      matchesN(await connected.callTool('execute_tool', { server, tool: 'echo_n', args: { n } }), n),
  };
}

function ensureEcho(result: ToolResult, text: string): void {
  if (result.isError || firstText(result) !== text) {
    throw new Error(`echo failed: ${JSON.stringify(result).slice(0, 300)}`);
  }
}

function matchesN(result: ToolResult, n: number): boolean {
  if (result.isError) throw new Error(`echo_n failed: ${JSON.stringify(result).slice(0, 300)}`);
  const structured = result.structuredContent as { n?: unknown } | undefined;
  return structured?.n === n && firstText(result) === String(n);
}

function firstText(result: ToolResult): string | undefined {
  const content = result.content as { type?: string; text?: string }[] | undefined;
  const block = content?.[0];
  return block?.type === 'text' ? block.text : undefined;
}

export interface LoadResult {
  calls: number;
  elapsedMs: number;
  errors: number;
  mismatches: number;
  /** The first error seen, to explain a non-zero count. */
  firstError?: string;
}

/**
 * Runs `total` calls of `call(i)` keeping `inFlight` of them outstanding at every moment
 * (a new one starts as soon as one finishes). `call` resolves false for a mismatched reply.
 */
export async function runInFlight(
  call: (index: number) => Promise<boolean>,
  total: number,
  inFlight: number,
): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  let mismatches = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      try {
        if (!(await call(index))) mismatches += 1;
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  const elapsedMs = performance.now() - started;
  return { calls: total, elapsedMs, errors, mismatches, ...(firstError !== undefined && { firstError }) };
}
