import { bytesToText, decodeRune, RUNE_ERROR, textToBytes } from './bytes.js';
import { FuncError } from '../engine/errors.js';
import { formatFloat } from './float.js';
import { GoInt, GoList, GoMap, GoObject, type Value } from '../engine/values.js';

const HEX = '0123456789abcdef';

/**
 * Go's encoding/json string encoding (Go ≥ 1.22) of a byte string: `\b \f \n \r \t` short escapes, other control
 * bytes as `\u00XX`, `<` `>` `&` as `\u003c` `\u003e` `\u0026` when escaping HTML, U+2028/U+2029 always escaped,
 * and every invalid UTF-8 byte as the escape `\ufffd`. Returns a byte string.
 */
export function encodeJsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length;) {
    const b = s.charCodeAt(i);
    if (b < 0x80) {
      const html = b === 0x3c || b === 0x3e || b === 0x26;
      if (b >= 0x20 && b !== 0x22 && b !== 0x5c && !(html && escapeHTML)) {
        i++;
        continue;
      }
      out += s.slice(start, i);
      switch (b) {
        case 0x5c:
        case 0x22:
          out += '\\' + String.fromCharCode(b);
          break;
        case 0x08:
          out += '\\b';
          break;
        case 0x0c:
          out += '\\f';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0d:
          out += '\\r';
          break;
        case 0x09:
          out += '\\t';
          break;
        default:
          out += '\\u00' + HEX[b >> 4] + HEX[b & 0xf];
      }
      i++;
      start = i;
      continue;
    }
    const [r, size] = decodeRune(s, i);
    if (r === RUNE_ERROR && size === 1) {
      out += s.slice(start, i) + '\\ufffd';
      i++;
      start = i;
      continue;
    }
    if (r === 0x2028 || r === 0x2029) {
      out += s.slice(start, i) + '\\u202' + HEX[r & 0xf];
      i += size;
      start = i;
      continue;
    }
    i += size;
  }
  return out + s.slice(start) + '"';
}

/** Thrown for values json.Marshal rejects (NaN, ±Inf). The message is Go's and contains no secret. */
export class JsonUnsupportedError extends Error {}

function encodeFloat(f: number): string {
  if (!Number.isFinite(f)) {
    throw new JsonUnsupportedError(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
  }
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return formatFloat(f, 'e', -1).replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return formatFloat(f, 'f', -1);
}

function encode(v: Value, escapeHTML: boolean): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return encodeJsonString(v, escapeHTML);
    case 'bigint':
      return v.toString();
    case 'number':
      return encodeFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof GoInt) return v.value.toString();
  if (v instanceof GoObject) return v.json(escapeHTML);
  if (v instanceof GoList) return '[' + v.items.map((item) => encode(item, escapeHTML)).join(',') + ']';
  const map: GoMap = v;
  const fields = map
    .sortedKeys()
    .map((k) => encodeJsonString(k, escapeHTML) + ':' + encode(map.entries.get(k), escapeHTML));
  return '{' + fields.join(',') + '}';
}

/**
 * Go's json.Indent with prefix "" and the given indent, applied to compact JSON (a byte string). Indentation grows
 * with depth × lines, so the output is checked against `maxBytes` as it grows.
 */
function indentJson(compact: string, indent: string, maxBytes: number): string {
  let out = '';
  const newline = (depth: number): string => {
    if (out.length + depth * indent.length > maxBytes) {
      throw new FuncError(`result exceeds the limit of ${maxBytes} bytes`);
    }
    return '\n' + indent.repeat(depth);
  };
  let depth = 0;
  let inString = false;
  let needIndent = false;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i] ?? '';
    if (inString) {
      out += c;
      if (c === '\\') out += compact[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += newline(depth);
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        needIndent = true;
        break;
      case ',':
        out += c + newline(depth);
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) {
          needIndent = false; // empty object/array stays `{}` / `[]`
        } else {
          depth--;
          out += newline(depth);
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

export interface MarshalOptions {
  readonly escapeHTML: boolean;
  readonly indent?: string;
  /** Indented output stops with a FuncError past this many bytes. */
  readonly maxBytes?: number;
}

/** Go's json.Marshal / MarshalIndent / Encoder(SetEscapeHTML(false)) of a template value, as a byte string. */
export function marshalJson(v: Value, options: MarshalOptions): string {
  const compact = encode(v, options.escapeHTML);
  return options.indent === undefined
    ? compact
    : indentJson(compact, options.indent, options.maxBytes ?? Infinity);
}

function fromJs(v: unknown): Value {
  if (v === null) return null;
  if (typeof v === 'string') return textToBytes(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return new GoList(v.map(fromJs));
  const entries = new Map<string, Value>();
  for (const [k, item] of Object.entries(v as Record<string, unknown>))
    entries.set(textToBytes(k), fromJs(item));
  return new GoMap(entries);
}

/**
 * Go's json.Unmarshal into interface{}: numbers become float64, objects map[string]interface{}, arrays
 * []interface{}. Returns undefined for invalid JSON (the caller decides how to report it).
 */
export function unmarshalJson(s: string): { value: Value } | undefined {
  try {
    return { value: fromJs(JSON.parse(bytesToText(s)) as unknown) };
  } catch {
    return undefined;
  }
}
