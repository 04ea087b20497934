/**
 * What the search index knows of one tool: the MCP `Tool` fields that describe it, and the
 * server it lives on. The gateway builds these from its catalog after applying the caller's
 * policy (SPEC §17), so this module never sees a tool the caller may not call.
 */

export interface ToolDocument {
  server: string;
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
}

/** A result's `description`: the tool's first sentence, at most 160 characters (SPEC §17). */
export const SUMMARY_MAX_CHARS = 160;

export function firstSentence(description: string | undefined): string {
  const text = (description ?? '').trim();
  // A sentence ends at ". " (not in "e.g. x") or at a line break; many servers put a summary
  // line first and details (or error tables) below it.
  const end = text.search(/(?<!\b(?:e\.g|i\.e|etc|vs))[.!?](?=\s|$)|\n/);
  const sentence = (end === -1 ? text : text.slice(0, text[end] === '\n' ? end : end + 1))
    .replace(/\s+/g, ' ')
    .trim();
  if (sentence.length <= SUMMARY_MAX_CHARS) return sentence;
  const cut = sentence.slice(0, SUMMARY_MAX_CHARS - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > SUMMARY_MAX_CHARS / 2 ? cut.slice(0, lastSpace) : cut) + '…';
}

/**
 * Descriptions without the lines most of a server's tools repeat. Generated servers append the
 * same boilerplate to every tool (Notion: "Error Responses:", "400: Bad request"); such lines say
 * nothing about what one tool does, and would match queries with "error" or "request" to all of them.
 */
export function withoutBoilerplate(docs: readonly ToolDocument[]): string[] {
  const described = docs.map((doc) => ({
    server: doc.server,
    lines: (doc.description ?? '').split('\n').map((line) => line.trim()),
  }));
  const toolsPerServer = new Map<string, number>();
  const toolsWithLine = new Map<string, number>();
  for (const { server, lines } of described) {
    toolsPerServer.set(server, (toolsPerServer.get(server) ?? 0) + 1);
    for (const line of new Set(lines)) {
      const key = `${server}\n${line}`;
      toolsWithLine.set(key, (toolsWithLine.get(key) ?? 0) + 1);
    }
  }
  return described.map(({ server, lines }) => {
    const tools = toolsPerServer.get(server) ?? 0;
    const isBoilerplate = (line: string) =>
      tools >= MIN_TOOLS_FOR_BOILERPLATE && (toolsWithLine.get(`${server}\n${line}`) ?? 0) > tools / 2;
    return lines.filter((line) => line !== '' && !isBoilerplate(line)).join('\n');
  });
}

// With fewer tools, a shared line is as likely a real shared purpose as boilerplate.
const MIN_TOOLS_FOR_BOILERPLATE = 4;

// Nested schemas (Notion's filters, Playwright's targets) can hold pages of text; their top levels
// say what a tool takes, deeper levels mostly repeat API reference and would drown the name.
const MAX_SCHEMA_DEPTH = 2;

/** Parameter names and descriptions of an input schema, as one text for the index. */
export function parameterText(schema: unknown): string {
  const parts: string[] = [];
  collectParameters(schema, 1, parts);
  return parts.join(' ');
}

function collectParameters(schema: unknown, depth: number, parts: string[]): void {
  if (depth > MAX_SCHEMA_DEPTH || !isRecord(schema)) return;
  const properties = schema.properties;
  if (isRecord(properties)) {
    for (const [name, property] of Object.entries(properties)) {
      parts.push(name);
      if (isRecord(property) && typeof property.description === 'string') parts.push(property.description);
      collectParameters(property, depth + 1, parts);
    }
  }
  for (const key of ['items', 'anyOf', 'oneOf', 'allOf'] as const) {
    const value = schema[key];
    for (const branch of Array.isArray(value) ? value : [value]) collectParameters(branch, depth, parts);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
