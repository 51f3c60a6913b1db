// The order in which go-yaml v2 writes the keys of a map (how kubeseal's `-o yaml` sorts every mapping, struct
// fields included, since apimachinery renders YAML from a decoded JSON map). Strings are compared character by
// character; at the first difference letters sort after everything else, and runs of digits compare by value
// (`a9` before `a10`), with a shorter run first when the values are equal (`1` before `01`).

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const ZERO = 0x30;

const isLetter = (c: number): boolean => LETTER.test(String.fromCodePoint(c));
const isDigit = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c > 0x7f && DIGIT.test(String.fromCodePoint(c)));

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
    const xl = isLetter(x);
    const yl = isLetter(y);
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
