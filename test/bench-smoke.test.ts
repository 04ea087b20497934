/**
 * Keeps `npm run bench` working: runs the benchmark with tiny counts against the built gateway
 * and checks the shape of its JSON and that no call failed or got another call's reply.
 * Never asserts on timings or memory figures (SPEC: `npm test` must not depend on them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from '../bench/lib/result.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

describe('the benchmark in smoke mode', () => {
  it('measures every section and reports zero errors and zero mismatched replies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    try {
      const out = join(dir, 'result.json');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), '--smoke', '--out', out],
        { cwd: ROOT, timeout: 120_000 },
      );
      const result = JSON.parse(await readFile(out, 'utf8')) as BenchResult;

      assert.equal(result.meta.mode, 'smoke');
      assert.equal(result.meta.gateway.log_level, 'warn');

      for (const overhead of [result.overhead, result.v1_reference.overhead]) {
        assert.equal(overhead.errors, 0);
        assert.ok(overhead.gateway_ms.samples > 0 && overhead.direct_ms.samples > 0);
        for (const key of ['p50', 'p95', 'p99'] as const)
          assert.ok(Number.isFinite(overhead.ratio[key]), key);
      }

      assert.deepEqual(
        result.throughput.levels.map((level) => level.in_flight),
        [1, 64, 256, 1000],
      );
      for (const level of [...result.throughput.levels, ...result.v1_reference.throughput]) {
        for (const side of [level.gateway, level.direct]) {
          assert.equal(side.errors, 0, side.first_error);
          assert.equal(side.mismatches, 0);
          assert.ok(side.calls >= level.in_flight);
        }
      }

      for (const variant of [
        result.cold_start.direct_fixture,
        result.cold_start.gateway_list_servers,
        result.cold_start.gateway_first_execute_tool,
      ]) {
        assert.equal(variant.samples_ms.length, result.cold_start.repetitions);
      }
      assert.ok(Number.isFinite(result.cold_start.ratio.list_servers));

      assert.deepEqual(
        result.memory.configured.map((entry) => entry.tool_lists_cached),
        result.memory.configured.map((entry) => entry.servers),
      );
      assert.ok(result.memory.under_load.gateway_peak_mb > 0);
      assert.ok(result.memory.under_load.direct_fixture_peak_mb > 0);
      assert.equal(result.memory.soak.errors, 0);
      assert.equal(result.memory.soak.mismatches, 0);
      assert.ok(result.memory.soak.samples.length >= 2);

      assert.equal(result.context.gateway_tools_list.tools, 4);
      assert.equal(result.context.gateway_tools_list_debug.tools, 5);
      assert.ok(result.context.downstream.length > 0);
      assert.ok(result.context.discovery.get_server_tools_filtered_tokens > 0);

      const { search } = result;
      for (const part of [search.labelled.tuned, search.labelled.held_out]) {
        for (const figures of [part.ours, part.plain_bm25]) {
          assert.ok(figures.queries > 0);
          for (const key of ['recall_at_1', 'recall_at_5', 'recall_at_10', 'mrr'] as const) {
            assert.ok(Number.isFinite(figures[key]), key);
          }
        }
      }
      assert.ok(Number.isFinite(search.latency.search_ms.p50) && Number.isFinite(search.latency.build_ms));
      assert.ok(search.discovery.cases.every((entry) => entry.gateway_discovery > 0 && entry.direct > 0));
      if ('step_level' in search.livemcpbench) {
        assert.ok(Number.isFinite(search.livemcpbench.whole_task.ours.recall_at_5));
      }
      assert.match(stdout, /Search quality/);

      const ids = result.targets.map((target) => target.id);
      assert.deepEqual(ids, [
        'latency_p50_ratio',
        'latency_p99_ratio',
        'throughput_ratio_256',
        'load_errors',
        'load_mismatches',
        'cold_start_ratio',
        'rss_many_servers',
        'peak_rss_under_load',
        'rss_growth_soak',
        'gateway_tools_tokens',
      ]);
      for (const target of result.targets) assert.equal(typeof target.pass, 'boolean');

      const { http } = result;
      assert.ok(
        Number.isFinite(http.latency.ratio.p50) && Number.isFinite(http.latency.ratio_stdio_downstream.p50),
      );
      for (const level of http.throughput) {
        assert.equal(level.errors, 0);
        assert.equal(level.mismatches, 0);
        assert.ok(Number.isFinite(level.ratio) && level.ratio > 0, 'HTTP throughput ratio');
      }
      assert.equal(http.integrity.errors, 0, http.integrity.first_error);
      assert.equal(http.integrity.mismatches, 0);
      const idle = http.idle_sessions;
      for (const cost of [idle.with_get_stream, idle.without_get_stream, idle.bare_connection]) {
        assert.ok(Number.isFinite(cost.kb_per_session) && Number.isFinite(cost.heap_kb_per_session));
      }
      assert.match(stdout, /Targets/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
