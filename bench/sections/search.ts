/**
 * Search (issue 11, SPEC §17): how well `search_tools` finds the right tool, how fast it is at
 * 5,000 tools, and what a discovery through it costs in tokens (sections/search-tokens.ts).
 *
 * Quality on two sets: our labelled set over the catalog snapshot (tuned and held-out parts, see
 * test/search/retrieval-set.json) and the public LiveMCPBench data read from
 * ../shared/datasets/livemcpbench/ (skipped with a note when absent; never copied here). Each is
 * measured with our engine and with plain BM25 (minisearch as it comes: name ×3, description,
 * parameter names ×0.5, OR), the reference the issue quotes.
 */
import MiniSearch from 'minisearch';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createToolIndex, type ToolIndex } from '../../src/search/tool-index.ts';
import type { ToolDocument } from '../../src/search/tool-document.ts';
import {
  retrievalFigures,
  type LabelledQuery,
  type RetrievalFigures,
} from '../../src/search/retrieval-metrics.ts';
import { retrievalSet, snapshotDocuments } from '../../test/search/labelled-set.ts';
import { ROOT } from '../lib/endpoints.ts';
import { percentile } from '../lib/stats.ts';
import { measureDiscoveryTokens, type DiscoveryTokens } from './search-tokens.ts';

export const LIVEMCPBENCH_DIR = join(ROOT, '..', 'shared', 'datasets', 'livemcpbench');

export interface SearchPlan {
  /** Tools in the synthetic catalog for latency. */
  syntheticTools: number;
  /** Passes over the query list when timing searches. */
  latencyRounds: number;
  buildRepetitions: number;
}

export const SEARCH_PLANS: Record<'full' | 'smoke', SearchPlan> = {
  full: { syntheticTools: 5000, latencyRounds: 20, buildRepetitions: 5 },
  // Smoke: the same catalog size (the build is well under a second), few timed passes.
  smoke: { syntheticTools: 5000, latencyRounds: 1, buildRepetitions: 1 },
};

interface EngineFigures {
  ours: RetrievalFigures;
  plain_bm25: RetrievalFigures;
}

export interface SearchResult {
  labelled: {
    tools: number;
    tuned: EngineFigures & { empty_for_no_answer: number; no_answer_queries: number };
    held_out: EngineFigures & { empty_for_no_answer: number; no_answer_queries: number };
  };
  livemcpbench:
    | { skipped: string }
    | {
        tools: number;
        tasks: number;
        /** One annotated step → its tool; tasks whose step and tool lists have the same length. */
        step_level: EngineFigures;
        /** The whole task → all its tools (recall = share of them in the top k). */
        whole_task: EngineFigures;
      };
  latency: {
    tools: number;
    build_ms: number;
    search_ms: { p50: number; p95: number; samples: number };
    /** The labelled set with the snapshot's tools among the synthetic ones. */
    labelled_recall_at_5: number;
    empty_for_no_answer: number;
  };
  discovery: DiscoveryTokens;
}

/** Result keys in rank order, for each of several engines over the same documents. */
type Ranker = (query: string, limit: number) => string[];

function oursRanker(index: ToolIndex, key: (server: string, tool: string) => string): Ranker {
  return (query, limit) => index.search(query, { limit }).map((result) => key(result.server, result.tool));
}

/** Plain BM25 as the LiveMCPBench reference figure was measured: minisearch defaults. */
function plainRanker(docs: readonly ToolDocument[], key: (server: string, tool: string) => string): Ranker {
  const miniSearch = new MiniSearch({ fields: ['name', 'description', 'params'] });
  miniSearch.addAll(
    docs.map((doc, id) => ({
      id,
      name: doc.name,
      description: doc.description ?? '',
      params: Object.keys(propertiesOf(doc.inputSchema)).join(' '),
    })),
  );
  return (query, limit) =>
    miniSearch
      .search(query, { boost: { name: 3, description: 1, params: 0.5 } })
      .slice(0, limit)
      .flatMap((hit) => {
        const doc = docs[hit.id as number];
        return doc ? [key(doc.server, doc.name)] : [];
      });
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

function evaluate(queries: LabelledQuery[], rankers: { ours: Ranker; plain: Ranker }): EngineFigures {
  const run = (ranker: Ranker) =>
    retrievalFigures(
      queries,
      queries.map((entry) => ranker(entry.query, 10)),
    );
  return { ours: run(rankers.ours), plain_bm25: run(rankers.plain) };
}

function measureLabelled(): SearchResult['labelled'] {
  const docs = snapshotDocuments();
  const key = (server: string, tool: string) => `${server}.${tool}`;
  const index = createToolIndex(docs);
  const rankers = { ours: oursRanker(index, key), plain: plainRanker(docs, key) };
  const part = (heldOut: boolean) => {
    const entries = retrievalSet().filter((entry) => entry.held_out === heldOut);
    const none = entries.filter((entry) => entry.expect.length === 0);
    const answerable = entries
      .filter((entry) => entry.expect.length > 0)
      .map((entry) => ({ query: entry.query, expect: entry.expect, mode: 'any' as const }));
    const empty = none.filter((entry) => index.search(entry.query).length === 0).length;
    return {
      ...evaluate(answerable, rankers),
      empty_for_no_answer: round3(empty / none.length),
      no_answer_queries: none.length,
    };
  };
  return { tools: docs.length, tuned: part(false), held_out: part(true) };
}

interface LiveTask {
  Question: string;
  'Annotator Metadata': { Steps: string; Tools: string };
}

interface LiveServer {
  tools: Record<string, { tools: { name: string; description?: string; inputSchema?: unknown }[] }>;
}

/** "1. first\n2. second" → ["first", "second"]. */
function numberedList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/^\s*\d+[.)]\s*/, '').trim())
    .filter((line) => line !== '');
}

