import type { Document, Pair, YAMLMap } from 'yaml';
import { yamlErrorText } from '@ssts/flags';
import { CliError } from '../errors.js';
import { isMap, isPair, isScalar, parseAllDocuments } from '../io/yaml.js';
import { emitGoYaml } from './go-yaml.js';
import { renderJson } from './json.js';
import { OrderedMap, type Ordered } from './ordered.js';

/**
 * Edits of one `spec.encryptedData` item of one SealedSecret in a YAML (or JSON) file that change only the bytes of
 * that item: the `yaml` library's document model finds the nodes and their source ranges, and the new text is
 * spliced into the original. Comments, key order, quoting, indentation, document separators and every other
 * document stay byte for byte as they were (no re-serialisation).
 */

type Range = readonly [number, number, number];

interface Located {
  readonly doc: Document;
  /** The `encryptedData` mapping, when present and a mapping. */
  readonly map: YAMLMap | undefined;
  /** The `encryptedData` key inside `spec`, for the empty-map cases. */
  readonly entry: Pair | undefined;
}

const rangeOf = (node: unknown): Range => {
  const range = (node as { range?: Range | null }).range;
  if (range === undefined || range === null) throw new Error('yaml node without a source range');
  return range;
};

const keyText = (pair: Pair): string | undefined =>
  isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && keyText(p) === key);
}

function childMap(node: unknown, key: string): { pair: Pair | undefined; map: YAMLMap | undefined } {
  if (!isMap(node)) return { pair: undefined, map: undefined };
  const pair = findPair(node, key);
  return { pair, map: isMap(pair?.value) ? pair.value : undefined };
}

/** The one SealedSecret named `name` (and in `namespace`, when given) among the documents of `text`. */
function locate(text: string, file: string, name: string, namespace: string | undefined): Located {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new CliError('INPUT', `${file}: no SealedSecret named ${name}`);
  const found: Located[] = [];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error !== undefined)
      throw new CliError(
        'INPUT',
        `${file}: cannot be edited in place: ${yamlErrorText(error, text, { position: 'always' })}`,
      );
    if (doc.get('kind') !== 'SealedSecret') continue;
    if (doc.getIn(['metadata', 'name']) !== name) continue;
    const ns = doc.getIn(['metadata', 'namespace']);
    if (namespace !== undefined && namespace !== '' && ns !== undefined && ns !== namespace) continue;
    const spec = childMap(doc.contents, 'spec').map;
    const { pair, map } = childMap(spec, 'encryptedData');
    found.push({ doc, map, entry: pair });
  }
  const [first, second] = found;
  if (first === undefined) throw new CliError('INPUT', `${file}: no SealedSecret named ${name}`);
  if (second !== undefined) {
    throw new CliError('INPUT', `${file}: more than one SealedSecret named ${name}`, {
      hints: ['hint: choose one with --namespace'],
    });
  }
  return first;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The end of the line holding `offset` (before its `\n`), or `offset` when the range already ended a line. */
function lineEnd(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset - 1;
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9._/-]*$/;
const NOT_STRINGS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

/** A key as YAML text: plain when it reads back as that string, else double-quoted (which is also JSON). */
function yamlKey(key: string, json: boolean): string {
  return !json && PLAIN_KEY.test(key) && !NOT_STRINGS.test(key) ? key : JSON.stringify(key);
}

/** The value as its sibling is written: `"…"`, `'…'` or plain (base64 needs no escaping in any of them). */
function styled(ciphertext: string, like: unknown): string {
  if (isScalar(like) && like.type === 'QUOTE_DOUBLE') return `"${ciphertext}"`;
  if (isScalar(like) && like.type === 'QUOTE_SINGLE') return `'${ciphertext}'`;
  return ciphertext;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/** Where comment lines directly above `offset`'s line begin (they go with the item below them). */
function withCommentsAbove(text: string, offset: number): number {
  let start = lineStart(text, offset);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    if (!text.slice(previous, start).trimStart().startsWith('#')) break;
    start = previous;
  }
  return start;
}

