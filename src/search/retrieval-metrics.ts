/**
 * Retrieval quality of a ranked list against labelled answers: recall@k and mean reciprocal rank.
 * Used by the search tests (labelled set) and the benchmark (labelled set and LiveMCPBench).
 *
 * Two kinds of labels: `any` (a step-level query; any one of its tools is a right answer, recall
 * is 1 when one of them is in the top k) and `all` (a whole-task query; recall is the share of its
 * tools in the top k, as LiveMCPBench's retrieval figures count it).
 */

export interface LabelledQuery {
  query: string;
  /** Right answers, as `server.tool` or (for data that names no server) a bare tool name. */
  expect: readonly string[];
  mode: 'any' | 'all';
}

export interface RetrievalFigures {
  queries: number;
  recall_at_1: number;
  recall_at_5: number;
  recall_at_10: number;
  mrr: number;
}

/** `ranked` holds, per query in order, the result keys in rank order. */
export function retrievalFigures(
  queries: readonly LabelledQuery[],
  ranked: readonly (readonly string[])[],
): RetrievalFigures {
  let r1 = 0;
  let r5 = 0;
  let r10 = 0;
  let mrr = 0;
  queries.forEach((query, index) => {
    const results = ranked[index] ?? [];
    r1 += recallAt(query, results, 1);
    r5 += recallAt(query, results, 5);
    r10 += recallAt(query, results, 10);
    const first = results.findIndex((key) => query.expect.includes(key));
    mrr += first === -1 ? 0 : 1 / (first + 1);
  });
  const n = queries.length;
  const mean = (sum: number) => (n === 0 ? 0 : Math.round((sum / n) * 1000) / 1000);
  return {
    queries: n,
    recall_at_1: mean(r1),
    recall_at_5: mean(r5),
    recall_at_10: mean(r10),
    mrr: mean(mrr),
  };
}

export function recallAt(query: LabelledQuery, results: readonly string[], k: number): number {
  const top = new Set(results.slice(0, k));
  if (query.mode === 'any') return query.expect.some((key) => top.has(key)) ? 1 : 0;
  const wanted = new Set(query.expect);
  return wanted.size === 0 ? 0 : [...wanted].filter((key) => top.has(key)).length / wanted.size;
}
