import type { Tool } from '@modelcontextprotocol/client';
import type { Session } from './open-session.ts';

/** Every page of `tools/list`, in the server's order. */
export async function listAllTools(session: Session, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await session.client.listTools(cursor === undefined ? undefined : { cursor }, {
      timeout: timeoutMs,
      cacheMode: 'bypass',
    });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    // A server that hands out the same cursor again would page forever.
    if (cursor !== undefined && seen.has(cursor)) break;
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
  return tools;
}