/** Adds or replaces `encryptedData[key]` of the SealedSecret `name`; returns the new file text. */
export function setEncryptedItem(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined; key: string; ciphertext: string },
): string {
  const { map, entry } = locate(text, target.file, target.name, target.namespace);
  if (entry === undefined) {
    throw new CliError('INPUT', `${target.file}: SealedSecret ${target.name} has no spec.encryptedData`);
  }
  return setInMap(text, { map, entry }, target.key, target.ciphertext, false);
}

/**
 * Sets `key` of the mapping `entry` holds (its value `map`) to `value`: the value's bytes when the key exists, else
 * one new line (or flow entry) written like its siblings. `raw` values are spliced as they are (`{}`).
 */
function setInMap(
  text: string,
  { map, entry }: { map: YAMLMap | undefined; entry: Pair },
  key: string,
  value: string,
  raw: boolean,
): string {
  const pairs = (map?.items ?? []).filter(isPair);
  const existing = map === undefined ? undefined : findPair(map, key);
  if (existing !== undefined) {
    const [start, end] = rangeOf(existing.value);
    return splice(text, start, end, raw ? value : styled(value, existing.value));
  }
  const last = pairs.at(-1);
  if (map === undefined || last === undefined) return fillEmpty(text, entry, key, value);
  const json = isScalar(last.key) && last.key.type === 'QUOTE_DOUBLE' && map.flow === true;
  const keyOut = yamlKey(key, json);
  const valueOut = raw ? value : styled(value, last.value);
  // Keys written sorted (as kubeseal writes them) stay sorted; otherwise the new item goes last.
  const sorted = pairs.every((p, i) => i === 0 || (keyText(pairs[i - 1] as Pair) ?? '') < (keyText(p) ?? ''));
  const before = sorted ? pairs.find((p) => (keyText(p) ?? '') > key) : undefined;
  const [lastKeyStart] = rangeOf(last.key);
  const [, lastValueEnd] = rangeOf(last.value);
  // The text between a key and its value, taken from a sibling with a scalar value (a nested block map's spans lines).
  const model = pairs.find((p) => isScalar(p.value));
  const colon = model === undefined ? ': ' : text.slice(rangeOf(model.key)[1], rangeOf(model.value)[0]);
  if (map.flow === true) {
    const firstKeyStart = rangeOf(pairs[0]?.key)[0];
    const previous = pairs.at(-2);
    const separator =
      previous === undefined
        ? `,${text.slice(rangeOf(map)[0] + 1, firstKeyStart)}`
        : text.slice(rangeOf(previous.value)[1], lastKeyStart);
    if (before !== undefined) {
      const [at] = rangeOf(before.key);
      return splice(text, at, at, `${keyOut}${colon}${valueOut}${separator}`);
    }
    return splice(text, lastValueEnd, lastValueEnd, `${separator}${keyOut}${colon}${valueOut}`);
  }
  const indent = ' '.repeat(lastKeyStart - lineStart(text, lastKeyStart));
  const line = `${indent}${keyOut}${colon}${valueOut}`;
  if (before !== undefined) {
    const at = withCommentsAbove(text, rangeOf(before.key)[0]);
    return splice(text, at, at, `${line}\n`);
  }
  const at = lineEnd(text, rangeOf(last.value)[2]);
  return splice(text, at, at, `\n${line}`);
}

/**
 * A new mapping's text for a block parent (`{}`, filled entry by entry), or for a flow (JSON) parent the whole
 * object, one entry a line at its siblings' indentation when they are on lines of their own.
 */
