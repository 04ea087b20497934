/**
 * How tool text and queries become search terms (SPEC §17). The same analysis runs on both sides,
 * so a query word and a description word meet when they share a stem or a synonym group.
 *
 * Tool names are identifiers: `read_text_file`, `get-env`, `browser.navigate`, `createEntities`
 * are split on `_ - .` and camelCase. Stop words include the filler of requests to an agent
 * ("I need to", "please", "a tool that"), because those words would otherwise match every
 * description and keep unrelated queries above the score floor.
 */

const STOP_WORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for from with without into onto over under ' +
    'as is are was were be been being am do does did done doing have has had having it its this ' +
    'that these those there here what which who whom whose when where why how i me my mine we us ' +
    'our you your yours he she they them their his her can could should would will shall may might ' +
    'must please want wants need needs like let lets help tool tools some any all each every one ' +
    'just also so very via using use used able about up out than too not no yes thing things way ' +
    'something anything someone e g eg ie etc s t'
  ).split(' '),
);

/**
 * Verbs and nouns an agent uses for the same action. Every word of a group is indexed and searched
 * as the group's first word, so "remove a relation" finds `delete_relations`. Groups stay small and
 * generic: they must help on any catalog, not on the labelled set's servers only.
 */
const SYNONYM_GROUPS: readonly (readonly [string, ...string[]])[] = [
  ['delete', 'remove', 'erase', 'destroy', 'discard', 'purge', 'trash', 'unlink', 'rm', 'del'],
  ['get', 'fetch', 'read', 'retrieve', 'obtain', 'grab', 'return', 'returns', 'show', 'display'],
  ['search', 'find', 'lookup', 'locate', 'seek', 'query'],
  ['create', 'add', 'make', 'new', 'insert', 'append'],
  ['update', 'edit', 'modify', 'change', 'alter', 'patch', 'amend'],
  ['list', 'enumerate', 'browse'],
  ['write', 'save', 'store', 'persist'],
  ['run', 'execute', 'exec', 'invoke', 'launch'],
  ['navigate', 'visit', 'goto', 'go'],
  ['directory', 'folder', 'dir', 'directories', 'folders'],
  ['image', 'picture', 'photo', 'img'],
  ['page', 'webpage', 'website', 'site'],
  ['user', 'person', 'people', 'member', 'account'],
  ['close', 'shut', 'quit', 'exit'],
  ['click', 'tap'],
  ['compress', 'zip', 'gzip'],
  ['copy', 'duplicate', 'clone'],
  ['info', 'information', 'metadata', 'detail', 'details', 'stat', 'stats'],
  ['multiple', 'several', 'many', 'batch', 'bulk'],
  ['sum', 'total'],
  ['wait', 'pause', 'sleep', 'delay'],
  ['compute', 'calculate'],
  ['tree', 'hierarchy'],
  ['dialog', 'popup', 'alert', 'modal'],
];

// Synonyms are looked up by stem, so inflected forms ("removed", "fetches") join their group too.
const CANONICAL = new Map<string, string>();
for (const group of SYNONYM_GROUPS) {
  const canonical = stem(group[0]);
  for (const word of group) CANONICAL.set(stem(word), canonical);
}

/** Splits text into words: on anything but letters and digits, and between camelCase parts. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

// Indexing 5,000 tools analyses about a million words of a few thousand distinct ones.
const analyzed = new Map<string, string | null>();
const MAX_REMEMBERED_WORDS = 100_000;

/** One word to its search term, or null for a stop word or a bare number (HTTP codes, sizes). */
export function analyzeTerm(word: string): string | null {
  const known = analyzed.get(word);
  if (known !== undefined) return known;
  const lower = word.toLowerCase();
  const stemmed = STOP_WORDS.has(lower) || /^\p{N}+$/u.test(lower) ? null : stem(lower);
  const term = stemmed === null ? null : (CANONICAL.get(stemmed) ?? stemmed);
  if (analyzed.size >= MAX_REMEMBERED_WORDS) analyzed.clear();
  analyzed.set(word, term);
  return term;
}

/**
 * A light suffix stripper (plural, -ing, -ed, -ation, final e): enough to join "entities" and
 * "entity", "creating" and "create", "navigation" and "navigate", and never wrong enough to join
 * unrelated words the way an aggressive stemmer does on short identifiers.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(x|ch|sh|ss|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ation') && w.length > 7) w = w.slice(0, -5) + 'ate';
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

/**
 * Query-side only: a URL, a path or a file name in a request says what kind of thing a tool must
 * take, not which words its description holds ("go to https://example.com", "read /etc/hosts").
 */
export function generaliseQuery(query: string): string {
  return query
    .split(/\s+/)
    .map((word) => {
      if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(word)) return 'url';
      if (/^(?:~|\.{1,2})?\/\S*$|^[a-z]:\\/i.test(word)) return 'path';
      if (/^[\w-]+\.[a-z][a-z0-9]{0,4}[,.;:!?)]*$/i.test(word) && !/[_]/.test(word)) return 'file';
      return word;
    })
    .join(' ');
}
