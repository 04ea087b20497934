/**
 * `npm run bench`: the gateway's cost against a direct call, and the context it saves (issue 4).
 * Every timing is a ratio against a direct call to the same fixture server, measured in the same
 * run with interleaved rounds, so the figures hold on a noisy machine. Prints a table and writes
 * `bench/results/latest.json`. See BENCHMARKS.md for the method.
 *
 *   node --import tsx bench/run.ts [--smoke] [--out file.json] [--only load,cold-start,…]
 *
 * `--smoke` runs every section with tiny counts (a few seconds); its figures mean nothing.
 * `--only` runs just the named sections (load, v1, cold-start, memory, soak, context, search), to iterate
 * on one figure: it prints those sections' JSON and writes a file only when `--out` is given.
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { bundleGateway } from './lib/bundle.ts';
import {
  connectStdio,
  fixtureEntry,
  fixtureLaunch,
  GATEWAY_MAIN,
  ROOT,
  startGateway,
  type ClientLibrary,
} from './lib/endpoints.ts';
import { directTarget, gatewayTarget } from './lib/load.ts';
import { FULL_PLAN, SMOKE_PLAN, type BenchPlan } from './lib/plan.ts';
import { readProcessMemory } from './lib/proc-stats.ts';
import { formatReport } from './lib/report.ts';
import type { BenchResult } from './lib/result.ts';
import { checkTargets } from './lib/targets.ts';
import { measureColdStart } from './sections/cold-start.ts';
import { measureContext } from './sections/context.ts';
import { measureSearch, SEARCH_PLANS } from './sections/search.ts';
import { HTTP_FULL_PLAN, HTTP_SMOKE_PLAN, measureHttp } from './sections/http.ts';
import { measureConfigured, measureSoak } from './sections/memory.ts';
import { measureOverhead, type OverheadResult } from './sections/overhead.ts';
import { measureThroughput, type ThroughputLevel } from './sections/throughput.ts';

// The SDK's stdio transports add one 'drain' listener per write that meets a full pipe; with
// 1000 calls in flight that is expected, not a leak, and the warnings would bury the table.
EventEmitter.defaultMaxListeners = 4096;

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
const plan: BenchPlan = values.smoke ? SMOKE_PLAN : FULL_PLAN;
const SECTIONS = ['load', 'v1', 'cold-start', 'memory', 'soak', 'context', 'search', 'http'] as const;
const httpPlan = values.smoke ? HTTP_SMOKE_PLAN : HTTP_FULL_PLAN;
type Section = (typeof SECTIONS)[number];
const only = values.only === undefined ? undefined : parseOnly(values.only);

function parseOnly(list: string): Set<Section> {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown section ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  }
  return new Set(names as Section[]);
}

const runStarted = performance.now();

function progress(message: string): void {
  const elapsed = ((performance.now() - runStarted) / 1000).toFixed(1);
  process.stderr.write(`[bench ${elapsed.padStart(5)} s] ${message}\n`);
}

interface LoadSections {
  overhead: OverheadResult;
  throughput: ThroughputLevel[];
  gatewayPeakMb: number;
  directPeakMb: number;
}

/** Overhead then throughput on one gateway and one direct server, with the given client library. */
async function loadSections(library: ClientLibrary, levels: number[], rounds: number): Promise<LoadSections> {
  const gateway = await startGateway({ servers: { fx: fixtureEntry() } }, library);
  const direct = await connectStdio(fixtureLaunch(), library).catch(async (error: unknown) => {
    await gateway.close();
    throw error;
  });
  try {
    const gatewaySide = gatewayTarget(gateway);
    const directSide = directTarget(direct);
    progress(`overhead (${library} client)`);
    const overhead = await measureOverhead(
      gatewaySide,
      directSide,
      { ...plan.overhead, rounds: library === 'v2' ? plan.overhead.rounds : plan.overhead.v1Rounds },
      library,
    );
    progress(`throughput at ${levels.join(', ')} in flight (${library} client)`);
    const throughput = await measureThroughput(gatewaySide, directSide, {
      ...plan.throughput,
      levels,
      rounds,
    });
    const [gatewayMemory, directMemory] = await Promise.all([
      readProcessMemory(gateway.pid),
      readProcessMemory(direct.pid),
    ]);
    return { overhead, throughput, gatewayPeakMb: gatewayMemory.peakMb, directPeakMb: directMemory.peakMb };
  } finally {
    await Promise.all([gateway.close(), direct.close()]);
  }
}

