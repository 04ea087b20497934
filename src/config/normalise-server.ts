import { dirname, resolve } from 'node:path';
import { invalidHeaderIssues } from './header-check.ts';
import { configError, configWarning } from './issues.ts';
import type { JsonPath } from './json-path.ts';
import type { ServerAuthEntry, ServerEntry } from './servers-schema.ts';
import type {
  ConfigIssue,
  RemoteServerAuth,
  RemoteServerConfig,
  ServerConfig,
  StdioServerConfig,
} from './types.ts';

export interface NormaliseContext {
  file: string;
  /** The entry's location, e.g. `['mcpServers', 'github']`. */
  path: JsonPath;
  /** Top-level fields of this entry that contain an unset `${VAR}` (their value is not what the user meant). */
  fieldsWithMissingVariables: ReadonlySet<string>;
}

export interface NormaliseResult {
  server?: ServerConfig;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

type TransportName = NonNullable<ServerEntry['type']>;

/**
 * One type-checked entry → the `ServerConfig` of `types.ts`, with the checks that relate fields to each
 * other (SPEC §5). Messages name the server and never quote a value: URLs, env and headers may hold secrets.
 */
export function normaliseServer(
  name: string,
  entry: ServerEntry,
  context: NormaliseContext,
): NormaliseResult {
  const { file, path } = context;
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const server = `server "${name}"`;

  const hasCommand = entry.command !== undefined;
  const hasUrl = entry.url !== undefined;
  if (hasCommand && hasUrl) {
    errors.push(configError(file, path, `${server} has both "command" and "url"; give exactly one`));
  } else if (!hasCommand && !hasUrl) {
    errors.push(
      configError(file, path, `${server} needs "command" (a local stdio server) or "url" (a remote server)`),
    );
  }

  const fromType = canonical(entry.type);
  const fromTransport = canonical(entry.transport);
  if (fromType !== undefined && fromTransport !== undefined && fromType !== fromTransport) {
    errors.push(
      configError(
        file,
        [...path, 'transport'],
        `${server} has "type": "${entry.type}" but "transport": "${entry.transport}"; they must agree`,
      ),
    );
  }
  const declared = fromType ?? fromTransport;
  const declaredAt = [...path, fromType !== undefined ? 'type' : 'transport'];

  const ignored = (fields: readonly (keyof ServerEntry)[], kind: string): void => {
    for (const field of fields) {
      if (entry[field] !== undefined) {
        warnings.push(
          configWarning(file, [...path, field], `"${field}" is ignored for a ${kind} server`, 'ignored_key'),
        );
      }
    }
  };

  const common = {
    name,
    ...(entry.description !== undefined && { description: entry.description }),
    timeoutMs: entry.timeout_ms,
    ...(entry.connect_timeout_ms !== undefined && { connectTimeoutMs: entry.connect_timeout_ms }),
    ...(entry.max_output_chars !== undefined && { maxOutputChars: entry.max_output_chars }),
  };

  if (hasCommand && !hasUrl) {
    if (declared !== undefined && declared !== 'stdio') {
      errors.push(
        configError(file, declaredAt, `${server} has "command", but "${declared}" is a remote transport`),
      );
    }
    if (entry.command === '' && !context.fieldsWithMissingVariables.has('command')) {
      errors.push(configError(file, [...path, 'command'], `${server} has an empty "command"`));
    }
    ignored(['headers', 'auth'], 'stdio');
    const stdio: StdioServerConfig = {
      ...common,
      transport: 'stdio',
      command: entry.command ?? '',
      args: entry.args ?? [],
      env: entry.env ?? {},
      // A relative cwd is taken from the config file's folder: the gateway's own working directory is
      // whatever the MCP client happened to use, so it would make the file mean different things.
      ...(entry.cwd !== undefined && { cwd: resolve(dirname(file), entry.cwd) }),
    };
    return { server: stdio, errors, warnings };
  }

  if (hasUrl && !hasCommand) {
    if (declared === 'stdio') {
      errors.push(configError(file, declaredAt, `${server} has "url", but "stdio" is for local servers`));
    }
    if (!context.fieldsWithMissingVariables.has('url') && !isHttpUrl(entry.url ?? '')) {
      errors.push(
        configError(file, [...path, 'url'], `${server} needs an absolute http:// or https:// "url"`),
      );
    }
    errors.push(...invalidHeaderIssues(entry.headers ?? {}, { file, path, server }));
    ignored(['args', 'env', 'cwd'], 'remote');
    const remote: RemoteServerConfig = {
      ...common,
      transport: declared === undefined || declared === 'stdio' ? 'auto' : declared,
      url: entry.url ?? '',
      headers: entry.headers ?? {},
      ...(entry.auth !== undefined && { auth: normaliseAuth(entry.auth) }),
    };
    return { server: remote, errors, warnings };
  }

  return { errors, warnings };
}

/** snake_case of the file → camelCase of `types.ts`; absent optional fields stay absent. */
function normaliseAuth(auth: ServerAuthEntry): RemoteServerAuth {
  switch (auth.type) {
    case 'oauth':
      return {
        type: 'oauth',
        ...(auth.scopes !== undefined && { scopes: auth.scopes }),
        ...(auth.client_id !== undefined && { clientId: auth.client_id }),
        ...(auth.client_secret !== undefined && { clientSecret: auth.client_secret }),
        ...(auth.resource !== undefined && { resource: auth.resource }),
      };
    case 'client_credentials':
      return {
        type: 'client_credentials',
        clientId: auth.client_id,
        clientSecret: auth.client_secret,
        ...(auth.scopes !== undefined && { scopes: auth.scopes }),
      };
    case 'none':
      return { type: 'none' };
  }
}

function canonical(name: TransportName | undefined): 'stdio' | 'http' | 'sse' | undefined {
  return name === 'streamable-http' ? 'http' : name;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}
