/**
 * Memory of the gateway process itself (children excluded: /proc/<pid>/status of the gateway's
 * pid only). Three views: idle with 1 and with N configured servers whose tool lists are cached,
 * the peak under the 1000-in-flight load against the direct fixture's own peak (read by the
 * caller after the throughput section), and RSS over a long run of calls (must stay flat:
 * metrics and caches are bounded).
 */
import { fixtureEntry, startGateway, type ToolResult } from '../lib/endpoints.ts';
import { gatewayTarget, runInFlight } from '../lib/load.ts';
import { readProcessMemory, type ProcessMemory } from '../lib/proc-stats.ts';
import { round } from '../lib/stats.ts';

export interface ConfiguredMemory {
  servers: number;
  /** Servers whose tool list the gateway holds (each was asked for its tools and called once). */
  tool_lists_cached: number;
  /** RSS once every server was called through execute_tool (tool lists cached, no tokenizer yet). */
  rss_before_get_server_tools_mb: number;
  /** RSS after get_server_tools on every server too (the o200k tokenizer loaded). */
  rss_mb: number;
  peak_mb: number;
}

export interface SoakResult {
  calls: number;
  warmup_calls: number;
  in_flight: number;
  errors: number;
  mismatches: number;
  /** RSS after the warm-up and after each further slice of calls. */
  samples: { calls: number; rss_mb: number }[];
  start_rss_mb: number;
  end_rss_mb: number;
  /**
   * Lowest RSS of the second half of the samples minus lowest of the first half. RSS swings with
   * the garbage collector's timing; its lower envelope is what a leak would raise.
   */
  growth_mb: number;
  peak_mb: number;
}

/** Gateway RSS with `count` configured fixture servers, all connected and their tools listed. */
export async function measureConfigured(count: number): Promise<ConfiguredMemory> {
  const servers = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`s${i + 1}`, fixtureEntry(['--name', `s${i + 1}`])]),
  );
  const gateway = await startGateway({ servers });
  try {
    const names = Object.keys(servers);
    // A few servers at a time keeps the child start-ups from swamping a 2-core machine.
    const onEach = async (call: (server: string) => Promise<ToolResult>) => {
      for (let i = 0; i < names.length; i += 4) {
        await Promise.all(
          names.slice(i, i + 4).map(async (server) => {
            const result = await call(server);
            if (result.isError) throw new Error(`server ${server} failed: ${JSON.stringify(result)}`);
          }),
        );
      }
    };
    // execute_tool connects each server and caches its tool list (to validate arguments)...
    await onEach((server) => gateway.callTool('execute_tool', { server, tool: 'echo', args: { text: 'x' } }));
    const beforeTokenizer = await readProcessMemory(gateway.pid);
    // ...and get_server_tools, what an agent calls first, also loads the o200k tokenizer.
    await onEach((server) => gateway.callTool('get_server_tools', { server }));
    const memory = await readProcessMemory(gateway.pid);
    return {
      servers: count,
      tool_lists_cached: names.length,
      rss_before_get_server_tools_mb: beforeTokenizer.rssMb,
      rss_mb: memory.rssMb,
      peak_mb: memory.peakMb,
    };
  } finally {
    await gateway.close();
  }
}

export interface SoakPlan {
  soakCalls: number;
  soakWarmup: number;
  soakInFlight: number;
  soakSamples: number;
}

/** RSS across `soakCalls` calls after a warm-up, on a fresh gateway. */
export async function measureSoak(plan: SoakPlan): Promise<SoakResult> {
  const gateway = await startGateway({ servers: { fx: fixtureEntry() } });
  try {
    const target = gatewayTarget(gateway);
    let n = 1;
    let errors = 0;
    let mismatches = 0;
    const run = async (calls: number) => {
      const base = n;
      n += calls;
      const result = await runInFlight((index) => target.echoN(base + index), calls, plan.soakInFlight);
      errors += result.errors;
      mismatches += result.mismatches;
    };
    await run(plan.soakWarmup);
    const samples: { calls: number; rss_mb: number }[] = [];
    const sample = async (calls: number): Promise<ProcessMemory> => {
      const memory = await readProcessMemory(gateway.pid);
      samples.push({ calls, rss_mb: memory.rssMb });
      return memory;
    };
    await sample(0);
    const slice = Math.ceil(plan.soakCalls / plan.soakSamples);
    let done = 0;
    let last: ProcessMemory | undefined;
    while (done < plan.soakCalls) {
      const calls = Math.min(slice, plan.soakCalls - done);
      await run(calls);
      done += calls;
      last = await sample(done);
    }
    const rss = samples.map((entry) => entry.rss_mb);
    const half = Math.ceil(rss.length / 2);
    return {
      calls: plan.soakCalls,
      warmup_calls: plan.soakWarmup,
      in_flight: plan.soakInFlight,
      errors,
      mismatches,
      samples,
      start_rss_mb: rss[0]!,
      end_rss_mb: rss.at(-1)!,
      growth_mb: round(Math.min(...rss.slice(half)) - Math.min(...rss.slice(0, half)), 1),
      peak_mb: last?.peakMb ?? Number.NaN,
    };
  } finally {
    await gateway.close();
  }
}