async function gitState(): Promise<{ commit: string | null; srcDirty: boolean | null }> {
  const git = (args: string[]) =>
    promisify(execFile)('git', args, { cwd: ROOT }).then((out) => out.stdout.trim());
  try {
    const [commit, status] = await Promise.all([
      git(['rev-parse', 'HEAD']),
      git(['status', '--porcelain', '--', 'src']),
    ]);
    return { commit, srcDirty: status !== '' };
  } catch {
    return { commit: null, srcDirty: null };
  }
}

async function measureColdStartSection(): Promise<BenchResult['cold_start']> {
  const bundle = plan.coldStart.bundle ? await bundleGateway() : undefined;
  try {
    return {
      ...(await measureColdStart(plan.coldStart, bundle?.entry)),
      ...(bundle && {
        bundle: { without_tokenizer_kb: bundle.withoutTokenizerKb, total_kb: bundle.totalKb },
      }),
    };
  } finally {
    await bundle?.remove();
  }
}

/** `--only`: the named sections' figures as JSON, with no table and no targets. */
async function runSections(sections: Set<Section>): Promise<void> {
  const partial: Record<string, unknown> = { mode: plan.mode, node: process.version };
  if (sections.has('load')) {
    const v2 = await loadSections('v2', plan.throughput.levels, plan.throughput.rounds);
    partial.overhead = {
      ratio: v2.overhead.ratio,
      gateway_ms: v2.overhead.gateway_ms,
      direct_ms: v2.overhead.direct_ms,
    };
    partial.throughput = v2.throughput.map((level) => ({ in_flight: level.in_flight, ratio: level.ratio }));
    partial.under_load = { gateway_peak_mb: v2.gatewayPeakMb, direct_fixture_peak_mb: v2.directPeakMb };
  }
  if (sections.has('v1')) partial.v1 = await loadSections('v1', [256], plan.throughput.v1Rounds);
  if (sections.has('cold-start')) {
    progress('cold start');
    partial.cold_start = await measureColdStartSection();
  }
  if (sections.has('memory')) {
    progress(`memory with 1 and ${plan.memory.servers} servers`);
    partial.configured = [await measureConfigured(1), await measureConfigured(plan.memory.servers)];
  }
  if (sections.has('soak')) {
    progress(`memory over ${plan.memory.soakCalls} calls`);
    partial.soak = await measureSoak(plan.memory);
  }
  if (sections.has('context')) partial.context = await measureContext(plan.context.servers);
  if (sections.has('search')) partial.search = await measureSearch(SEARCH_PLANS[plan.mode]);
  if (sections.has('http')) partial.http = await measureHttp(httpPlan, progress);
  const text = JSON.stringify(partial, null, 2) + '\n';
  if (values.out !== undefined) {
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, text);
  }
  process.stdout.write(text);
}