function newMapping(text: string, parent: YAMLMap, entries: readonly (readonly [string, string])[]): string {
  if (parent.flow !== true) return '{}';
  const object = Object.fromEntries(entries);
  const firstKeyStart = rangeOf(parent.items.filter(isPair)[0]?.key)[0];
  if (!text.slice(rangeOf(parent)[0], firstKeyStart).includes('\n')) return JSON.stringify(object);
  const column = firstKeyStart - lineStart(text, firstKeyStart);
  const openingLine = text.slice(lineStart(text, rangeOf(parent)[0]));
  const step = Math.max(1, column - (openingLine.length - openingLine.trimStart().length));
  return JSON.stringify(object, null, step).replace(/\n/g, `\n${' '.repeat(column)}`);
}

/**
 * Sets the given annotations of the SealedSecret `name`'s top-level metadata (the seal hints), changing only their
 * lines: an annotation that already has the value is left alone, `annotations` is added when missing.
 */
export function setTopLevelAnnotations(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined },
  annotations: Readonly<Record<string, string>>,
): string {
  const annotationsOf = (current: string) => {
    const { doc } = locate(current, target.file, target.name, target.namespace);
    const metadata = childMap(doc.contents, 'metadata');
    if (metadata.pair === undefined || metadata.map === undefined) {
      throw new CliError('INPUT', `${target.file}: SealedSecret ${target.name} has no metadata mapping`);
    }
    return {
      metadata: { map: metadata.map, entry: metadata.pair },
      ...childMap(metadata.map, 'annotations'),
    };
  };
  const sorted = Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : 1));
  let out = text;
  for (const [key, value] of sorted) {
    let found = annotationsOf(out);
    if (found.pair === undefined) {
      out = setInMap(out, found.metadata, 'annotations', newMapping(out, found.metadata.map, sorted), true);
      found = annotationsOf(out);
    }
    const { pair, map } = found;
    if (pair === undefined) throw new Error('annotations not added');
    if (map === undefined && pair.value !== null && !(isScalar(pair.value) && pair.value.value === null)) {
      throw new CliError('INPUT', `${target.file}: metadata.annotations of ${target.name} is not a mapping`);
    }
    const current = map === undefined ? undefined : findPair(map, key);
    if (current !== undefined && isScalar(current.value) && current.value.value === value) continue;
    out = setInMap(out, { map, entry: pair }, key, value, false);
  }
  return out;
}

const PLAIN_VALUE = /^[A-Za-z_][A-Za-z0-9._/-]*$/;

/**
 * Sets labels or annotations of `spec.template.metadata` of the SealedSecret `name` (--merge-into), changing only
 * their lines: an entry that already has the value is left alone, the mapping is added when missing. A value that
 * would not read back as that string is written double-quoted.
 */
export function setTemplateMetadataEntries(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined },
  field: 'labels' | 'annotations',
  entries: Readonly<Record<string, string>>,
): string {
  const find = (current: string) => {
    const { doc } = locate(current, target.file, target.name, target.namespace);
    const spec = childMap(doc.contents, 'spec').map;
    const metadata = childMap(childMap(spec, 'template').map, 'metadata');
    if (metadata.pair === undefined || metadata.map === undefined) {
      throw new CliError(
        'INPUT',
        `${target.file}: SealedSecret ${target.name} has no spec.template.metadata mapping`,
      );
    }
    return { metadata: { map: metadata.map, entry: metadata.pair }, ...childMap(metadata.map, field) };
  };
  const sorted = Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : 1));
  let out = text;
  for (const [key, value] of sorted) {
    let found = find(out);
    if (found.pair === undefined) {
      out = setInMap(out, found.metadata, field, newMapping(out, found.metadata.map, sorted), true);
      found = find(out);
    }
    const { pair, map } = found;
    if (pair === undefined) throw new Error(`${field} not added`);
    if (map === undefined && pair.value !== null && !(isScalar(pair.value) && pair.value.value === null)) {
      throw new CliError(
        'INPUT',
        `${target.file}: spec.template.metadata.${field} of ${target.name} is not a mapping`,
      );
    }
    const current = map === undefined ? undefined : findPair(map, key);
    if (current !== undefined && isScalar(current.value) && current.value.value === value) continue;
    const plain = PLAIN_VALUE.test(value) && !NOT_STRINGS.test(value);
    out = setInMap(out, { map, entry: pair }, key, plain ? value : JSON.stringify(value), !plain);
  }
  return out;
}

