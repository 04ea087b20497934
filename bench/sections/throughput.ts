/**
 * Throughput and integrity: a fixed number of `echo_n` calls kept in flight, through the gateway
 * and directly, in alternating rounds. Every call carries a distinct `n`, and a reply counts as
 * a mismatch unless it carries exactly its own request's `n` (a mixed-up response id would show).
 */
import { runInFlight, type EchoTarget, type LoadResult } from '../lib/load.ts';
import { ratio } from '../lib/stats.ts';

export interface ThroughputPlan {
  levels: number[];
  rounds: number;
  minCallsPerRound: number;
  roundsOfInFlight: number;
  warmupRound: boolean;
}

export interface SideResult {
  calls: number;
  calls_per_s: number;
  errors: number;
  mismatches: number;
  first_error?: string;
}

export interface ThroughputLevel {
  in_flight: number;
  calls_per_round: number;
  rounds: number;
  gateway: SideResult;
  direct: SideResult;
  /** gateway calls/s ÷ direct calls/s */
  ratio: number;
}

/** Distinct across the whole run, so no two calls ever share an `n`. */
let nextN = 1;

export async function measureThroughput(
  gateway: EchoTarget,
  direct: EchoTarget,
  plan: ThroughputPlan,
): Promise<ThroughputLevel[]> {
  const levels: ThroughputLevel[] = [];
  for (const inFlight of plan.levels) {
    const perRound = Math.max(plan.minCallsPerRound, plan.roundsOfInFlight * inFlight);
    if (plan.warmupRound) {
      // One short unmeasured round per side lets both reach steady state at this level.
      await load(gateway, Math.min(perRound, Math.max(inFlight, 200)), inFlight);
      await load(direct, Math.min(perRound, Math.max(inFlight, 200)), inFlight);
    }
    const totals = { gateway: emptyTotal(), direct: emptyTotal() };
    for (let roundIndex = 0; roundIndex < plan.rounds; roundIndex++) {
      const order = roundIndex % 2 === 0 ? [gateway, direct] : [direct, gateway];
      for (const target of order) add(totals[target.label], await load(target, perRound, inFlight));
    }
    const gatewaySide = side(totals.gateway);
    const directSide = side(totals.direct);
    levels.push({
      in_flight: inFlight,
      calls_per_round: perRound,
      rounds: plan.rounds,
      gateway: gatewaySide,
      direct: directSide,
      ratio: ratio(gatewaySide.calls_per_s, directSide.calls_per_s),
    });
  }
  return levels;
}

function load(target: EchoTarget, calls: number, inFlight: number): Promise<LoadResult> {
  const base = nextN;
  nextN += calls;
  return runInFlight((index) => target.echoN(base + index), calls, inFlight);
}

function emptyTotal(): LoadResult {
  return { calls: 0, elapsedMs: 0, errors: 0, mismatches: 0 };
}

function add(total: LoadResult, result: LoadResult): void {
  total.calls += result.calls;
  total.elapsedMs += result.elapsedMs;
  total.errors += result.errors;
  total.mismatches += result.mismatches;
  total.firstError ??= result.firstError;
}

function side(total: LoadResult): SideResult {
  return {
    calls: total.calls,
    calls_per_s: Math.round((total.calls / total.elapsedMs) * 1000),
    errors: total.errors,
    mismatches: total.mismatches,
    ...(total.firstError !== undefined && { first_error: total.firstError }),
  };
}
