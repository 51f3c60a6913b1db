// The order in which go-yaml v2 writes the keys of a map (how kubeseal's `-o yaml` sorts every mapping, struct
// fields included, since apimachinery renders YAML from a decoded JSON map). Strings are compared character by
// character; at the first difference letters sort after everything else, and runs of digits compare by value
// (`a9` before `a10`), with a shorter run first when the values are equal (`1` before `01`).

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const ZERO = 0x30;

// Go's unicode tables are Unicode 15.0; Node's are newer. Letters and digits assigned after 15.0 (up to 17.0) are
// not letters or digits for Go, so they are taken out here (a no-op on a Node that does not know them either).
const LETTERS_AFTER_UNICODE_15: readonly (readonly [number, number])[] = [
  [0x88f, 0x88f],
  [0xc5c, 0xc5c],
  [0xcdc, 0xcdc],
  [0x1c89, 0x1c8a],
  [0xa7cb, 0xa7cf],
  [0xa7d2, 0xa7d2],
  [0xa7d4, 0xa7d4],
  [0xa7da, 0xa7dc],
  [0xa7f1, 0xa7f1],
  [0x105c0, 0x105f3],
  [0x10940, 0x10959],
  [0x10d4a, 0x10d65],
  [0x10d6f, 0x10d85],
  [0x10ec2, 0x10ec7],
  [0x11380, 0x11389],
  [0x1138b, 0x1138b],
  [0x1138e, 0x1138e],
  [0x11390, 0x113b5],
  [0x113b7, 0x113b7],
  [0x113d1, 0x113d1],
  [0x113d3, 0x113d3],
  [0x11bc0, 0x11be0],
  [0x11db0, 0x11ddb],
  [0x13460, 0x143fa],
  [0x16100, 0x1611d],
  [0x16d40, 0x16d6c],
  [0x16ea0, 0x16eb8],
  [0x16ebb, 0x16ed3],
  [0x16ff2, 0x16ff3],
  [0x187f8, 0x187ff],
  [0x18cff, 0x18cff],
  [0x18d09, 0x18d1e],
  [0x18d80, 0x18df2],
  [0x1e5d0, 0x1e5ed],
  [0x1e5f0, 0x1e5f0],
  [0x1e6c0, 0x1e6de],
  [0x1e6e0, 0x1e6e2],
  [0x1e6e4, 0x1e6e5],
  [0x1e6e7, 0x1e6ed],
  [0x1e6f0, 0x1e6f4],
  [0x1e6fe, 0x1e6ff],
  [0x2b73a, 0x2b73f],
  [0x2cea2, 0x2cead],
  [0x2ebf0, 0x2ee5d],
  [0x323b0, 0x33479],
];
const DIGITS_AFTER_UNICODE_15: readonly (readonly [number, number])[] = [
  [0x10d40, 0x10d49],
  [0x116d0, 0x116e3],
  [0x11bf0, 0x11bf9],
  [0x11de0, 0x11de9],
  [0x16130, 0x16139],
  [0x16d70, 0x16d79],
  [0x1ccf0, 0x1ccf9],
  [0x1e5f1, 0x1e5fa],
];
const within = (c: number, ranges: readonly (readonly [number, number])[]): boolean =>
  ranges.some(([from, to]) => c >= from && c <= to);

// ASCII first, without the regular expression: V8 compiles `\p{L}` (hundreds of ranges) at its first use in every
// process (a start-up snapshot keeps no compiled regular expressions), about 1 ms of each `-o yaml` run.
/** Go's `unicode.IsLetter` (Unicode 15.0). Exported for its test. */
export const isGoLetter = (c: number): boolean =>
  c < 0x80
    ? (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    : LETTER.test(String.fromCodePoint(c)) && (c < 0x88f || !within(c, LETTERS_AFTER_UNICODE_15));
const isDigit = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c > 0x7f && DIGIT.test(String.fromCodePoint(c)) && !within(c, DIGITS_AFTER_UNICODE_15));

/** The int64 value of a run of digits starting at `from` (wrapping like Go's int64 arithmetic), and its end. */
function digitRun(chars: readonly number[], from: number, start: bigint): { value: bigint; end: number } {
  let value = start;
  let end = from;
  for (; end < chars.length && isDigit(chars[end] ?? 0); end++) {
    value = BigInt.asIntN(64, value * 10n + BigInt((chars[end] ?? 0) - ZERO));
  }
  return { value, end };
}

function codePoints(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0) ?? 0);
}

/** go-yaml v2's "less" for two string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = codePoints(a);
  const br = codePoints(b);
  const n = Math.min(ar.length, br.length);
  for (let i = 0; i < n; i++) {
    const x = ar[i] ?? 0;
    const y = br[i] ?? 0;
    if (x === y) continue;
    const xl = isGoLetter(x);
    const yl = isGoLetter(y);
    if (xl && yl) return x < y;
    if (xl || yl) return yl;
    // A zero where the digits before it are not all zeros is part of a number, not a leading zero.
    let start = 0n;
    if (x === ZERO || y === ZERO) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] ?? 0); j--) {
        if (ar[j] !== ZERO) {
          start = 1n;
          break;
        }
      }
    }
    const av = digitRun(ar, i, start);
    const bv = digitRun(br, i, start);
    if (av.value !== bv.value) return av.value < bv.value;
    if (av.end !== bv.end) return av.end < bv.end;
    return x < y;
  }
  return ar.length < br.length;
}

export function compareGoYamlKeys(a: string, b: string): number {
  if (goYamlKeyLess(a, b)) return -1;
  return goYamlKeyLess(b, a) ? 1 : 0;
}
