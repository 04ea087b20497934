/**
 * The labelled retrieval set (test/search/retrieval-set.json) against the catalog snapshot:
 * the quality bar of issue 11, deterministic (no servers, no timing). Every fifth query is
 * held out: it was written with the others but never used to tune the ranking, so its figures
 * estimate how the tuning carries over to queries it has not seen.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createToolIndex } from './tool-index.ts';
import { retrievalFigures, type RetrievalFigures } from './retrieval-metrics.ts';
import { retrievalSet, snapshotDocuments, type RetrievalSetEntry } from '../../test/search/labelled-set.ts';

const set = retrievalSet();
const catalog = snapshotDocuments();
const index = createToolIndex(catalog);
const answerable = (entries: RetrievalSetEntry[]) => entries.filter((entry) => entry.expect.length > 0);
const unanswerable = (entries: RetrievalSetEntry[]) => entries.filter((entry) => entry.expect.length === 0);

function figures(entries: RetrievalSetEntry[]): RetrievalFigures {
  const queries = answerable(entries).map((entry) => ({ ...entry, mode: 'any' as const }));
  const ranked = queries.map((entry) =>
    index.search(entry.query, { limit: 10 }).map((result) => `${result.server}.${result.tool}`),
  );
  return retrievalFigures(queries, ranked);
}

function emptyShare(entries: RetrievalSetEntry[]): number {
  const none = unanswerable(entries);
  return none.filter((entry) => index.search(entry.query).length === 0).length / none.length;
}

describe('the labelled retrieval set', () => {
  it('has at least 150 answerable and 20 unanswerable queries, a fifth held out, all naming real tools', () => {
    assert.ok(answerable(set).length >= 150);
    assert.ok(unanswerable(set).length >= 20);
    const heldOut = set.filter((entry) => entry.held_out).length;
    assert.ok(heldOut >= Math.floor(set.length / 5), `${heldOut} held out of ${set.length}`);
    const known = new Set(catalog.map((doc) => `${doc.server}.${doc.name}`));
    for (const entry of set)
      for (const key of entry.expect) assert.ok(known.has(key), `${entry.query}: ${key}`);
  });

  it('finds a right tool in the top 5 for at least 85 % of the queries', (t) => {
    const all = figures(set);
    const tuned = figures(set.filter((entry) => !entry.held_out));
    const heldOut = figures(set.filter((entry) => entry.held_out));
    t.diagnostic(`all: ${JSON.stringify(all)}`);
    t.diagnostic(`tuned: ${JSON.stringify(tuned)}`);
    t.diagnostic(`held out: ${JSON.stringify(heldOut)}`);
    assert.ok(all.recall_at_5 >= 0.85, `recall@5 ${all.recall_at_5}`);
  });

  it('returns an empty list for at least 80 % of the queries no tool answers', (t) => {
    const all = emptyShare(set);
    t.diagnostic(
      `empty for no-answer queries: all ${all.toFixed(2)}, tuned ${emptyShare(set.filter((e) => !e.held_out)).toFixed(2)}, held out ${emptyShare(set.filter((e) => e.held_out)).toFixed(2)}`,
    );
    assert.ok(all >= 0.8, `empty share ${all}`);
  });
});
