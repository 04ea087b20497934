/** How much work each section does: the full run (`npm run bench`) and the smoke run (tests). */

export interface BenchPlan {
  mode: 'full' | 'smoke';
  overhead: { warmup: number; rounds: number; callsPerRound: number; v1Rounds: number };
  throughput: {
    levels: number[];
    rounds: number;
    v1Rounds: number;
    /** Each round runs max(minCallsPerRound, roundsOfInFlight × in-flight) calls. */
    minCallsPerRound: number;
    roundsOfInFlight: number;
    /** One unmeasured round per side and level before measuring. */
    warmupRound: boolean;
  };
  coldStart: { repetitions: number; warmupPass: boolean; bundle: boolean };
  memory: {
    servers: number;
    soakCalls: number;
    soakWarmup: number;
    soakInFlight: number;
    soakSamples: number;
  };
  /** Catalog servers to list (see sections/context.ts). */
  context: { servers: string[] };
}

export const FULL_PLAN: BenchPlan = {
  mode: 'full',
  overhead: { warmup: 500, rounds: 12, callsPerRound: 200, v1Rounds: 4 },
  throughput: {
    levels: [1, 64, 256, 1000],
    rounds: 4,
    v1Rounds: 2,
    minCallsPerRound: 1000,
    roundsOfInFlight: 4,
    warmupRound: true,
  },
  coldStart: { repetitions: 5, warmupPass: false, bundle: true },
  // V8 grows the gateway's heap to its steady size over the first ~50k calls at 256 in flight
  // (a 480k-call run plateaus from 80k on, see BENCHMARKS.md): growth is measured after that.
  memory: { servers: 20, soakCalls: 100_000, soakWarmup: 50_000, soakInFlight: 256, soakSamples: 10 },
  context: { servers: ['memory', 'everything', 'filesystem', 'playwright', 'notion'] },
};

export const SMOKE_PLAN: BenchPlan = {
  mode: 'smoke',
  overhead: { warmup: 10, rounds: 2, callsPerRound: 10, v1Rounds: 1 },
  throughput: {
    levels: [1, 64, 256, 1000],
    rounds: 1,
    v1Rounds: 1,
    minCallsPerRound: 20,
    roundsOfInFlight: 1,
    warmupRound: false,
  },
  coldStart: { repetitions: 1, warmupPass: false, bundle: false },
  memory: { servers: 2, soakCalls: 1000, soakWarmup: 200, soakInFlight: 64, soakSamples: 2 },
  context: { servers: ['filesystem'] },
};
