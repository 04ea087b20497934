/**
 * The `search_tools` engine (SPEC §17): BM25 (minisearch) over the tools one caller may call.
 *
 * The gateway builds one index per set of callable tools, after policy, so a denied tool is never
 * a result and never moves the scores of the others (BM25 statistics come from the indexed
 * documents only). Pure: no I/O, no clock.
 *
 * Ranking, in order:
 * 1. A query word that is a tool's exact name (or `server.tool`) puts that tool first.
 * 2. BM25 with field boosts over the split name, title, description, parameters and server name.
 * 3. A relevance floor on *coverage*: the share of the query's information (its IDF-weighted
 *    terms, words no tool uses included) that a tool matches, a word matched only among the
 *    parameters counting half. Raw BM25 scores grow with the corpus (IDF is a log of its size),
 *    so a floor on them would let noise through on a large catalog or hide answers on a small
 *    one; coverage is a ratio and stays comparable between a 20-tool and a 5,000-tool index.
 * 4. A query word that no tool uses is corrected to the most common indexed word one edit away,
 *    at half weight (typo-correction.ts). Known words are never fuzzed: fuzzy and prefix matching
 *    of every word lowered recall in a probe.
 */
import MiniSearch from 'minisearch';
import { analyzeTerm, generaliseQuery, tokenize } from './text-analysis.ts';
import { createVocabulary } from './typo-correction.ts';
import { firstSentence, parameterText, withoutBoilerplate, type ToolDocument } from './tool-document.ts';

export interface ToolSearchResult {
  server: string;
  tool: string;
  description: string;
  /** BM25 score, rounded; comparable within one result list only. */
  score: number;
}

export interface ToolSearchOptions {
  /** Default 5, at most 25 (SPEC §17). */
  limit?: number;
  /** Only this server's tools. */
  server?: string;
}

export interface ToolIndex {
  readonly size: number;
  search(query: string, options?: ToolSearchOptions): ToolSearchResult[];
}

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 25;

/** Tuning knobs, exposed so the benchmark can compare variants; the defaults are the product. */
export interface ToolIndexTuning {
  boost: Record<IndexedField, number>;
  /** Minimum coverage (0..1) of the query's IDF-weighted terms a result must match. */
  minCoverage: number;
  /**
   * Or: the matched information, in units of the most informative word (IDF ÷ its maximum),
   * a result must reach. Long requests (a whole task) cover little of their words per tool, yet
   * a tool matching two or three rare words of them is relevant.
   */
  minInformation: number;
  /** Results scoring below this share of the best result are dropped. */
  minRelativeScore: number;
  /** BM25 weight of a query word corrected for a typo, against 1 for an exact one. */
  typoWeight: number;
  /** Coverage weight of a query word matched only in parameters or the server name. */
  parameterOnlyWeight: number;
  /** Coverage weight of a query word no tool uses, as a share of its IDF. */
  unknownWeight: number;
  /** Apply the floor at all (off: plain BM25 ranking, for reference measurements). */
  floor: boolean;
}

type IndexedField = 'name' | 'title' | 'description' | 'params' | 'server';
const FIELDS: IndexedField[] = ['name', 'title', 'description', 'params', 'server'];

export const DEFAULT_TUNING: ToolIndexTuning = {
  boost: { name: 3, title: 2, description: 1, params: 0.4, server: 1 },
  minCoverage: 0.3,
  minInformation: 1,
  minRelativeScore: 0.15,
  typoWeight: 0.5,
  unknownWeight: 1,
  parameterOnlyWeight: 0.5,
  floor: true,
};

interface IndexedTool {
  id: number;
  name: string;
  title: string;
  description: string;
  params: string;
  server: string;
  /** Not indexed: the result's `description`. */
  summary: string;
}

