/**
 * Small-typo tolerance for `search_tools` (SPEC §17): a query word that matches no indexed word is
 * replaced by the most common indexed word one edit away (insertion, deletion, substitution or
 * swap of neighbours: "serch", "raed", "databse"). Only unknown words are corrected; fuzzy matching
 * of every word lowered recall in a probe, because real words then also match their neighbours.
 */

// Shorter words have too many neighbours one edit away ("fle" is one edit from "file" and "fee").
export const MIN_CORRECTED_LENGTH = 4;

export interface Vocabulary {
  /** The indexed word closest to `word` within one edit, or undefined. */
  correct(word: string): string | undefined;
}

/** `words`: every indexed word (lower case) with the number of tools that use it. */
export function createVocabulary(words: ReadonlyMap<string, number>): Vocabulary {
  const byLength = new Map<number, string[]>();
  for (const word of words.keys()) {
    const list = byLength.get(word.length) ?? [];
    list.push(word);
    byLength.set(word.length, list);
  }
  return {
    correct(word) {
      if (word.length < MIN_CORRECTED_LENGTH || words.has(word)) return undefined;
      let best: string | undefined;
      let bestCount = 0;
      for (const length of [word.length - 1, word.length, word.length + 1]) {
        for (const candidate of byLength.get(length) ?? []) {
          const count = words.get(candidate) ?? 0;
          if (count > bestCount && isOneEditAway(word, candidate)) {
            best = candidate;
            bestCount = count;
          }
        }
      }
      return best;
    },
  };
}

/** Optimal string alignment distance ≤ 1, in linear time. */
export function isOneEditAway(a: string, b: string): boolean {
  if (a === b) return false;
  if (Math.abs(a.length - b.length) > 1) return false;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  if (a.length === b.length) {
    if (a.slice(start + 1) === b.slice(start + 1)) return true; // substitution
    return (
      a[start] === b[start + 1] && a[start + 1] === b[start] && a.slice(start + 2) === b.slice(start + 2)
    );
  }
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.slice(start + 1) === shorter.slice(start); // insertion or deletion
}
