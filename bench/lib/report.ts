/** The table `npm run bench` prints: every figure next to its direct reference and ratio. */
import type { BenchResult } from './result.ts';

type Row = (string | number)[];

function table(title: string, header: Row, rows: Row[]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    `\n${title}`,
    line(cells[0]!),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

const ms = (value: number) => value.toFixed(3);
const x = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}x`);

export function formatReport(result: BenchResult): string {
  const { meta, overhead, throughput, v1_reference: v1, cold_start: cold, memory, context } = result;
  const parts: string[] = [
    `agent-mcp-gateway benchmark (${meta.mode}) — ${meta.started_at}, node ${meta.node}, ${meta.cpus} × ${meta.cpu_model}, ` +
      `load ${meta.load_average.start} → ${meta.load_average.end}, ${meta.duration_s} s`,
  ];
  parts.push(
    table(
      `Overhead: sequential echo, ${overhead.rounds} interleaved rounds × ${overhead.calls_per_round} calls (ms)`,
      ['client', 'side', 'p50', 'p95', 'p99', 'mean'],
      [overhead, v1.overhead].flatMap((run) => [
        [
          run.client,
          'gateway',
          ms(run.gateway_ms.p50),
          ms(run.gateway_ms.p95),
          ms(run.gateway_ms.p99),
          ms(run.gateway_ms.mean),
        ],
        [
          run.client,
          'direct',
          ms(run.direct_ms.p50),
          ms(run.direct_ms.p95),
          ms(run.direct_ms.p99),
          ms(run.direct_ms.mean),
        ],
        [run.client, 'ratio', x(run.ratio.p50), x(run.ratio.p95), x(run.ratio.p99), x(run.ratio.mean)],
      ]),
    ),
  );
  parts.push(
    table(
      'Throughput and integrity (echo_n, distinct n per call)',
      ['client', 'in flight', 'gateway calls/s', 'direct calls/s', 'ratio', 'errors', 'mismatches'],
      [
        ...throughput.levels.map((level) => ['v2', ...throughputRow(level)]),
        ...v1.throughput.map((level) => ['v1', ...throughputRow(level)]),
      ],
    ),
  );
  const coldRows: Row[] = [
    [
      'bare SDK server (fixture) → first call',
      cold.direct_fixture.connect_ms,
      cold.direct_fixture.first_call_ms,
      x(1),
    ],
    [
      'gateway → first list_servers',
      cold.gateway_list_servers.connect_ms,
      cold.gateway_list_servers.first_call_ms,
      x(cold.ratio.list_servers),
    ],
    [
      'gateway → first execute_tool (lazy start)',
      cold.gateway_first_execute_tool.connect_ms,
      cold.gateway_first_execute_tool.first_call_ms,
      x(cold.ratio.first_execute_tool),
    ],
  ];
  if (cold.bundled_gateway_list_servers) {
    coldRows.push([
      `esbuild bundle (${cold.bundle?.without_tokenizer_kb ?? '?'} KB) → first list_servers`,
      cold.bundled_gateway_list_servers.connect_ms,
      cold.bundled_gateway_list_servers.first_call_ms,
      x(cold.ratio.bundled_list_servers),
    ]);
  }
  coldRows.push(['node -e "" (floor)', '-', cold.node_floor_ms, '-']);
  parts.push(
    table(
      `Cold start: median of ${cold.repetitions} (ms)`,
      ['spawn →', 'initialized', 'first answer', 'ratio'],
      coldRows,
    ),
  );
  parts.push(
    table(
      'Memory: gateway process only (children excluded)',
      ['case', 'RSS MB', 'peak MB', 'reference'],
      [
        ...memory.configured.map((entry) => [
          `${entry.servers} server(s), ${entry.tool_lists_cached} tool lists cached`,
          entry.rss_mb,
          entry.peak_mb,
          `${entry.rss_before_get_server_tools_mb} before get_server_tools`,
        ]),
        [
          `${memory.under_load.in_flight} in flight`,
          '-',
          memory.under_load.gateway_peak_mb,
          `direct fixture peak ${memory.under_load.direct_fixture_peak_mb}`,
        ],
        [
          `${memory.soak.calls} calls (after ${memory.soak.warmup_calls} warm-up)`,
          `${memory.soak.start_rss_mb} → ${memory.soak.end_rss_mb}`,
          memory.soak.peak_mb,
          `growth ${memory.soak.growth_mb} MB`,
        ],
      ],
    ),
  );
  parts.push(
    table(
      `Context: ${context.tokenizer}`,
      ['tools/list', 'tools', 'tokens'],
      [
        ['gateway (no debug)', context.gateway_tools_list.tools, context.gateway_tools_list.tokens],
        ['gateway (debug)', context.gateway_tools_list_debug.tools, context.gateway_tools_list_debug.tokens],
        ...context.downstream.map((entry) => [entry.server, entry.tools, entry.tokens]),
        ['all downstream servers', context.downstream_total.tools, context.downstream_total.tokens],
      ],
    ),
  );
  const discovery = context.discovery;
  parts.push(
    table(
      `Discovery through the gateway (tokens of request + result)`,
      ['step', 'tokens'],
      [
        ['list_servers', discovery.list_servers_tokens],
        [`get_server_tools ${discovery.server}`, discovery.get_server_tools_full_tokens],
        [
          `get_server_tools ${discovery.server} names=${discovery.names.join(',')}`,
          discovery.get_server_tools_filtered_tokens,
        ],
        ['sequence: tools/list + list_servers + full', discovery.sequence_full_tokens],
        [
          `sequence with names filter (${discovery.sequence_filtered_share_percent}% of all downstream lists)`,
          discovery.sequence_filtered_tokens,
        ],
      ],
    ),
  );
  parts.push(...searchTables(result.search));
  parts.push(
    table(
      'Targets',
      ['target', 'value', 'limit', 'result'],
      result.targets.map((target) => [
        target.description,
        target.value,
        target.limit,
        target.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  return parts.join('\n') + '\n';
}

function searchTables(search: BenchResult['search']): string[] {
  type Figures = BenchResult['search']['labelled']['tuned']['ours'];
  const row = (label: string, engine: string, f: Figures): Row => [
    label,
    engine,
    f.queries,
    f.recall_at_1,
    f.recall_at_5,
    f.recall_at_10,
    f.mrr,
  ];
  const { labelled, livemcpbench: live, latency, discovery } = search;
  const rows: Row[] = [
    row('labelled, tuned', 'ours', labelled.tuned.ours),
    row('labelled, tuned', 'plain BM25', labelled.tuned.plain_bm25),
    row('labelled, held out', 'ours', labelled.held_out.ours),
    row('labelled, held out', 'plain BM25', labelled.held_out.plain_bm25),
  ];
  if ('step_level' in live) {
    rows.push(
      row('LiveMCPBench step → tool', 'ours', live.step_level.ours),
      row('LiveMCPBench step → tool', 'plain BM25', live.step_level.plain_bm25),
      row('LiveMCPBench whole task → tools', 'ours', live.whole_task.ours),
      row('LiveMCPBench whole task → tools', 'plain BM25', live.whole_task.plain_bm25),
    );
  }
  return [
    table(
      `Search quality (labelled set over ${labelled.tools} tools; ` +
        ('step_level' in live ? `LiveMCPBench over ${live.tools} tools)` : `${live.skipped})`),
      ['set', 'engine', 'queries', 'R@1', 'R@5', 'R@10', 'MRR'],
      rows,
    ),
    table(
      `Search floor and speed`,
      ['measure', 'value'],
      [
        ['no-answer queries with an empty list, tuned', labelled.tuned.empty_for_no_answer],
        ['no-answer queries with an empty list, held out', labelled.held_out.empty_for_no_answer],
        [`index build, ${latency.tools} tools (ms)`, latency.build_ms],
        [
          `search p50 / p95 at ${latency.tools} tools (ms)`,
          `${latency.search_ms.p50} / ${latency.search_ms.p95}`,
        ],
        [`labelled R@5 among ${latency.tools} tools`, latency.labelled_recall_at_5],
        [`no-answer empty among ${latency.tools} tools`, latency.empty_for_no_answer],
      ],
    ),
    table(
      `Discovery via search_tools (${discovery.tokenizer}); gateway tools/list: ${discovery.gateway_tools_list}`,
      ['task', 'rank', 'search', 'get (names)', 'execute', 'total', 'direct'],
      discovery.cases.map((entry) => [
        `${entry.server}.${entry.tool}`,
        entry.rank,
        entry.search_tools,
        entry.get_server_tools_names,
        entry.execute_tool,
        entry.gateway_discovery,
        entry.direct,
      ]),
    ),
  ];
}

function throughputRow(level: BenchResult['throughput']['levels'][number]): Row {
  return [
    level.in_flight,
    level.gateway.calls_per_s,
    level.direct.calls_per_s,
    x(level.ratio),
    level.gateway.errors + level.direct.errors,
    level.gateway.mismatches + level.direct.mismatches,
  ];
}
