import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createToolIndex, MAX_LIMIT } from './tool-index.ts';
import type { ToolDocument } from './tool-document.ts';
import { snapshotDocuments } from '../../test/search/labelled-set.ts';

const catalog = snapshotDocuments();
const index = createToolIndex(catalog);
const keys = (query: string, options?: Parameters<typeof index.search>[1]) =>
  index.search(query, options).map((result) => `${result.server}.${result.tool}`);

describe('createToolIndex', () => {
  it('finds a tool from a natural request that shares no exact word with its name', () => {
    assert.equal(keys('remove a relation')[0], 'memory.delete_relations');
    assert.equal(keys('take a screenshot of the page')[0], 'playwright.browser_take_screenshot');
  });

  it('ranks a tool first when the query names it exactly, alone or as server.tool', () => {
    assert.equal(keys('read_file')[0], 'filesystem.read_file');
    assert.equal(keys('please run filesystem.get_file_info on it')[0], 'filesystem.get_file_info');
    assert.equal(keys('API-move-page')[0], 'notion.API-move-page');
  });

  it('ranks every same-named tool first when the name exists on two servers', () => {
    const twoServers = createToolIndex([
      ...catalog,
      { server: 'backup', name: 'read_file', description: 'Read a file from the backup volume.' },
    ]);
    const top = twoServers.search('read_file', { limit: 2 }).map((result) => result.server);
    assert.deepEqual(new Set(top), new Set(['filesystem', 'backup']));
  });

  it('returns an empty list for a request no tool serves', () => {
    assert.deepEqual(index.search('book a flight to Tokyo'), []);
    assert.deepEqual(index.search('what is the weather in Paris tomorrow'), []);
    assert.deepEqual(index.search('the and of'), []);
    assert.deepEqual(index.search(''), []);
  });

  it('answers every query with an empty list when the agent may call no tool', () => {
    const none = createToolIndex([]);
    assert.equal(none.size, 0);
    assert.deepEqual(none.search('read a text file'), []);
    assert.deepEqual(none.search('read_text_file'), []);
  });

  it('tolerates a one-letter typo in a word no tool uses', () => {
    assert.equal(keys('serch nodes')[0], 'memory.search_nodes');
    assert.equal(keys('retreive a databse')[0], 'notion.API-retrieve-a-database');
  });

  it('returns five results by default and never more than 25', () => {
    assert.equal(index.search('page').length, 5);
    assert.equal(index.search('page', { limit: 100 }).length <= MAX_LIMIT, true);
    assert.equal(index.search('page', { limit: 0 }).length, 1);
    assert.equal(index.search('page', { limit: Number.NaN }).length, 5);
    const many = createToolIndex(
      Array.from({ length: 40 }, (_, n) => ({
        server: `s${n}`,
        name: `tool_${n}`,
        description: 'Open a page.',
      })),
    );
    assert.equal(many.search('open a page', { limit: 100 }).length, MAX_LIMIT);
  });

  it('searches only the named server when asked to', () => {
    const results = index.search('delete', { server: 'notion', limit: 25 });
    assert.ok(results.length > 0);
    assert.ok(results.every((result) => result.server === 'notion'));
    assert.deepEqual(index.search('memory.read_graph', { server: 'notion' }), []);
  });

  it('describes each result by its first sentence, at most 160 characters', () => {
    const [notion] = index.search('API-get-user');
    assert.equal(notion?.description, 'Notion | Retrieve a user');
    for (const result of index.search('file', { limit: 25 })) {
      assert.ok(result.description.length <= 160, result.description);
      assert.doesNotMatch(result.description, /\n/);
    }
    const [write] = index.search('write_file');
    assert.equal(
      write?.description,
      'Create a new file or completely overwrite an existing file with new content.',
    );
  });

  it('never returns a tool left out of the index, and scores the rest as if it never existed', () => {
    // The gateway indexes only what an agent may call (SPEC §17); a denied server's tools must not
    // be results nor change the other tools' statistics.
    const allowed = catalog.filter((doc) => doc.server !== 'memory');
    const forAgent = createToolIndex(allowed);
    assert.ok(
      forAgent.search('delete entities from the knowledge graph').every((r) => r.server !== 'memory'),
    );
    const withoutMemoryEver = createToolIndex(allowed.map((doc) => ({ ...doc })));
    for (const query of ['delete a block', 'read a text file', 'click a button']) {
      assert.deepEqual(forAgent.search(query), withoutMemoryEver.search(query));
    }
    // Filtering an index of everything afterwards would not do: the denied tools move the scores.
    const scores = (results: { score: number }[]) => results.map((result) => result.score);
    assert.notDeepEqual(scores(index.search('delete a block')), scores(forAgent.search('delete a block')));
  });

  it('keeps the no-answer floor on a catalog of thousands of tools', () => {
    const large: ToolDocument[] = [...catalog];
    for (let copy = 0; large.length < 3000; copy += 1) {
      for (const doc of catalog) large.push({ ...doc, server: `${doc.server}-${copy}` });
    }
    const big = createToolIndex(large);
    assert.deepEqual(big.search('book a flight to Tokyo'), []);
    assert.equal(big.search('take a screenshot of the page')[0]?.tool, 'browser_take_screenshot');
  });
});
