/**
 * A fixed-size latency histogram (SPEC §11: memory must not grow with call count).
 *
 * Buckets grow geometrically by γ = (1 + α) / (1 − α); reporting 2·upper / (γ + 1) for a bucket
 * (upper / γ, upper] keeps every percentile within relative error α of the value actually
 * observed at that rank (the DDSketch construction). With the defaults (α = 2 %, 0.001 ms …
 * 10 min) that is about 510 buckets, 4 KiB per histogram, whatever the number of observations.
 * Values at or below `minMs` share bucket 0; values above `maxMs` share the last bucket (the
 * exact `max` is still tracked).
 */

export interface LatencyHistogramOptions {
  /** Smallest latency resolved with relative error `relativeError` (default 0.001 ms). */
  minMs?: number;
  /** Largest latency resolved (default 600 000 ms, 10 minutes). */
  maxMs?: number;
  /** Bound on a percentile's relative error, 0 < α < 1 (default 0.02). */
  relativeError?: number;
}

const DEFAULT_MIN_MS = 0.001;
const DEFAULT_MAX_MS = 600_000;
const DEFAULT_RELATIVE_ERROR = 0.02;

export class LatencyHistogram {
  readonly relativeError: number;
  readonly #minMs: number;
  readonly #gamma: number;
  readonly #inverseLogGamma: number;
  /** Float64 rather than Uint32: exact counts up to 2^53, no overflow on a long-running gateway. */
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(options: LatencyHistogramOptions = {}) {
    const minMs = options.minMs ?? DEFAULT_MIN_MS;
    const maxMs = options.maxMs ?? DEFAULT_MAX_MS;
    const alpha = options.relativeError ?? DEFAULT_RELATIVE_ERROR;
    if (!(minMs > 0 && maxMs > minMs)) throw new RangeError('histogram needs 0 < minMs < maxMs');
    if (!(alpha > 0 && alpha < 1)) throw new RangeError('histogram relativeError must be in (0, 1)');
    this.relativeError = alpha;
    this.#minMs = minMs;
    this.#gamma = (1 + alpha) / (1 - alpha);
    this.#inverseLogGamma = 1 / Math.log(this.#gamma);
    // Bucket 0 holds (−∞, minMs]; bucket i ≥ 1 holds (minMs·γ^(i−1), minMs·γ^i].
    const buckets = 1 + Math.ceil(Math.log(maxMs / minMs) * this.#inverseLogGamma);
    this.#counts = new Float64Array(buckets);
  }

  /** The fixed number of buckets; it never changes after construction. */
  get bucketCount(): number {
    return this.#counts.length;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  /** 0 while empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** 0 while empty. */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  /** O(1). Negative, NaN and infinite inputs (clock bugs) count as 0 rather than poison sum. */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const bucket = this.#bucketOf(value);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count += 1;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /** The nearest-rank `q`-quantile, `q` in [0, 1]; 0 while empty. */
  percentile(q: number): number {
    return this.percentiles([q])[0] ?? 0;
  }

  /** Several quantiles, in the order asked, from one pass over the buckets. */
  percentiles(qs: readonly number[]): number[] {
    const results = qs.map(() => 0);
    if (this.#count === 0) return results;
    const count = this.#count;
    const ranked = qs
      .map((q, index) => ({ index, rank: Math.max(1, Math.ceil((q > 0 ? Math.min(q, 1) : 0) * count)) }))
      .sort((a, b) => a.rank - b.rank);
    let bucket = 0;
    let cumulative = this.#counts[0] ?? 0;
    for (const { index, rank } of ranked) {
      // The extreme ranks are known exactly; no need to estimate them from a bucket.
      if (rank === 1 || rank === count) {
        results[index] = rank === count ? this.#max : this.#min;
        continue;
      }
      while (cumulative < rank && bucket < this.#counts.length - 1) {
        bucket += 1;
        cumulative += this.#counts[bucket] ?? 0;
      }
      results[index] = this.#clamp(this.#representative(bucket));
    }
    return results;
  }

  #bucketOf(value: number): number {
    if (value <= this.#minMs) return 0;
    const index = Math.ceil(Math.log(value / this.#minMs) * this.#inverseLogGamma);
    // Guards the float rounding at both ends of the range.
    return Math.min(Math.max(index, 1), this.#counts.length - 1);
  }

  #representative(bucket: number): number {
    if (bucket === 0) return this.#minMs;
    const upper = this.#minMs * Math.pow(this.#gamma, bucket);
    return (2 * upper) / (this.#gamma + 1);
  }

  /** Never report outside what was observed: exact for a single value, the smallest and the largest. */
  #clamp(value: number): number {
    return Math.min(this.#max, Math.max(this.#min, value));
  }
}
