import { z } from 'zod';

/**
 * The shape of `.mcp.json` (SPEC §5), as written by users, Claude Code (`mcpServers`) and VS Code
 * (`servers`). This schema checks types only; the rules that relate fields to each other (exactly one
 * of `command`/`url`, `type` against the kind of server, URL scheme) live in `normalise-server.ts`,
 * because they need to know which values came from an unset `${VAR}`.
 */

export const DEFAULT_TIMEOUT_MS = 60_000;

/** How long a server may take to answer `initialize` before it is declared unavailable. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

const stringMap = z.record(z.string(), z.string());

const positiveInteger = (unit: string) =>
  z
    .number({ error: `expected a number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .positive({ error: 'must be greater than 0' });

/** `stdio` is accepted because Claude Code and VS Code write `"type": "stdio"` for local servers. */
export const transportNameSchema = z.enum(['stdio', 'http', 'streamable-http', 'sse']);

/** Downstream authorization of a remote server (SPEC §16); absent means "OAuth when the server asks". */
export const serverAuthSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oauth'),
    scopes: z.array(z.string()).optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    resource: z.string().optional(),
  }),
  z.object({
    type: z.literal('client_credentials'),
    client_id: z.string(),
    client_secret: z.string(),
    scopes: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal('none') }),
]);

export type ServerAuthEntry = z.infer<typeof serverAuthSchema>;

export const serverEntrySchema = z.object({
  // stdio
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  cwd: z.string().optional(),
  // remote
  url: z.string().optional(),
  headers: stringMap.optional(),
  type: transportNameSchema.optional(),
  transport: transportNameSchema.optional(),
  auth: serverAuthSchema.optional(),
  // any
  description: z.string().optional(),
  timeout_ms: positiveInteger('milliseconds').default(DEFAULT_TIMEOUT_MS),
  /** Absent means DEFAULT_CONNECT_TIMEOUT_MS, applied where the session is opened. */
  connect_timeout_ms: positiveInteger('milliseconds').optional(),
  /** Absent means no limit: results are forwarded whole. */
  max_output_chars: positiveInteger('characters').optional(),
  enabled: z.boolean().default(true),
});

export type ServerEntry = z.infer<typeof serverEntrySchema>;

/** The whole file, for documentation and for finding unknown keys anywhere in it. */
export const serversFileSchema = z.object({
  $schema: z.string().optional(),
  mcpServers: z.record(z.string(), serverEntrySchema).optional(),
  servers: z.record(z.string(), serverEntrySchema).optional(),
});

/**
 * The top level with entries left unchecked: the loader checks each entry on its own with
 * `serverEntrySchema`, so one bad entry does not hide the cross-field errors of the others.
 */
export const serversFileShallowSchema = serversFileSchema.extend({
  mcpServers: z.record(z.string(), z.unknown()).optional(),
  servers: z.record(z.string(), z.unknown()).optional(),
});
