import type { Client, Tool } from '@modelcontextprotocol/client';

/** Every page of `tools/list`, in the server's order; each page within `timeoutMs`. */
export async function listAllTools(
  client: Client,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Tool[]> {
  const tools: Tool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor }, {
      timeout: options.timeoutMs,
      cacheMode: 'bypass',
      ...(options.signal && { signal: options.signal }),
    });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    // A server that hands out the same cursor again would page forever.
    if (cursor !== undefined && seen.has(cursor)) break;
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
  return tools;
}
