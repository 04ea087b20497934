import type { CallToolResult } from '@modelcontextprotocol/server';

type ContentBlock = CallToolResult['content'][number];

/**
 * `max_output_chars` (a per-server limit, default off): a downstream result whose text is longer
 * is cut with a notice rather than returned whole, so one verbose tool cannot flood an agent's
 * context. What is cut, and why:
 * - `text` blocks, counted together in order: blocks are kept until the budget runs out, the block
 *   that crosses it is cut (never inside a surrogate pair), later text blocks are dropped;
 * - `structuredContent` whose JSON is longer than the limit is removed whole: cutting it would
 *   break the JSON and its schema, and its content is usually repeated in the text anyway;
 * - image, audio, resource and resource_link blocks, `isError` and `_meta` are kept as they are.
 * A notice naming the limit is appended as the last text block. A result within the limit is
 * returned as the same object.
 */
export function truncateOutput(result: CallToolResult, maxChars: number, server: string): CallToolResult {
  // A downstream result read off the wire may lack `content`, whatever its type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  const content = result.content ?? [];
  const totalText = content.reduce((sum, block) => sum + (block.type === 'text' ? block.text.length : 0), 0);
  const structuredChars =
    result.structuredContent === undefined ? 0 : JSON.stringify(result.structuredContent).length;
  const cutText = totalText > maxChars;
  const dropStructured = structuredChars > maxChars;
  if (!cutText && !dropStructured) return result;

  let budget = maxChars;
  const kept: ContentBlock[] = [];
  for (const block of content) {
    if (block.type !== 'text') {
      kept.push(block);
      continue;
    }
    if (block.text.length <= budget) {
      kept.push(block);
      budget -= block.text.length;
    } else if (budget > 0) {
      kept.push({ ...block, text: sliceWhole(block.text, budget) });
      budget = 0;
    }
  }
  const shown = cutText ? maxChars - budget : totalText;
  const parts = [
    `[agent-mcp-gateway] Output truncated to max_output_chars (${maxChars}) of server "${server}":`,
  ];
  if (cutText) parts.push(`showing ${shown} of ${totalText} characters of text.`);
  if (dropStructured) parts.push(`structuredContent (${structuredChars} characters as JSON) was removed.`);
  kept.push({ type: 'text', text: parts.join(' ') });

  const { structuredContent: _structured, ...rest } = result;
  return {
    ...(dropStructured ? rest : result),
    content: kept,
  };
}

/** The first `length` UTF-16 units of `text`, one less if that would split a surrogate pair. */
function sliceWhole(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff;
  return text.slice(0, splitsPair ? length - 1 : length);
}