async function measureLiveMcpBench(): Promise<SearchResult['livemcpbench']> {
  let toolsText: string;
  let tasksText: string;
  try {
    [toolsText, tasksText] = await Promise.all([
      readFile(join(LIVEMCPBENCH_DIR, 'tools.json'), 'utf8'),
      readFile(join(LIVEMCPBENCH_DIR, 'all_annotations.json'), 'utf8'),
    ]);
  } catch {
    return { skipped: `${LIVEMCPBENCH_DIR} not found: LiveMCPBench figures skipped` };
  }
  const docs: ToolDocument[] = (JSON.parse(toolsText) as LiveServer[]).flatMap((entry) =>
    Object.entries(entry.tools).flatMap(([server, list]) => list.tools.map((tool) => ({ server, ...tool }))),
  );
  const names = new Set(docs.map((doc) => doc.name));
  // The annotations name tools without their server: a result counts by its tool name.
  const key = (_server: string, tool: string) => tool;
  const rankers = { ours: oursRanker(createToolIndex(docs), key), plain: plainRanker(docs, key) };
  const tasks = JSON.parse(tasksText) as LiveTask[];
  const steps: LabelledQuery[] = [];
  const whole: LabelledQuery[] = [];
  for (const task of tasks) {
    const stepTexts = numberedList(task['Annotator Metadata'].Steps);
    const tools = numberedList(task['Annotator Metadata'].Tools);
    const known = tools.filter((tool) => names.has(tool));
    if (known.length > 0) whole.push({ query: task.Question, expect: known, mode: 'all' });
    // Steps and tools are aligned by position only when the annotator listed one tool per step.
    if (stepTexts.length !== tools.length) continue;
    stepTexts.forEach((step, position) => {
      const tool = tools[position];
      if (tool !== undefined && names.has(tool)) steps.push({ query: step, expect: [tool], mode: 'any' });
    });
  }
  return {
    tools: docs.length,
    tasks: tasks.length,
    step_level: evaluate(steps, rankers),
    whole_task: evaluate(whole, rankers),
  };
}

/**
 * A synthetic catalog of `size` tools: the snapshot's tools, then copies of them on made-up
 * servers, each with its own made-up topic words replacing half of the description's words and
 * the whole name, so that the vocabulary grows with the catalog as a real one does.
 */
export function syntheticCatalog(size: number): ToolDocument[] {
  const real = snapshotDocuments();
  const docs: ToolDocument[] = [...real];
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'gu', 'fe', 'ho'];
  const pseudoWord = () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * 14)]).join('');
  for (let server = 0; docs.length < size; server += 1) {
    const topic = Array.from({ length: 40 }, pseudoWord);
    const pick = () => topic[Math.floor(random() * topic.length)] ?? 'x';
    for (let tool = 0; tool < 25 && docs.length < size; tool += 1) {
      const base = real[(server * 25 + tool) % real.length]!;
      docs.push({
        server: `synthetic-${server}`,
        name: `${pick()}_${pick()}_${tool}`,
        description: (base.description ?? '')
          .split(' ')
          .map((word) => (random() < 0.5 ? pick() : word))
          .join(' '),
        inputSchema: base.inputSchema,
      });
    }
  }
  return docs;
}

function measureLatency(plan: SearchPlan): SearchResult['latency'] {
  const docs = syntheticCatalog(plan.syntheticTools);
  const builds: number[] = [];
  let index: ToolIndex | undefined;
  for (let repetition = 0; repetition < plan.buildRepetitions; repetition += 1) {
    const started = performance.now();
    index = createToolIndex(docs);
    builds.push(performance.now() - started);
  }
  const built = index ?? createToolIndex(docs);
  const entries = retrievalSet();
  for (const entry of entries) built.search(entry.query); // warm-up, unmeasured
  const samples: number[] = [];
  for (let round = 0; round < plan.latencyRounds; round += 1) {
    for (const entry of entries) {
      const started = performance.now();
      built.search(entry.query);
      samples.push(performance.now() - started);
    }
  }
  const answerable = entries.filter((entry) => entry.expect.length > 0);
  const none = entries.filter((entry) => entry.expect.length === 0);
  const hits = answerable.filter((entry) =>
    built.search(entry.query).some((result) => entry.expect.includes(`${result.server}.${result.tool}`)),
  ).length;
  const empty = none.filter((entry) => built.search(entry.query).length === 0).length;
  samples.sort((a, b) => a - b);
  return {
    tools: docs.length,
    build_ms: Math.round(
      percentile(
        builds.sort((a, b) => a - b),
        50,
      ),
    ),
    search_ms: {
      p50: round3(percentile(samples, 50)),
      p95: round3(percentile(samples, 95)),
      samples: samples.length,
    },
    labelled_recall_at_5: round3(hits / answerable.length),
    empty_for_no_answer: round3(empty / none.length),
  };
}

export async function measureSearch(plan: SearchPlan): Promise<SearchResult> {
  return {
    labelled: measureLabelled(),
    livemcpbench: await measureLiveMcpBench(),
    latency: measureLatency(plan),
    discovery: measureDiscoveryTokens(),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