/** `encryptedData: {}` (or null) gets its first item, written in the style of its parent. */
function fillEmpty(text: string, entry: Pair, key: string, ciphertext: string): string {
  const keyNode = entry.key;
  const json = isScalar(keyNode) && keyNode.type === 'QUOTE_DOUBLE';
  const [keyStart, keyEnd] = rangeOf(keyNode);
  const value = entry.value;
  const [valueStart, valueEnd] = value === null ? [keyEnd, keyEnd] : rangeOf(value);
  if (json)
    return splice(text, valueStart, valueEnd, `{${JSON.stringify(key)}: ${JSON.stringify(ciphertext)}}`);
  const indent = ' '.repeat(keyStart - lineStart(text, keyStart) + 2);
  const colonEnd = value === null ? text.indexOf(':', keyEnd) + 1 : valueStart;
  const start = value === null ? colonEnd : text.lastIndexOf(':', valueStart) + 1;
  return splice(
    text,
    start,
    Math.max(valueEnd, colonEnd),
    `\n${indent}${yamlKey(key, false)}: ${ciphertext}`,
  );
}

/** Removes `encryptedData[key]` of the SealedSecret `name`; returns the new file text. */
export function unsetEncryptedItem(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined; key: string },
): string {
  const { map, entry } = locate(text, target.file, target.name, target.namespace);
  const pair = map === undefined ? undefined : findPair(map, target.key);
  if (map === undefined || entry === undefined || pair === undefined) {
    throw new CliError('INPUT', `${target.file}: SealedSecret ${target.name} has no item ${target.key}`);
  }
  return removePair(text, map, entry, pair);
}

/** Removes `pair` (with the comment lines above it) from `map`, the value of `entry`; the last one leaves `{}`. */
function removePair(text: string, map: YAMLMap, entry: Pair, pair: Pair): string {
  const pairs = map.items.filter(isPair);
  const index = pairs.indexOf(pair);
  if (map.flow === true) {
    if (pairs.length === 1) {
      const [start, end] = rangeOf(map);
      return splice(text, start, end, '{}');
    }
    const previous = pairs[index - 1];
    if (previous !== undefined) return splice(text, rangeOf(previous.value)[1], rangeOf(pair.value)[1], '');
    return splice(text, rangeOf(pair.key)[0], rangeOf(pairs[1]?.key)[0], '');
  }
  const end = lineEnd(text, rangeOf(pair.value)[2]);
  if (pairs.length === 1) {
    // The last item: the mapping becomes `{}` right after its key.
    const [, keyEnd] = rangeOf(entry.key);
    return splice(text, keyEnd, end, ': {}');
  }
  const start = withCommentsAbove(text, rangeOf(pair.key)[0]);
  return splice(text, start, Math.min(end + 1, text.length), '');
}

/**
 * Removes the given annotations from the SealedSecret `name`'s top-level metadata (update tags of removed items),
 * changing only their lines; absent ones are ignored.
 */
export function unsetTopLevelAnnotations(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined },
  keys: readonly string[],
): string {
  let out = text;
  for (const key of keys) {
    const { doc } = locate(out, target.file, target.name, target.namespace);
    const metadata = childMap(doc.contents, 'metadata').map;
    const { pair: entry, map } = childMap(metadata, 'annotations');
    const pair = map === undefined ? undefined : findPair(map, key);
    if (map === undefined || entry === undefined || pair === undefined) continue;
    out = removePair(out, map, entry, pair);
  }
  return out;
}

/** `value` as the text of a mapping value at `offset`: Go-style YAML (block maps re-indented) or JSON. */
function renderValue(
  text: string,
  offset: number,
  value: Ordered,
  flow: boolean,
  multiline: boolean,
): string {
  if (flow) {
    const json = renderJson(value).trimEnd();
    if (!multiline) return JSON.stringify(JSON.parse(json));
    const line = text.slice(lineStart(text, offset));
    return json.replace(/\n/g, `\n${' '.repeat(line.length - line.trimStart().length)}`);
  }
  const yaml = emitGoYaml(value).replace(/\n$/, '');
  const column = offset - lineStart(text, offset);
  return yaml.replace(/\n/g, `\n${' '.repeat(column)}`);
}

