/**
 * HTTP serving (SPEC §14): `execute_tool` → `echo` through `serve --http` against `echo` called
 * directly on the same fixture served over Streamable HTTP (test/fixtures/servers/http-server.mjs,
 * which is also the gateway's downstream), with the same client library (v2, 2025-era sessions)
 * on both sides and interleaved rounds. A second gateway with the fixture's stdio twin
 * (multi-tool.mjs) behind it isolates the HTTP front end's own cost: the first gateway pays two
 * HTTP round trips per call where the direct call pays one. Reports the latency ratio, throughput ratios at 64 and 256
 * in flight over 1 and 16 sessions, an integrity run at 1,000 in flight, and the gateway's RSS per
 * idle session with 1,000 sessions open. Every call echoes a distinct text, so a reply delivered
 * to the wrong request counts as a mismatch.
 */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { sharedSignalFetch } from '../../src/downstream/session/shared-signal-fetch.ts';
import { fixturePath, startHttpFixture } from '../../test/fixtures/spawn-http-fixture.ts';
import { spawnHttpGateway } from '../../test/support/http-gateway.ts';
import { runInFlight, type LoadResult } from '../lib/load.ts';
import {
  measureBareConnections,
  measureIdleCost,
  openRawSession,
  PROBE_NODE_OPTIONS,
  type IdleSessionsResult,
} from '../lib/idle-sessions.ts';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats.ts';

export interface HttpBenchPlan {
  warmup: number;
  rounds: number;
  callsPerRound: number;
  levels: number[];
  sessions: number[];
  callsPerLoadRound: number;
  integrityInFlight: number;
  integrityCalls: number;
  idleSessions: number;
}

export const HTTP_FULL_PLAN: HttpBenchPlan = {
  warmup: 300,
  rounds: 8,
  callsPerRound: 200,
  levels: [64, 256],
  sessions: [1, 16],
  callsPerLoadRound: 2000,
  integrityInFlight: 1000,
  integrityCalls: 5000,
  idleSessions: 1000,
};

export const HTTP_SMOKE_PLAN: HttpBenchPlan = {
  warmup: 5,
  rounds: 2,
  callsPerRound: 10,
  levels: [64],
  sessions: [1, 16],
  callsPerLoadRound: 100,
  integrityInFlight: 100,
  integrityCalls: 200,
  idleSessions: 20,
};

export interface HttpThroughput {
  sessions: number;
  in_flight: number;
  gateway_calls_per_s: number;
  gateway_stdio_downstream_calls_per_s: number;
  direct_calls_per_s: number;
  /** gateway ÷ direct */
  ratio: number;
  /** gateway with a stdio downstream ÷ direct */
  ratio_stdio_downstream: number;
  errors: number;
  mismatches: number;
}

export interface HttpBenchResult {
  client: string;
  latency: {
    gateway_ms: LatencySummary;
    gateway_stdio_downstream_ms: LatencySummary;
    direct_ms: LatencySummary;
    ratio: { p50: number; p99: number };
    ratio_stdio_downstream: { p50: number; p99: number };
  };
  throughput: HttpThroughput[];
  integrity: { in_flight: number; calls: number; errors: number; mismatches: number; first_error?: string };
  idle_sessions: IdleSessionsResult;
}

type Label = 'gateway' | 'gatewayStdio' | 'direct';

interface Side {
  label: Label;
  clients: Client[];
  call(client: Client, text: string): Promise<string>;
}

let sequence = 0;

