import type { FlagDef, FlagTable } from './flag.js';
import { goQuote } from './go-strconv.js';

/** pflag's `UnquoteUsage` type words: bool shows none, slices their plural. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  bool: '',
  float64: 'float',
  int64: 'int',
  uint64: 'uint',
  stringSlice: 'strings',
};

/** The word after the flag: a `back-quoted` name in the usage, else the type's; and the usage without quotes. */
function unquoteUsage(def: FlagDef<unknown>): { word: string; usage: string } {
  const match = /`([^`]*)`/.exec(def.usage);
  if (match !== null) return { word: match[1] ?? '', usage: def.usage.replace(/`([^`]*)`/, '$1') };
  const type = def.type.typeName;
  return { word: TYPE_WORDS[type] ?? type, usage: def.usage };
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * pflag's `FlagUsages` layout: visible flags sorted by name, `  -o, --format string` or `      --name string`, the
 * usage in one column three spaces after the longest left part, `(default …)` (quoted for strings) unless the
 * default is the type's zero; a usage's own line breaks are indented to that column.
 */
export function flagUsages(table: FlagTable): string {
  const rows = Object.entries(table)
    .filter(([, def]) => def.hidden !== true)
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([name, def]) => {
      const { word, usage } = unquoteUsage(def);
      const head = def.short === undefined ? `      --${name}` : `  -${def.short}, --${name}`;
      const left = word === '' ? head : `${head} ${word}`;
      let right = usage;
      if (!def.type.isZero(def.default)) {
        const shown = def.type.show(def.default);
        right += def.type.typeName === 'string' ? ` (default ${goQuote(shown)})` : ` (default ${shown})`;
      }
      return { left, right };
    });
  const width = Math.max(0, ...rows.map((r) => r.left.length));
  const indent = ' '.repeat(width + 3);
  return rows
    .map(({ left, right }) => `${left.padEnd(width)}   ${right.replaceAll('\n', `\n${indent}`)}\n`)
    .join('');
}
