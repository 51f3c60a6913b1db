/**
 * Substring search in linear time. V8's `indexOf`/`includes`/`split` degrade to O(n·m) on some inputs: a 1 MiB
 * string searched for `a…a b a…a` took 116 s in one call. Template functions that search for a pattern the
 * template (or a secret) chooses use these instead. Short patterns keep V8's search: its worst case is O(n·m) with
 * m below SHORT_PATTERN, and it is much faster in the common case.
 */
const SHORT_PATTERN = 16;

/** Knuth–Morris–Pratt failure function: for each prefix, the length of its longest proper border. */
function borders(pattern: Uint8Array): Int32Array {
  const table = new Int32Array(pattern.length);
  let k = 0;
  for (let i = 1; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = table[k - 1] ?? 0;
    if (pattern[i] === pattern[k]) k++;
    table[i] = k;
  }
  return table;
}

/**
 * Offsets of the non-overlapping occurrences of a non-empty `pattern` in the byte string `s`, left to right (Go's
 * strings.Split, Replace and Contains), at most `limit` of them.
 */
export function occurrences(s: string, pattern: string, limit = Infinity): number[] {
  const found: number[] = [];
  const m = pattern.length;
  if (m < SHORT_PATTERN) {
    for (let x = s.indexOf(pattern); x >= 0 && found.length < limit; x = s.indexOf(pattern, x + m))
      found.push(x);
    return found;
  }
  // Byte strings (code units 0–255) as bytes: typed-array access is several times faster than charCodeAt.
  const text = Buffer.from(s, 'latin1');
  const p = Buffer.from(pattern, 'latin1');
  const table = borders(p);
  let k = 0;
  for (let i = 0; i < text.length && found.length < limit; i++) {
    const c = text[i];
    while (k > 0 && c !== p[k]) k = table[k - 1] ?? 0;
    if (c === p[k]) k++;
    if (k === m) {
      found.push(i - m + 1);
      k = 0; // non-overlapping: the next match starts after this one
    }
  }
  return found;
}

/** `s.indexOf(pattern)` in linear time. */
export function indexOf(s: string, pattern: string): number {
  if (pattern === '') return 0;
  return occurrences(s, pattern, 1)[0] ?? -1;
}