export async function measureHttp(
  plan: HttpBenchPlan,
  progress: (message: string) => void,
): Promise<HttpBenchResult> {
  const fixture = await startHttpFixture();
  const closers: (() => Promise<void>)[] = [() => fixture.close()];
  const opened: Client[] = [];
  const connect = async (url: string) => {
    const client = new Client({ name: 'bench-http', version: '1.0.0' });
    // The gateway's own fetch for remote servers: without it the SDK transport's one shared signal
    // prints a MaxListenersExceededWarning per request past 1 500 in this process.
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: sharedSignalFetch }));
    opened.push(client);
    return client;
  };
  const startGateway = async (server: Record<string, unknown>, env: Record<string, string> = {}) => {
    const gateway = await spawnHttpGateway({
      servers: { fx: server },
      rules: { agents: { default: { allow: { servers: ['*'] } } } },
      env: { GATEWAY_LOG_LEVEL: 'info', ...env },
    });
    closers.push(() => gateway.close());
    return gateway;
  };
  try {
    const maxSessions = Math.max(...plan.sessions);
    progress(`http: ${plan.idleSessions} idle sessions, with and without GET streams, and bare connections`);
    const idle = await measureIdle(plan.idleSessions, (env) => startGateway({ url: fixture.url }, env));
    const viaHttp = await startGateway({ url: fixture.url });
    const viaStdio = await startGateway({ command: process.execPath, args: [fixturePath('multi-tool')] });
    const executeTool = async (client: Client, text: string) =>
      firstText(
        await client.callTool({
          name: 'execute_tool',
          arguments: { server: 'fx', tool: 'echo', args: { text } },
        }),
      );
    const sides: Record<Label, Side> = {
      gateway: {
        label: 'gateway',
        clients: await connectMany(viaHttp.url, maxSessions, connect),
        call: executeTool,
      },
      gatewayStdio: {
        label: 'gatewayStdio',
        clients: await connectMany(viaStdio.url, maxSessions, connect),
        call: executeTool,
      },
      direct: {
        label: 'direct',
        clients: await connectMany(fixture.url, maxSessions, connect),
        call: async (client, text) => firstText(await client.callTool({ name: 'echo', arguments: { text } })),
      },
    };
    progress('http: latency');
    const latency = await measureLatency(sides, plan);
    const throughput: HttpThroughput[] = [];
    for (const sessions of plan.sessions) {
      for (const inFlight of plan.levels) {
        progress(`http: throughput at ${inFlight} in flight over ${sessions} session(s)`);
        throughput.push(await measureThroughput(sides, sessions, inFlight, plan));
      }
    }
    progress(`http: ${plan.integrityInFlight} in flight through the gateway`);
    const integrity = await load(sides.gateway, maxSessions, plan.integrityInFlight, plan.integrityCalls);
    return {
      client: '@modelcontextprotocol/client (v2), 2025-era sessions, on every side',
      latency,
      throughput,
      integrity: {
        in_flight: plan.integrityInFlight,
        calls: integrity.calls,
        errors: integrity.errors,
        mismatches: integrity.mismatches,
        ...(integrity.firstError !== undefined && { first_error: integrity.firstError }),
      },
      idle_sessions: idle,
    };
  } finally {
    await Promise.allSettled(opened.map((client) => client.close()));
    await Promise.allSettled(closers.map((close) => close()));
  }
}

/** Rounds rotate the order of the sides, so drift on a noisy machine hits each alike. */
function rotations(roundIndex: number, sides: Record<Label, Side>): Side[] {
  const all = [sides.gateway, sides.gatewayStdio, sides.direct];
  const shift = roundIndex % all.length;
  return [...all.slice(shift), ...all.slice(0, shift)];
}

async function connectMany(
  url: string,
  count: number,
  connect: (url: string) => Promise<Client>,
): Promise<Client[]> {
  const clients: Client[] = [];
  // In batches: a thousand simultaneous handshakes would measure the listen backlog instead.
  for (let at = 0; at < count; at += 50) {
    clients.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, count - at) }, () => connect(url)))),
    );
  }
  return clients;
}

async function measureLatency(
  sides: Record<Label, Side>,
  plan: HttpBenchPlan,
): Promise<HttpBenchResult['latency']> {
  const once = (side: Side) => side.call(side.clients[0]!, 'latency');
  for (let i = 0; i < plan.warmup; i++) {
    for (const side of rotations(0, sides)) await once(side);
  }
  const samples: Record<Label, number[]> = { gateway: [], gatewayStdio: [], direct: [] };
  for (let roundIndex = 0; roundIndex < plan.rounds; roundIndex++) {
    for (const side of rotations(roundIndex, sides)) {
      for (let i = 0; i < plan.callsPerRound; i++) {
        const started = performance.now();
        await once(side);
        samples[side.label].push(performance.now() - started);
      }
    }
  }
  const [gatewayMs, stdioMs, directMs] = [samples.gateway, samples.gatewayStdio, samples.direct].map(
    summarize,
  ) as [LatencySummary, LatencySummary, LatencySummary];
  return {
    gateway_ms: rounded(gatewayMs),
    gateway_stdio_downstream_ms: rounded(stdioMs),
    direct_ms: rounded(directMs),
    ratio: { p50: ratio(gatewayMs.p50, directMs.p50), p99: ratio(gatewayMs.p99, directMs.p99) },
    ratio_stdio_downstream: { p50: ratio(stdioMs.p50, directMs.p50), p99: ratio(stdioMs.p99, directMs.p99) },
  };
}

