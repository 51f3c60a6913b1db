import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SealedSecretsError } from '../errors.js';
import { renderTemplate } from './render.js';

interface GoCase {
  readonly source: string;
  readonly out: string;
  readonly err: string;
}
interface GoExpected {
  readonly name: string;
  readonly data: Record<string, string>;
  readonly cases: readonly GoCase[];
}

// Produced by testdata/generate.mjs with Go's text/template + sprig v3.3.0 (the Go controller's engine).
const expected = JSON.parse(
  readFileSync(new URL('./testdata/go-expected.json', import.meta.url), 'utf8'),
) as GoExpected;
const context = new Map(Object.entries(expected.data).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

function render(source: string): { out: Buffer } | { err: string } {
  try {
    return { out: renderTemplate(expected.name, source, context) };
  } catch (e) {
    if (!(e instanceof SealedSecretsError)) throw e;
    expect(e.code).toBe('TEMPLATE');
    return { err: e.message };
  }
}

describe('differential test against Go text/template + sprig', () => {
  it('report', () => {
    const report: string[] = [];
    for (const c of expected.cases) {
      const r = render(c.source);
      const goOut = Buffer.from(c.out, 'base64');
      if (c.err === '') {
        if ('err' in r)
          report.push(
            `SRC ${JSON.stringify(c.source)}\n  go:  ${JSON.stringify(goOut.toString('latin1'))}\n  ts ERR: ${r.err}`,
          );
        else if (!r.out.equals(goOut))
          report.push(
            `SRC ${JSON.stringify(c.source)}\n  go:  ${JSON.stringify(goOut.toString('latin1'))}\n  ts:  ${JSON.stringify(r.out.toString('latin1'))}`,
          );
      } else if (!('err' in r)) {
        report.push(
          `SRC ${JSON.stringify(c.source)}\n  go ERR: ${c.err}\n  ts:  ${JSON.stringify(r.out.toString('latin1'))}`,
        );
      } else if (r.err !== c.err) {
        report.push(`SRC ${JSON.stringify(c.source)}\n  go ERR: ${c.err}\n  ts ERR: ${r.err}`);
      }
    }
    console.log(report.join('\n') + `\n${report.length} differences`);
  });
});
