/** The shape of `bench/results/latest.json`. */
import type { ColdStartResult } from '../sections/cold-start.ts';
import type { ContextResult } from '../sections/context.ts';
import type { ConfiguredMemory, SoakResult } from '../sections/memory.ts';
import type { OverheadResult } from '../sections/overhead.ts';
import type { HttpBenchResult } from '../sections/http.ts';
import type { SearchResult } from '../sections/search.ts';
import type { ThroughputLevel } from '../sections/throughput.ts';
import type { TargetCheck } from './targets.ts';

export interface BenchResult {
  meta: {
    mode: 'full' | 'smoke';
    started_at: string;
    duration_s: number;
    node: string;
    platform: string;
    cpus: number;
    cpu_model: string;
    /** 1-minute load average before and after the run: how busy the machine was. */
    load_average: { start: number; end: number };
    git_commit: string | null;
    /** Uncommitted changes under src/ at the time of the run. */
    src_dirty: boolean | null;
    gateway: { entry: string; audit: string; log_level: string; init_strategy: string };
    client: string;
  };
  overhead: OverheadResult;
  throughput: { client: 'v2'; levels: ThroughputLevel[] };
  /** The same measurements with the v1 SDK client on both sides, for reference only. */
  v1_reference: { overhead: OverheadResult; throughput: ThroughputLevel[] };
  cold_start: ColdStartResult & { bundle?: { without_tokenizer_kb: number; total_kb: number } };
  memory: {
    configured: ConfiguredMemory[];
    under_load: { in_flight: number; gateway_peak_mb: number; direct_fixture_peak_mb: number };
    soak: SoakResult;
  };
  context: ContextResult;
  search: SearchResult;
  /** `serve --http` against the same fixture served directly over Streamable HTTP. */
  http: HttpBenchResult;
  targets: TargetCheck[];
  all_targets_pass: boolean;
}
