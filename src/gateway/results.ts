import type { CallToolResult } from '@modelcontextprotocol/server';

/**
 * A successful result of a gateway tool other than execute_tool: `structuredContent` and one text
 * block holding the same JSON (SPEC §8), so clients that ignore structured output still see it.
 */
export function jsonToolResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}
