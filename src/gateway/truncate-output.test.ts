import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { truncateOutput } from './truncate-output.ts';

const image = { type: 'image' as const, data: 'AAAA', mimeType: 'image/png' };

function notice(result: CallToolResult): string {
  const last = result.content.at(-1);
  assert.ok(last?.type === 'text');
  return last.text;
}

describe('truncateOutput', () => {
  it('returns a result within the limit as the same object', () => {
    const result: CallToolResult = {
      content: [{ type: 'text', text: 'hello' }],
      structuredContent: { a: 1 },
    };
    assert.equal(truncateOutput(result, 100, 's'), result);
  });

  it('counts text blocks together: keeps whole blocks, cuts the one crossing the limit, drops the rest', () => {
    const result = truncateOutput(
      {
        content: [
          { type: 'text', text: 'aaaa' },
          image,
          { type: 'text', text: 'bbbbbb' },
          { type: 'text', text: 'cccc' },
        ],
      },
      7,
      'srv',
    );
    assert.deepEqual(result.content.slice(0, -1), [
      { type: 'text', text: 'aaaa' },
      image,
      { type: 'text', text: 'bbb' },
    ]);
    assert.equal(
      notice(result),
      '[agent-mcp-gateway] Output truncated to max_output_chars (7) of server "srv": showing 7 of 14 characters of text.',
    );
  });

  it('keeps binary and resource blocks, isError, _meta and annotations of kept blocks', () => {
    const link = { type: 'resource_link' as const, uri: 'x://y', name: 'y' };
    const result = truncateOutput(
      {
        content: [{ type: 'text', text: 'abcdef', annotations: { priority: 1 } }, image, link],
        isError: true,
        _meta: { trace: 'id' },
      },
      3,
      's',
    );
    assert.deepEqual(result.content.slice(0, 3), [
      { type: 'text', text: 'abc', annotations: { priority: 1 } },
      image,
      link,
    ]);
    assert.equal(result.isError, true);
    assert.deepEqual(result._meta, { trace: 'id' });
  });

  it('removes structuredContent whose JSON exceeds the limit, and says so', () => {
    const result = truncateOutput(
      { content: [{ type: 'text', text: 'ok' }], structuredContent: { text: 'x'.repeat(40) } },
      20,
      's',
    );
    assert.equal('structuredContent' in result, false);
    assert.deepEqual(result.content[0], { type: 'text', text: 'ok' });
    assert.match(notice(result), /structuredContent \(51 characters as JSON\) was removed\.$/);
    assert.doesNotMatch(notice(result), /showing/);
  });

  it('never splits a surrogate pair', () => {
    const result = truncateOutput({ content: [{ type: 'text', text: 'ab😀cd' }] }, 3, 's');
    assert.deepEqual(result.content[0], { type: 'text', text: 'ab' });
  });
});
