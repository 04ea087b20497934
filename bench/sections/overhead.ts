/**
 * Overhead: sequential `execute_tool` → `echo` through the gateway against `echo` called directly
 * on the same fixture with the same client library. Rounds alternate A/B then B/A so that drift
 * on a noisy machine (CPU frequency, neighbours) hits both sides alike; warm-up is discarded.
 */
import type { EchoTarget } from '../lib/load.ts';
import { childPids, readCpuMs } from '../lib/proc-stats.ts';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats.ts';

export interface OverheadPlan {
  warmup: number;
  rounds: number;
  callsPerRound: number;
}

export interface OverheadResult {
  client: 'v2' | 'v1';
  warmup_calls: number;
  rounds: number;
  calls_per_round: number;
  gateway_ms: LatencySummary;
  direct_ms: LatencySummary;
  ratio: { p50: number; p95: number; p99: number; mean: number };
  /**
   * CPU time (user + system) each process spent per measured call, µs: where a call's time goes.
   * From /proc/<pid>/stat, 10 ms resolution over the whole measurement.
   */
  cpu_us_per_call: {
    gateway_process: number;
    server_behind_gateway: number;
    client_via_gateway: number;
    direct_server: number;
    client_direct: number;
  };
  errors: number;
}

export async function measureOverhead(
  gateway: EchoTarget,
  direct: EchoTarget,
  plan: OverheadPlan,
  client: 'v2' | 'v1',
): Promise<OverheadResult> {
  const text = 'hello from the benchmark';
  for (let i = 0; i < plan.warmup; i++) {
    await gateway.echo(text);
    await direct.echo(text);
  }
  const samples: Record<EchoTarget['label'], number[]> = { gateway: [], direct: [] };
  // The server behind the gateway was started lazily by the warm-up.
  const behind = (await childPids(gateway.pid))[0];
  const cpu = { gateway: 0, behind: 0, direct: 0, clientGateway: 0, clientDirect: 0 };
  let errors = 0;
  for (let roundIndex = 0; roundIndex < plan.rounds; roundIndex++) {
    const order = roundIndex % 2 === 0 ? [gateway, direct] : [direct, gateway];
    for (const target of order) {
      const into = samples[target.label];
      const pids = target.label === 'gateway' ? [target.pid, behind] : [target.pid];
      const before = await Promise.all(
        pids.map((pid) => (pid === undefined ? Promise.resolve(0) : readCpuMs(pid))),
      );
      const clientBefore = process.cpuUsage();
      for (let i = 0; i < plan.callsPerRound; i++) {
        const started = performance.now();
        try {
          await target.echo(text);
        } catch {
          errors += 1;
          continue;
        }
        into.push(performance.now() - started);
      }
      const clientUsage = process.cpuUsage(clientBefore);
      const clientMs = (clientUsage.user + clientUsage.system) / 1000;
      const after = await Promise.all(
        pids.map((pid) => (pid === undefined ? Promise.resolve(0) : readCpuMs(pid))),
      );
      if (target.label === 'gateway') {
        cpu.gateway += after[0]! - before[0]!;
        cpu.behind += after[1]! - before[1]!;
        cpu.clientGateway += clientMs;
      } else {
        cpu.direct += after[0]! - before[0]!;
        cpu.clientDirect += clientMs;
      }
    }
  }
  const perCall = (ms: number) => Math.round((ms * 1000) / (plan.rounds * plan.callsPerRound));
  const gatewayMs = summarize(samples.gateway);
  const directMs = summarize(samples.direct);
  return {
    client,
    warmup_calls: plan.warmup,
    rounds: plan.rounds,
    calls_per_round: plan.callsPerRound,
    gateway_ms: rounded(gatewayMs),
    direct_ms: rounded(directMs),
    ratio: {
      p50: ratio(gatewayMs.p50, directMs.p50),
      p95: ratio(gatewayMs.p95, directMs.p95),
      p99: ratio(gatewayMs.p99, directMs.p99),
      mean: ratio(gatewayMs.mean, directMs.mean),
    },
    cpu_us_per_call: {
      gateway_process: perCall(cpu.gateway),
      server_behind_gateway: perCall(cpu.behind),
      client_via_gateway: perCall(cpu.clientGateway),
      direct_server: perCall(cpu.direct),
      client_direct: perCall(cpu.clientDirect),
    },
    errors,
  };
}

function rounded(summary: LatencySummary): LatencySummary {
  return {
    samples: summary.samples,
    p50: round(summary.p50),
    p95: round(summary.p95),
    p99: round(summary.p99),
    mean: round(summary.mean),
  };
}
