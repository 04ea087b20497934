import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from './latency-histogram.ts';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactPercentile(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

const QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function assertAccurate(values: number[], label: string): void {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  const sorted = [...values].sort((a, b) => a - b);
  // The bound is α; the epsilon absorbs float rounding at bucket edges.
  const bound = histogram.relativeError + 1e-9;
  for (const q of QUANTILES) {
    const exact = exactPercentile(sorted, q);
    const estimate = histogram.percentile(q);
    const error = Math.abs(estimate - exact) / exact;
    assert.ok(error <= bound, `${label} q=${q}: estimate ${estimate} vs exact ${exact} (error ${error})`);
  }
}

describe('LatencyHistogram', () => {
  it('estimates percentiles of a uniform distribution within the stated relative error', () => {
    const next = random(1);
    assertAccurate(
      Array.from({ length: 50_000 }, () => 0.01 + next() * 1000),
      'uniform',
    );
  });

  it('estimates percentiles of an exponential distribution within the stated relative error', () => {
    const next = random(2);
    assertAccurate(
      Array.from({ length: 50_000 }, () => -Math.log(1 - next()) * 20 + 0.001),
      'exponential',
    );
  });

  it('estimates percentiles of a heavy-tailed log-normal distribution within the stated relative error', () => {
    const next = random(3);
    const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    assertAccurate(
      Array.from({ length: 50_000 }, () => Math.exp(1 + 2.5 * normal())),
      'log-normal',
    );
  });

  it('estimates percentiles of the integers 1 to 10000 within the stated relative error', () => {
    assertAccurate(
      Array.from({ length: 10_000 }, (_, i) => i + 1),
      'integers',
    );
  });

  it('reports min, max, count and sum exactly', () => {
    const histogram = new LatencyHistogram();
    for (const value of [3, 0.5, 120, 7.25]) histogram.record(value);
    assert.equal(histogram.count, 4);
    assert.equal(histogram.sum, 130.75);
    assert.equal(histogram.min, 0.5);
    assert.equal(histogram.max, 120);
    assert.equal(histogram.percentile(1), 120);
    assert.equal(histogram.percentile(0), 0.5);
  });

  it('returns the single observed value exactly', () => {
    const histogram = new LatencyHistogram();
    histogram.record(42.4242);
    assert.equal(histogram.percentile(0.5), 42.4242);
    assert.equal(histogram.percentile(0.99), 42.4242);
  });

  it('reports zeros while empty', () => {
    const histogram = new LatencyHistogram();
    assert.equal(histogram.count, 0);
    assert.equal(histogram.min, 0);
    assert.equal(histogram.max, 0);
    assert.equal(histogram.percentile(0.5), 0);
  });

  it('counts negative, NaN and infinite latencies as zero', () => {
    const histogram = new LatencyHistogram();
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) histogram.record(value);
    assert.equal(histogram.count, 3);
    assert.equal(histogram.sum, 0);
    assert.equal(histogram.max, 0);
    assert.equal(histogram.percentile(0.99), 0);
  });

  it('clamps latencies beyond ten minutes into the last bucket while keeping the exact max', () => {
    const histogram = new LatencyHistogram();
    histogram.record(5);
    histogram.record(3_600_000);
    assert.equal(histogram.max, 3_600_000);
    assert.equal(histogram.percentile(1), 3_600_000);
  });

  it('answers several quantiles in any order', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 1000; i += 1) histogram.record(i);
    const [p99, p50] = histogram.percentiles([0.99, 0.5]);
    assert.equal(p99, histogram.percentile(0.99));
    assert.equal(p50, histogram.percentile(0.5));
    assert.ok(p99 > p50);
  });

  it('keeps a fixed number of buckets however many latencies it records', () => {
    const histogram = new LatencyHistogram();
    const buckets = histogram.bucketCount;
    assert.ok(buckets > 100 && buckets < 1000, `${buckets} buckets`);
    const next = random(4);
    for (let i = 0; i < 1_000_000; i += 1) histogram.record(next() * 10_000 * next());
    assert.equal(histogram.bucketCount, buckets);
    assert.equal(histogram.count, 1_000_000);
  });

  it('rejects an impossible configuration', () => {
    assert.throws(() => new LatencyHistogram({ relativeError: 0 }), RangeError);
    assert.throws(() => new LatencyHistogram({ minMs: 10, maxMs: 1 }), RangeError);
  });
});
