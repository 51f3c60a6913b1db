import { isScalar, parse, parseAllDocuments, visit } from 'yaml';
import { goYamlKeyLess } from '../../../packages/kubeseal/src/format/go-yaml-key-order.js';

// How outputs of the two kubeseals are compared: ciphertexts masked, document by document, and a difference in YAML
// accepted only where Go's own output does not read back as the data it stands for.

/** Ciphertexts are random: every long base64 run becomes `<ciphertext>`. */
export const mask = (text: string): string => text.replace(/[A-Za-z0-9+/]{100,}={0,2}/g, '<ciphertext>');

/** The documents of a `-o json` stream (kubeseal writes one pretty object per document, each starting a line). */
export const jsonDocuments = (text: string): string[] =>
  text === '' ? [] : text.split(/\n(?=\{\n)/).map((d) => (d.endsWith('\n') ? d : `${d}\n`));

/** The documents of a `-o yaml` stream (each starts with `---`). */
export const yamlDocuments = (text: string): string[] => (text === '' ? [] : text.split(/^(?=---\n)/m));

/**
 * Go writes an empty decrypted value of a recovered Secret as `null` (a nil []byte); we write "" (README: kubectl
 * apply reads a null map value as "delete this key"). Turns Go's form into ours in a Secret's JSON or YAML.
 */
export const emptyValuesAsText = (text: string): string => text.replace(/^(\s+.*: )null(,?)$/gm, '$1""$2');

/** Masked, with the keys of every object sorted: YAML output sorts keys where JSON output keeps Go's order. */
function maskValues(value: unknown): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map(maskValues);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, maskValues(v)]),
    );
  }
  return value;
}

/** What a YAML reader of the given version makes of a document (masked), or the error it gives. */
function read(yaml: string, version: '1.1' | '1.2' = '1.2'): string {
  try {
    return JSON.stringify(
      maskValues(JSON.parse(JSON.stringify(parse(yaml, { version, uniqueKeys: false })))),
    );
  } catch (error) {
    return JSON.stringify({ error: String(error) });
  }
}

/**
 * Differences README lists even where Go's text happens to read back right in a YAML 1.2 reader: texts YAML 1.1
 * readers (PyYAML) misread (a `value`, a merge key, numbers without digits, impossible dates), and U+2028/U+2029,
 * which we always escape.
 */
const DOCUMENTED =
  /^(?:=|<<|[-+]?0b_*|[-+]?0x_*|\._+[0-9_]*)$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[\u2028\u2029]/;

function documented(line: string): boolean {
  let scalars: unknown;
  try {
    scalars = parse(line.trim(), { version: '1.2' }) as unknown;
  } catch {
    // Not YAML on its own (logicalLines keeps folded scalars whole, so this is unexpected): not judged as a
    // documented difference, so the caller reports the document instead of crashing.
    return false;
  }
  const texts = scalars !== null && typeof scalars === 'object' ? Object.entries(scalars).flat() : [scalars];
  return texts.some((t) => typeof t === 'string' && DOCUMENTED.test(t));
}

/**
 * The lines of a YAML text, except that a scalar folded over several lines (a long quoted key or value) stays in
 * one piece with its line breaks: a line of it alone is not YAML, and its two writers may fold it differently.
 */
function logicalLines(text: string): string[] {
  const inside = new Set<number>();
  for (const doc of parseAllDocuments(text, { version: '1.2', uniqueKeys: false })) {
    if (!('contents' in doc)) continue;
    visit(doc, {
      Node(_key, node) {
        if (!isScalar(node) || node.range === undefined || node.range === null) return;
        // A block scalar's range ends after its own last line break, which ends the line as any other does.
        const [start, valueEnd] = node.range;
        const end = text[valueEnd - 1] === '\n' ? valueEnd - 1 : valueEnd;
        for (let p = text.indexOf('\n', start); p !== -1 && p < end; p = text.indexOf('\n', p + 1))
          inside.add(p);
      },
    });
  }
  const lines: string[] = [];
  let from = 0;
  for (let p = text.indexOf('\n'); p !== -1; p = text.indexOf('\n', p + 1)) {
    if (inside.has(p)) continue;
    lines.push(text.slice(from, p));
    from = p + 1;
  }
  lines.push(text.slice(from));
  return lines;
}

/** True when go-yaml's key order has a cycle among these keys (`2` < `10` < `1x0` < `2`). */
function intransitive(keys: readonly string[]): boolean {
  return keys.some((a) =>
    keys.some((b) => goYamlKeyLess(a, b) && keys.some((c) => goYamlKeyLess(b, c) && !goYamlKeyLess(a, c))),
  );
}

/** Some mapping of the document has keys in no consistent go-yaml order: Go prints them in a random order. */
function hasIntransitiveKeys(yaml: string): boolean {
  const values: unknown[] = [parse(yaml, { uniqueKeys: false }) as unknown];
  for (let value = values.pop(); value !== undefined; value = values.pop()) {
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value) && intransitive(Object.keys(value))) return true;
    values.push(...Object.values(value));
  }
  return false;
}

/**
 * Decides whether our YAML document may differ from Go's (both unmasked): ours must read back (YAML 1.2) as the
 * data of the JSON document. Then either Go's does not, or every line only we have holds a documented case and
 * the remaining lines are in the same order, or a mapping with an intransitive key set explains the order.
 * Returns undefined when the difference is justified, else why not.
 */
export function unjustifiedYamlDifference(
  ours: string,
  go: string,
  expectedJson: string,
): string | undefined {
  const expected = JSON.stringify(maskValues(JSON.parse(expectedJson)));
  const back = read(ours, '1.2');
  if (back !== expected) return `our YAML reads back differently:\n${back}\n${expected}`;
  if (read(go, '1.2') !== expected) return undefined;
  const oursLines = logicalLines(ours).map(mask);
  const goLines = logicalLines(go).map(mask);
  const unmatched = new Map<string, number>();
  for (const line of goLines) unmatched.set(line, (unmatched.get(line) ?? 0) + 1);
  const onlyOurs = new Set<string>();
  for (const line of oursLines) {
    const left = unmatched.get(line) ?? 0;
    if (left > 0) unmatched.set(line, left - 1);
    else onlyOurs.add(line);
  }
  const onlyGo = new Set([...unmatched].filter(([, n]) => n > 0).map(([line]) => line));
  const sameOrder =
    oursLines.filter((l) => !onlyOurs.has(l)).join('\n') === goLines.filter((l) => !onlyGo.has(l)).join('\n');
  const ok =
    oursLines.length === goLines.length &&
    [...onlyOurs].every(documented) &&
    (sameOrder || hasIntransitiveKeys(ours));
  return ok
    ? undefined
    : `differs where Go's output reads back right:\n--- ours\n${mask(ours)}--- go\n${mask(go)}`;
}
