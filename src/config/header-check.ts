import { configError } from './issues.ts';
import type { JsonPath } from './json-path.ts';
import type { ConfigIssue } from './types.ts';

/**
 * Header names and values that fetch would refuse to send (SPEC §5 sends every header). Without this
 * check the file loads, and each call of that server fails at connect time. The rule is `Headers`'
 * own, so it cannot drift from what the transport does; its message quotes the value, which may be a
 * secret, so only our own words are passed on.
 */
export function invalidHeaderIssues(
  headers: Readonly<Record<string, string>>,
  context: { file: string; path: JsonPath; server: string },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const at = [...context.path, 'headers', name];
    if (!accepts(name, 'x')) {
      issues.push(
        configError(
          context.file,
          at,
          `${context.server} has an invalid header name ${JSON.stringify(name)}: ` +
            "use letters, digits and !#$%&'*+-.^_`|~ only, with no spaces or colons",
          'invalid_header',
        ),
      );
    } else if (!accepts('x', value)) {
      issues.push(
        configError(
          context.file,
          at,
          `${context.server} has a value for header ${JSON.stringify(name)} that cannot be sent: ` +
            'it holds a line break, a NUL or a character beyond U+00FF (after ${VAR} substitution)',
          'invalid_header',
        ),
      );
    }
  }
  return issues;
}

function accepts(name: string, value: string): boolean {
  try {
    new Headers().set(name, value);
    return true;
  } catch {
    return false;
  }
}
