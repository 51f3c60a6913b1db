import { GoSyntaxError } from './go-strconv.js';

// pflag's `stringSlice` reads each value as one record of Go's encoding/csv (comma-separated, `"` quoting with
// `""` for a quote, empty lines skipped, only the first record kept). This is that reader, with its messages.

const byteLength = (text: string): number => new TextEncoder().encode(text).length;

function parseError(line: number, column: number, what: string, startLine = line): GoSyntaxError {
  const where =
    startLine === line
      ? `parse error on line ${line}, column ${column}`
      : `record on line ${startLine}; parse error on line ${line}, column ${column}`;
  return new GoSyntaxError(`${where}: ${what}`);
}

const BARE_QUOTE = 'bare " in non-quoted-field';
const QUOTE = 'extraneous or missing " in quoted-field';

/** Splits into lines that keep their `\n`; a trailing `\r\n` counts as `\n`, a `\r` before the end is dropped. */
function lines(text: string): string[] {
  const result: string[] = [];
  let rest = text;
  while (rest !== '') {
    const nl = rest.indexOf('\n');
    let line = nl < 0 ? rest : rest.slice(0, nl + 1);
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    if (line.endsWith('\r\n')) line = `${line.slice(0, -2)}\n`;
    else if (nl < 0 && line.endsWith('\r')) line = line.slice(0, -1);
    result.push(line);
  }
  return result;
}

const withoutNewline = (line: string): string => (line.endsWith('\n') ? line.slice(0, -1) : line);

/** The first record of `text` as Go's `csv.NewReader(…).Read()` returns it (`EOF` when there is none). */
export function readCsvRecord(text: string): string[] {
  const all = lines(text);
  let index = all.findIndex((line) => line !== '\n');
  if (index < 0) throw new GoSyntaxError('EOF');
  const startLine = index + 1;
  let lineNumber = startLine;
  let line = all[index] ?? '';
  let column = 0; // bytes of the current line consumed so far
  const fields: string[] = [];
  for (;;) {
    if (!line.startsWith('"')) {
      const rest = withoutNewline(line);
      const comma = rest.indexOf(',');
      const field = comma < 0 ? rest : rest.slice(0, comma);
      const quote = field.indexOf('"');
      if (quote >= 0)
        throw parseError(lineNumber, column + byteLength(field.slice(0, quote)) + 1, BARE_QUOTE);
      fields.push(field);
      if (comma < 0) return fields;
      line = rest.slice(comma + 1);
      column += byteLength(field) + 1;
      continue;
    }
    // A quoted field, possibly over several lines.
    let field = '';
    line = line.slice(1);
    column += 1;
    for (;;) {
      const quote = line.indexOf('"');
      if (quote >= 0) {
        field += line.slice(0, quote);
        column += byteLength(line.slice(0, quote)) + 1;
        line = line.slice(quote + 1);
        if (line.startsWith('"')) {
          field += '"';
          line = line.slice(1);
          column += 1;
          continue;
        }
        if (line.startsWith(',')) {
          line = line.slice(1);
          column += 1;
          fields.push(field);
          break;
        }
        if (line === '' || line === '\n') {
          fields.push(field);
          return fields;
        }
        throw parseError(lineNumber, column, QUOTE, startLine);
      }
      if (line !== '') {
        field += line;
        index += 1;
        const next = all[index];
        if (next === undefined) {
          if (!line.endsWith('\n'))
            throw parseError(lineNumber, column + byteLength(line) + 1, QUOTE, startLine);
          throw parseError(lineNumber + 1, 1, QUOTE, startLine);
        }
        line = next;
        lineNumber += 1;
        column = 0;
        continue;
      }
      throw parseError(lineNumber, column + 1, QUOTE, startLine);
    }
  }
}
