/**
 * HTTP serving (SPEC §14): `execute_tool` → `echo` through `serve --http` against `echo` called
 * directly on the same fixture served over Streamable HTTP (test/fixtures/servers/http-server.mjs,
 * which is also the gateway's downstream), with the same client library (v2, 2025-era sessions)
 * on both sides and interleaved rounds. Reports the latency ratio, throughput ratios at 64 and 256
 * in flight over 1 and 16 sessions, an integrity run at 1,000 in flight, and the gateway's RSS per
 * idle session with 1,000 sessions open. Every call echoes a distinct text, so a reply delivered
 * to the wrong request counts as a mismatch.
 */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startHttpFixture } from '../../test/fixtures/spawn-http-fixture.ts';
import { spawnHttpGateway } from '../../test/support/http-gateway.ts';
import { runInFlight, type LoadResult } from '../lib/load.ts';
import { readProcessMemory } from '../lib/proc-stats.ts';
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
  direct_calls_per_s: number;
  ratio: number;
  errors: number;
  mismatches: number;
}

export interface HttpBenchResult {
  client: string;
  latency: { gateway_ms: LatencySummary; direct_ms: LatencySummary; ratio: { p50: number; p99: number } };
  throughput: HttpThroughput[];
  integrity: { in_flight: number; calls: number; errors: number; mismatches: number; first_error?: string };
  idle_sessions: { sessions: number; rss_before_mb: number; rss_after_mb: number; kb_per_session: number };
}

type Call = (text: string) => Promise<string>;

interface Side {
  label: 'gateway' | 'direct';
  clients: Client[];
  call(client: Client, text: string): Promise<string>;
}

let sequence = 0;

export async function measureHttp(
  plan: HttpBenchPlan,
  progress: (message: string) => void,
): Promise<HttpBenchResult> {
  const fixture = await startHttpFixture();
  const gateway = await spawnHttpGateway({
    servers: { fx: { url: fixture.url } },
    rules: { agents: { default: { allow: { servers: ['*'] } } } },
    env: { GATEWAY_LOG_LEVEL: 'info' },
  }).catch(async (error: unknown) => {
    await fixture.close();
    throw error;
  });
  const opened: Client[] = [];
  const connect = async (url: string) => {
    const client = new Client({ name: 'bench-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    opened.push(client);
    return client;
  };
  try {
    const maxSessions = Math.max(...plan.sessions);
    const gatewaySide: Side = {
      label: 'gateway',
      clients: await connectMany(gateway.url, maxSessions, connect),
      call: async (client, text) =>
        firstText(
          await client.callTool({
            name: 'execute_tool',
            arguments: { server: 'fx', tool: 'echo', args: { text } },
          }),
        ),
    };
    const directSide: Side = {
      label: 'direct',
      clients: await connectMany(fixture.url, maxSessions, connect),
      call: async (client, text) => firstText(await client.callTool({ name: 'echo', arguments: { text } })),
    };
    progress('http: latency');
    const latency = await measureLatency(gatewaySide, directSide, plan);
    const throughput: HttpThroughput[] = [];
    for (const sessions of plan.sessions) {
      for (const inFlight of plan.levels) {
        progress(`http: throughput at ${inFlight} in flight over ${sessions} session(s)`);
        throughput.push(await measureThroughput(gatewaySide, directSide, sessions, inFlight, plan));
      }
    }
    progress(`http: ${plan.integrityInFlight} in flight through the gateway`);
    const integrity = await load(gatewaySide, maxSessions, plan.integrityInFlight, plan.integrityCalls);
    progress(`http: ${plan.idleSessions} idle sessions`);
    const idle = await measureIdleSessions(gateway.url, gateway.pid, plan.idleSessions, connect);
    return {
      client: '@modelcontextprotocol/client (v2), 2025-era sessions, on both sides',
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
    await Promise.allSettled([gateway.close(), fixture.close()]);
  }
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
  gateway: Side,
  direct: Side,
  plan: HttpBenchPlan,
): Promise<HttpBenchResult['latency']> {
  const once =
    (side: Side): Call =>
    (text) =>
      side.call(side.clients[0]!, text);
  for (let i = 0; i < plan.warmup; i++) {
    await once(gateway)('warm-up');
    await once(direct)('warm-up');
  }
  const samples: Record<Side['label'], number[]> = { gateway: [], direct: [] };
  for (let roundIndex = 0; roundIndex < plan.rounds; roundIndex++) {
    for (const side of roundIndex % 2 === 0 ? [gateway, direct] : [direct, gateway]) {
      for (let i = 0; i < plan.callsPerRound; i++) {
        const started = performance.now();
        await once(side)('latency');
        samples[side.label].push(performance.now() - started);
      }
    }
  }
  const gatewayMs = summarize(samples.gateway);
  const directMs = summarize(samples.direct);
  return {
    gateway_ms: rounded(gatewayMs),
    direct_ms: rounded(directMs),
    ratio: { p50: ratio(gatewayMs.p50, directMs.p50), p99: ratio(gatewayMs.p99, directMs.p99) },
  };
}

async function measureThroughput(
  gateway: Side,
  direct: Side,
  sessions: number,
  inFlight: number,
  plan: HttpBenchPlan,
): Promise<HttpThroughput> {
  const totals = { gateway: empty(), direct: empty() };
  for (let roundIndex = 0; roundIndex < plan.rounds / 2; roundIndex++) {
    for (const side of roundIndex % 2 === 0 ? [gateway, direct] : [direct, gateway]) {
      const result = await load(side, sessions, inFlight, plan.callsPerLoadRound);
      const total = totals[side.label];
      total.calls += result.calls;
      total.elapsedMs += result.elapsedMs;
      total.errors += result.errors;
      total.mismatches += result.mismatches;
    }
  }
  const perSecond = (total: LoadResult) => round((total.calls * 1000) / total.elapsedMs, 0);
  return {
    sessions,
    in_flight: inFlight,
    gateway_calls_per_s: perSecond(totals.gateway),
    direct_calls_per_s: perSecond(totals.direct),
    ratio: ratio(perSecond(totals.gateway), perSecond(totals.direct)),
    errors: totals.gateway.errors + totals.direct.errors,
    mismatches: totals.gateway.mismatches + totals.direct.mismatches,
  };
}

/** `calls` echo calls spread round-robin over the first `sessions` clients, `inFlight` at a time. */
function load(side: Side, sessions: number, inFlight: number, calls: number): Promise<LoadResult> {
  const base = (sequence += calls);
  return runInFlight(
    async (index) => {
      const text = `call ${base + index}`;
      return (await side.call(side.clients[index % sessions]!, text)) === text;
    },
    calls,
    inFlight,
  );
}

async function measureIdleSessions(
  url: string,
  pid: number,
  count: number,
  connect: (url: string) => Promise<Client>,
): Promise<HttpBenchResult['idle_sessions']> {
  const before = await readProcessMemory(pid);
  const clients = await connectMany(url, count, connect);
  // Let the handshakes' garbage go before reading the resident set.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = await readProcessMemory(pid);
  await Promise.allSettled(clients.map((client) => client.close()));
  return {
    sessions: count,
    rss_before_mb: before.rssMb,
    rss_after_mb: after.rssMb,
    kb_per_session: round(((after.rssMb - before.rssMb) * 1024) / count, 1),
  };
}

function firstText(result: unknown): string {
  const content = (result as { content?: { type?: string; text?: string }[] }).content;
  return content?.[0]?.type === 'text' ? (content[0].text ?? '') : JSON.stringify(result).slice(0, 200);
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