export function createToolIndex(
  docs: readonly ToolDocument[],
  tuning: Partial<ToolIndexTuning> = {},
): ToolIndex {
  const settings = { ...DEFAULT_TUNING, ...tuning, boost: { ...DEFAULT_TUNING.boost, ...tuning.boost } };
  // Per term and per raw word: how many tools use it (coverage weights, typo candidates),
  // collected while minisearch analyses each tool, so no text is tokenized twice.
  const termFrequency = new Map<string, number>();
  const wordFrequency = new Map<string, number>();
  let toolTerms = new Set<string>();
  let toolWords = new Set<string>();
  const processTerm = (word: string) => {
    const term = analyzeTerm(word);
    toolWords.add(word.toLowerCase());
    if (term !== null) toolTerms.add(term);
    return term;
  };
  const miniSearch = new MiniSearch<IndexedTool>({ fields: FIELDS, tokenize, processTerm });
  const descriptions = withoutBoilerplate(docs);
  const indexed: IndexedTool[] = docs.map((doc, id) => ({
    id,
    name: doc.name,
    title: doc.title ?? '',
    description: descriptions[id] ?? '',
    params: parameterText(doc.inputSchema),
    server: doc.server,
    summary: firstSentence(doc.description),
  }));
  for (const tool of indexed) {
    toolTerms = new Set();
    toolWords = new Set();
    miniSearch.add(tool);
    for (const word of toolWords) wordFrequency.set(word, (wordFrequency.get(word) ?? 0) + 1);
    for (const term of toolTerms) termFrequency.set(term, (termFrequency.get(term) ?? 0) + 1);
  }
  const vocabulary = createVocabulary(wordFrequency);
  // The IDF of a word no tool uses: the most informative a word can be in this index.
  const maxIdf = Math.log(1 + docs.length);
  const idf = (term: string) => Math.log(1 + docs.length / ((termFrequency.get(term) ?? 0) + 1));

  const byName = new Map<string, number[]>();
  docs.forEach((doc, id) => {
    for (const key of [doc.name.toLowerCase(), `${doc.server}.${doc.name}`.toLowerCase()]) {
      byName.set(key, [...(byName.get(key) ?? []), id]);
    }
  });

  function exactMatches(query: string): number[] {
    const found = new Set<number>();
    for (const word of query.toLowerCase().split(/[\s,;:()"'`<>[\]{}]+/)) {
      const key = word.replace(/^[^\p{L}\p{N}]+|[.!?]+$/gu, '');
      for (const id of byName.get(key) ?? []) found.add(id);
    }
    return [...found];
  }

  /** The query's terms, with unknown words corrected; `corrected` holds the terms that were. */
  function queryTerms(query: string): { terms: string[]; corrected: Set<string> } {
    const terms: string[] = [];
    const corrected = new Set<string>();
    for (const word of tokenize(generaliseQuery(query))) {
      const term = analyzeTerm(word);
      if (term === null) continue;
      const correction = termFrequency.has(term) ? undefined : vocabulary.correct(word.toLowerCase());
      const correctedTerm = correction === undefined ? null : analyzeTerm(correction);
      if (correctedTerm !== null && termFrequency.has(correctedTerm)) {
        terms.push(correctedTerm);
        corrected.add(correctedTerm);
      } else {
        terms.push(term);
      }
    }
    return { terms: [...new Set(terms)], corrected };
  }

  // A word found only among the parameters (or in the server's name) is weaker evidence that the
  // tool does what was asked than one in its name, title or description.
  const fieldWeight = (fields: string[] | undefined) =>
    fields?.some((field) => field !== 'params' && field !== 'server') ? 1 : settings.parameterOnlyWeight;

  function search(query: string, options: ToolSearchOptions = {}): ToolSearchResult[] {
    const requested = Number.isFinite(options.limit)
      ? Math.trunc(options.limit ?? DEFAULT_LIMIT)
      : DEFAULT_LIMIT;
    const limit = Math.min(Math.max(requested, 1), MAX_LIMIT);
    const inScope = (id: number) => options.server === undefined || indexed[id]?.server === options.server;
    const exact = exactMatches(query).filter(inScope);

    const { terms, corrected } = queryTerms(query);
    const weight = (term: string) =>
      !termFrequency.has(term)
        ? idf(term) * settings.unknownWeight
        : corrected.has(term)
          ? idf(term) * settings.typoWeight
          : idf(term);
    const totalWeight = terms.reduce((sum, term) => sum + weight(term), 0);
    const hits = miniSearch.search(terms.join(' '), {
      tokenize: (text) => text.split(' '),
      processTerm: (term) => term,
      boost: settings.boost,
      boostTerm: (term) => (corrected.has(term) ? settings.typoWeight : 1),
      ...(options.server !== undefined && { filter: (hit: { id: unknown }) => inScope(hit.id as number) }),
    });
    const best = hits[0]?.score ?? 0;
    const matchedWeight = (hit: (typeof hits)[number]) =>
      hit.queryTerms.reduce((sum, term) => sum + weight(term) * fieldWeight(hit.match[term]), 0);
    const isRelevant = (hit: (typeof hits)[number]) => {
      const matched = matchedWeight(hit);
      return (
        (totalWeight > 0 && matched / totalWeight >= settings.minCoverage) ||
        matched / maxIdf >= settings.minInformation
      );
    };

    const exactSet = new Set(exact);
    const scoreOf = new Map<number, number>();
    const ranked: number[] = [];
    // Hits come sorted by score: stop at the relative floor or once the list is full.
    for (const hit of hits) {
      const id = hit.id as number;
      if (exactSet.has(id)) scoreOf.set(id, hit.score);
      else if (ranked.length < limit) {
        if (settings.floor && hit.score < best * settings.minRelativeScore) break;
        if (!settings.floor || isRelevant(hit)) {
          ranked.push(id);
          scoreOf.set(id, hit.score);
        }
      } else if (scoreOf.size >= exactSet.size + ranked.length) break;
    }
    const ordered = [...exact.sort((a, b) => (scoreOf.get(b) ?? best) - (scoreOf.get(a) ?? best)), ...ranked];
    return ordered.slice(0, limit).flatMap((id) => {
      const tool = indexed[id];
      if (tool === undefined) return [];
      const score = Math.round((scoreOf.get(id) ?? best) * 100) / 100;
      return [{ server: tool.server, tool: tool.name, description: tool.summary, score }];
    });
  }

  return { size: docs.length, search };
}
