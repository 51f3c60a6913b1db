import { OrderedMap, type Ordered } from './ordered.js';

// Go's encoding/json escapes these even in pretty output; everything else JSON.stringify already writes as Go does
// (\b, \f, \n, \r, \t, \u00XX for other controls, DEL and non-ASCII raw).
const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;

function quote(text: string): string {
  return JSON.stringify(text).replace(
    GO_EXTRA_ESCAPES,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function write(value: Ordered, indent: string, out: string[]): void {
  if (value instanceof OrderedMap) {
    if (value.entries.length === 0) {
      out.push('{}');
      return;
    }
    const inner = `${indent}  `;
    out.push('{');
    value.entries.forEach(([key, item], i) => {
      out.push(`${i === 0 ? '' : ','}\n${inner}${quote(key)}: `);
      write(item, inner, out);
    });
    out.push(`\n${indent}}`);
  } else if (Array.isArray(value)) {
    const items = value as readonly Ordered[];
    if (items.length === 0) {
      out.push('[]');
      return;
    }
    const inner = `${indent}  `;
    out.push('[');
    items.forEach((item, i) => {
      out.push(`${i === 0 ? '' : ','}\n${inner}`);
      write(item, inner, out);
    });
    out.push(`\n${indent}]`);
  } else if (typeof value === 'string') out.push(quote(value));
  else out.push(JSON.stringify(value));
}

/** JSON as kubeseal writes it (Go's json.MarshalIndent with 2 spaces, then a newline). */
export function renderJson(value: Ordered): string {
  const out: string[] = [];
  write(value, '', out);
  out.push('\n');
  return out.join('');
}
