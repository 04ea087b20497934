import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTerm, generaliseQuery, stem, tokenize } from './text-analysis.ts';

/** What the index stores for a text: its words, analysed. */
const analyzeText = (text: string): string[] => tokenize(text).flatMap((word) => analyzeTerm(word) ?? []);
import { firstSentence, parameterText, withoutBoilerplate } from './tool-document.ts';
import { createVocabulary, isOneEditAway } from './typo-correction.ts';

describe('text analysis', () => {
  it('splits tool names on _ - . and camelCase', () => {
    assert.deepEqual(tokenize('read_text_file'), ['read', 'text', 'file']);
    assert.deepEqual(tokenize('API-get-block-children'), ['API', 'get', 'block', 'children']);
    assert.deepEqual(tokenize('browser.navigateBack'), ['browser', 'navigate', 'Back']);
    assert.deepEqual(tokenize('HTTPRequestId'), ['HTTP', 'Request', 'Id']);
  });

  it('joins inflections and synonyms of a verb into one term', () => {
    assert.deepEqual(analyzeText('remove removed deleting erase'), ['delet', 'delet', 'delet', 'delet']);
    assert.deepEqual(analyzeText('fetch reads retrieve'), ['get', 'get', 'get']);
    assert.equal(stem('entities'), stem('entity'));
    assert.equal(stem('navigation'), stem('navigate'));
  });

  it('drops stop words, request filler and bare numbers', () => {
    assert.deepEqual(analyzeText('I need a tool that can list the 400 folders please'), [
      'list',
      'directory',
    ]);
  });

  it('turns URLs, paths and file names in a query into what they are', () => {
    assert.equal(generaliseQuery('go to https://example.com/a?b=1'), 'go to url');
    assert.equal(generaliseQuery('read /etc/hosts and config.yaml,'), 'read path and file');
    assert.equal(generaliseQuery('memory.read_graph'), 'memory.read_graph');
  });
});

describe('tool documents', () => {
  it('summarises a description by its first sentence or first line', () => {
    assert.equal(firstSentence('Read a file. Then more.'), 'Read a file.');
    assert.equal(
      firstSentence('Notion | Retrieve a user\nError Responses:\n400: 400'),
      'Notion | Retrieve a user',
    );
    assert.equal(firstSentence('Use e.g. globs to match. Next.'), 'Use e.g. globs to match.');
    assert.equal(firstSentence(undefined), '');
    const long = firstSentence('word '.repeat(100));
    assert.ok(long.length <= 160 && long.endsWith('…'));
  });

  it('indexes parameter names and descriptions, nested ones to a limited depth', () => {
    const text = parameterText({
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Where to read' },
        options: { anyOf: [{ type: 'object', properties: { depth: { type: 'number' } } }] },
      },
    });
    assert.equal(text, 'path Where to read options depth');
  });

  it("drops description lines most of a server's tools repeat", () => {
    const docs = ['Get a user', 'List users', 'Search', 'Delete a block'].map((line, n) => ({
      server: 'api',
      name: `t${n}`,
      description: `${line}\nError Responses:\n400: Bad request`,
    }));
    assert.deepEqual(withoutBoilerplate(docs), ['Get a user', 'List users', 'Search', 'Delete a block']);
  });
});

describe('typo correction', () => {
  it('accepts one insertion, deletion, substitution or swap of neighbours', () => {
    for (const [typo, word] of [
      ['serch', 'search'],
      ['searchh', 'search'],
      ['seerch', 'search'],
      ['saerch', 'search'],
    ]) {
      assert.ok(isOneEditAway(typo!, word!), typo);
    }
    assert.equal(isOneEditAway('sreach', 'search'), false);
    assert.equal(isOneEditAway('search', 'search'), false);
  });

  it('corrects an unknown word to the most used known word one edit away', () => {
    const vocabulary = createVocabulary(
      new Map([
        ['file', 5],
        ['fine', 1],
        ['database', 2],
      ]),
    );
    assert.equal(vocabulary.correct('databse'), 'database');
    assert.equal(vocabulary.correct('fiel'), 'file');
    assert.equal(vocabulary.correct('file'), undefined);
    assert.equal(vocabulary.correct('fle'), undefined);
  });
});