/** Go's order of the template's fields: a new one goes after the last of those before it. */
const TEMPLATE_ORDER = ['metadata', 'type', 'immutable', 'data'];

function addTemplateField(
  text: string,
  { map, entry }: { map: YAMLMap; entry: Pair },
  key: string,
  value: Ordered,
  flow: boolean,
  multiline: boolean,
): string {
  const oneLine =
    value instanceof OrderedMap
      ? JSON.stringify(JSON.parse(renderJson(value)))
      : renderValue(text, 0, value, flow, false);
  const previous = TEMPLATE_ORDER.slice(0, Math.max(0, TEMPLATE_ORDER.indexOf(key)))
    .reverse()
    .map((k) => findPair(map, k))
    .find((p) => p !== undefined && p.value !== null);
  if (previous === undefined) return setInMap(text, { map, entry }, key, oneLine, true);
  const [keyStart] = rangeOf(previous.key);
  const indent = ' '.repeat(keyStart - lineStart(text, keyStart));
  const [, valueEnd, nodeEnd] = rangeOf(previous.value);
  if (flow) {
    const separator = multiline ? `,\n${indent}` : ', ';
    return splice(text, valueEnd, valueEnd, `${separator}${JSON.stringify(key)}: ${oneLine}`);
  }
  if (text[nodeEnd - 1] === '\n') return splice(text, nodeEnd, nodeEnd, `${indent}${key}: ${oneLine}\n`);
  const at = lineEnd(text, nodeEnd);
  return splice(text, at, at, `\n${indent}${key}: ${oneLine}`);
}

/**
 * Sets (or with `undefined` removes) fields of `spec.template` of the SealedSecret `name` (seal --update, when the
 * Secret's labels, annotations, type or immutable changed): only the lines of those fields change; `data` and
 * every other byte stay. A block mapping (template metadata) is written Go-style at its own indentation.
 */
export function setTemplateFields(
  text: string,
  target: { file: string; name: string; namespace?: string | undefined },
  fields: ReadonlyMap<string, Ordered | undefined>,
): string {
  let out = text;
  for (const [key, value] of fields) {
    const { doc } = locate(out, target.file, target.name, target.namespace);
    const spec = childMap(doc.contents, 'spec').map;
    const { pair: entry, map } = childMap(spec, 'template');
    if (entry === undefined || map === undefined) {
      throw new CliError('INPUT', `${target.file}: SealedSecret ${target.name} has no spec.template mapping`);
    }
    const flow = map.flow === true;
    const pairs = map.items.filter(isPair);
    const first = pairs[0];
    const multiline = first === undefined || out.slice(rangeOf(map)[0], rangeOf(first.key)[0]).includes('\n');
    const existing = findPair(map, key);
    if (value === undefined) {
      if (existing !== undefined) out = removePair(out, map, entry, existing);
      continue;
    }
    if (existing === undefined || existing.value === null) {
      out = addTemplateField(out, { map, entry }, key, value, flow, multiline);
      continue;
    }
    const node = existing.value;
    const [start, end] = rangeOf(node);
    if (!flow && isMap(node) && node.flow !== true && value instanceof OrderedMap) {
      // A block mapping's range ends after its last line break.
      const rendered = renderValue(out, start, value, false, true);
      out = splice(out, start, end, out[end - 1] === '\n' ? `${rendered}\n` : rendered);
    } else if (value instanceof OrderedMap && !flow) {
      out = splice(out, start, end, JSON.stringify(JSON.parse(renderJson(value))));
    } else {
      out = splice(out, start, end, renderValue(out, start, value, flow, multiline));
    }
  }
  return out;
}