async function main(): Promise<void> {
  await access(GATEWAY_MAIN).catch(() => {
    throw new Error(`${GATEWAY_MAIN} is missing: run "npm run build" first (npm run bench does)`);
  });
  if (only) {
    await runSections(only);
    return;
  }
  const startedAt = new Date();
  const started = performance.now();
  const loadStart = loadavg()[0]!;

  const v2 = await loadSections('v2', plan.throughput.levels, plan.throughput.rounds);
  const v1 = await loadSections('v1', [256], plan.throughput.v1Rounds);

  progress('cold start');
  const coldStart = await measureColdStartSection();

  progress(`memory with 1 and ${plan.memory.servers} servers`);
  const configured = [await measureConfigured(1), await measureConfigured(plan.memory.servers)];
  progress(`memory over ${plan.memory.soakCalls} calls`);
  const soak = await measureSoak(plan.memory);

  progress('context');
  const context = await measureContext(plan.context.servers);
  const http = await measureHttp(httpPlan, progress);

  progress('search');
  const search = await measureSearch(SEARCH_PLANS[plan.mode]);

  const errors = v2.throughput.reduce((sum, level) => sum + level.gateway.errors + level.direct.errors, 0);
  const mismatches = v2.throughput.reduce(
    (sum, level) => sum + level.gateway.mismatches + level.direct.mismatches,
    0,
  );
  const many = configured.at(-1)!;
  const targets = checkTargets({
    p50Ratio: v2.overhead.ratio.p50,
    p99Ratio: v2.overhead.ratio.p99,
    throughputRatioAt256: v2.throughput.find((level) => level.in_flight === 256)?.ratio,
    loadErrors: errors + soak.errors,
    loadMismatches: mismatches + soak.mismatches,
    coldStartRatio: coldStart.ratio.list_servers,
    rssWithManyServersMb: many.rss_mb,
    manyServers: many.servers,
    gatewayPeakUnderLoadMb: v2.gatewayPeakMb,
    directPeakUnderLoadMb: v2.directPeakMb,
    soakGrowthMb: soak.growth_mb,
    soakCalls: soak.calls,
    gatewayToolsTokens: context.gateway_tools_list.tokens,
  });
  const git = await gitState();
  const cpuList = cpus();
  const result: BenchResult = {
    meta: {
      mode: plan.mode,
      started_at: startedAt.toISOString(),
      duration_s: Math.round((performance.now() - started) / 100) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpuList.length,
      cpu_model: cpuList[0]?.model.trim() ?? 'unknown',
      load_average: { start: round2(loadStart), end: round2(loadavg()[0]!) },
      git_commit: git.commit,
      src_dirty: git.srcDirty,
      gateway: {
        entry: 'dist/main.js',
        audit: 'on (GATEWAY_AUDIT_LOG=<temp file>)',
        log_level: 'warn',
        init_strategy: 'lazy',
      },
      client:
        '@modelcontextprotocol/client (v2) on both sides; v1_reference uses @modelcontextprotocol/sdk (v1)',
    },
    overhead: v2.overhead,
    throughput: { client: 'v2', levels: v2.throughput },
    v1_reference: { overhead: v1.overhead, throughput: v1.throughput },
    cold_start: coldStart,
    memory: {
      configured,
      under_load: {
        in_flight: Math.max(...plan.throughput.levels),
        gateway_peak_mb: v2.gatewayPeakMb,
        direct_fixture_peak_mb: v2.directPeakMb,
      },
      soak,
    },
    context,
    search,
    http,
    targets,
    all_targets_pass: targets.every((target) => target.pass),
  };
  const out = values.out ?? join(ROOT, 'bench', 'results', 'latest.json');
  await mkdir(dirname(out), { recursive: true });
  // The HTTP section (SPEC §14) rides along in the JSON; the table and targets are stdio's.
  await writeFile(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(formatReport(result));
  process.stdout.write(
    `\nHTTP, gateway ÷ direct (with a stdio downstream): p50 ${http.latency.ratio.p50} ` +
      `(${http.latency.ratio_stdio_downstream.p50}), p99 ${http.latency.ratio.p99} ` +
      `(${http.latency.ratio_stdio_downstream.p99}); throughput ` +
      http.throughput
        .map((t) => `${t.in_flight}×${t.sessions} ${t.ratio} (${t.ratio_stdio_downstream})`)
        .join(', ') +
      `; per idle session ${http.idle_sessions.with_get_stream.kb_per_session} KB with its GET stream, ` +
      `${http.idle_sessions.without_get_stream.kb_per_session} KB without ` +
      `(a bare held connection: ${http.idle_sessions.bare_connection.kb_per_session} KB)\n`,
  );
  progress(`wrote ${out}`);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