async function measureThroughput(
  sides: Record<Label, Side>,
  sessions: number,
  inFlight: number,
  plan: HttpBenchPlan,
): Promise<HttpThroughput> {
  const totals: Record<Label, LoadResult> = { gateway: empty(), gatewayStdio: empty(), direct: empty() };
  for (let roundIndex = 0; roundIndex < Math.max(1, plan.rounds / 2); roundIndex++) {
    for (const side of rotations(roundIndex, sides)) {
      const result = await load(side, sessions, inFlight, plan.callsPerLoadRound);
      const total = totals[side.label];
      total.calls += result.calls;
      total.elapsedMs += result.elapsedMs;
      total.errors += result.errors;
      total.mismatches += result.mismatches;
    }
  }
  const perSecond = (total: LoadResult) => round((total.calls * 1000) / total.elapsedMs, 0);
  const all = Object.values(totals);
  return {
    sessions,
    in_flight: inFlight,
    gateway_calls_per_s: perSecond(totals.gateway),
    gateway_stdio_downstream_calls_per_s: perSecond(totals.gatewayStdio),
    direct_calls_per_s: perSecond(totals.direct),
    ratio: ratio(perSecond(totals.gateway), perSecond(totals.direct)),
    ratio_stdio_downstream: ratio(perSecond(totals.gatewayStdio), perSecond(totals.direct)),
    errors: all.reduce((sum, total) => sum + total.errors, 0),
    mismatches: all.reduce((sum, total) => sum + total.mismatches, 0),
  };
}

/** `calls` echo calls spread round-robin over the first `sessions` clients, `inFlight` at a time. */
function load(side: Side, sessions: number, inFlight: number, calls: number): Promise<LoadResult> {
  const base = (sequence += calls);
  return runInFlight(
    async (index) => {
      const text = `call ${base + index}`;
      try {
        return (await side.call(side.clients[index % sessions]!, text)) === text;
      } catch (error) {
        // fetch's own message is "fetch failed"; the reason is in its cause.
        const cause = (error as { cause?: unknown }).cause;
        throw new Error(
          `${side.label}: ${String(error)}${cause === undefined ? '' : ` (${cause instanceof Error ? cause.message : JSON.stringify(cause)})`}`,
          {
            cause: error,
          },
        );
      }
    },
    calls,
    inFlight,
  );
}

/** SDK clients (closed once measured, so they do not load the rest), raw sessions, the floor. */
async function measureIdle(
  count: number,
  startGateway: (env: Record<string, string>) => Promise<{ url: string; pid: number; stderr(): string }>,
): Promise<IdleSessionsResult> {
  const probed = { NODE_OPTIONS: PROBE_NODE_OPTIONS };
  const clients: Client[] = [];
  try {
    const streams = await startGateway(probed);
    const withGetStream = await measureIdleCost(streams, count, async () => {
      const client = new Client({ name: 'bench-idle', version: '1.0.0' });
      clients.push(client);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(streams.url), { fetch: sharedSignalFetch }),
      );
    });
    const raw = await startGateway(probed);
    const withoutGetStream = await measureIdleCost(raw, count, () => openRawSession(raw.url));
    return {
      sessions: count,
      with_get_stream: withGetStream,
      without_get_stream: withoutGetStream,
      bare_connection: await measureBareConnections(count),
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}

/** The reply's text; a failed call (`isError`) is an error, not a mismatched reply. */
function firstText(result: unknown): string {
  const { content, isError } = result as { content?: { type?: string; text?: string }[]; isError?: boolean };
  const text = content?.[0]?.type === 'text' ? (content[0].text ?? '') : JSON.stringify(result).slice(0, 200);
  if (isError === true) throw new Error(text.slice(0, 300));
  return text;
}

function empty(): LoadResult {
  return { calls: 0, elapsedMs: 0, errors: 0, mismatches: 0 };
}

function rounded(summary: LatencySummary): LatencySummary {
  return {
    ...summary,
    p50: round(summary.p50),
    p95: round(summary.p95),
    p99: round(summary.p99),
    mean: round(summary.mean),
  };
}
