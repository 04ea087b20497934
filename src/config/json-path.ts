/** A location inside a JSON document: object keys and array indices, outermost first. */
export type JsonPath = readonly (string | number)[];

// Keys such as `brave-search` or `GITHUB_TOKEN` read best bare; anything that would make the dotted
// form ambiguous (dots, spaces, brackets, quotes, the empty key) is quoted, so a path is never misread.
const BARE_KEY = /^[A-Za-z0-9_$-]+$/;

/** `['mcpServers', 'github', 'args', 2]` → `mcpServers.github.args[2]`; `[]` → `''` (the whole file). */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (BARE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
