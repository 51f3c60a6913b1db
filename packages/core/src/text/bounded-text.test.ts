import { describe, expect, it } from 'vitest';
import { capMessage, MESSAGE_LIMIT_BYTES, quoteUserText } from './bounded-text.js';

describe('quoteUserText', () => {
  it("quotes like Go's %q and keeps short text whole", () => {
    expect(quoteUserText('foo')).toBe('"foo"');
    expect(quoteUserText('')).toBe('""');
    expect(quoteUserText('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteUserText('tab\there\nnl\u0001\u007f')).toBe('"tab\\there\\nnl\\x01\\x7f"');
    expect(quoteUserText('é€😀')).toBe('"é€😀"');
    expect(quoteUserText('\u200b')).toBe('"\\u200b"');
    // A lone surrogate cannot come out of Go's JSON decoder: it is U+FFFD there too.
    expect(quoteUserText('x\ud800y')).toBe('"x\ufffdy"');
  });

  it('shows 20 characters, then ... (text/template ErrorContext), counting code points', () => {
    expect(quoteUserText('a'.repeat(20))).toBe(`"${'a'.repeat(20)}"`);
    expect(quoteUserText('a'.repeat(21))).toBe(`"${'a'.repeat(20)}"...`);
    expect(quoteUserText('😀'.repeat(25))).toBe(`"${'😀'.repeat(20)}"...`);
    expect(quoteUserText('abcdef', 3)).toBe('"abc"...');
  });

  it('stays small and on one line for an 800 KB hostile string', () => {
    const quoted = quoteUserText(`${'\n'.repeat(10)}${'x'.repeat(800_000)}`);
    expect(quoted).toBe(`"${'\\n'.repeat(10)}${'x'.repeat(10)}"...`);
    expect(quoted).not.toContain('\n');
  });
});

describe('capMessage', () => {
  it('leaves messages within the bound untouched', () => {
    expect(capMessage('no key could decrypt secret (foo)')).toBe('no key could decrypt secret (foo)');
    const exact = 'é'.repeat(MESSAGE_LIMIT_BYTES / 2);
    expect(capMessage(exact)).toBe(exact);
  });

  it('cuts an 800 KB message to the bound and says how much was dropped', () => {
    const text = `error decrypting secret. no key could decrypt secret (${'k'.repeat(800_000)})`;
    const capped = capMessage(text);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(capped.startsWith('error decrypting secret. no key could decrypt secret (kkk')).toBe(true);
    const match = /\.\.\. \[(\d+) more bytes\]$/.exec(capped);
    expect(match).not.toBeNull();
    expect(Buffer.byteLength(capped) - (match?.[0].length ?? 0) + Number(match?.[1])).toBe(
      Buffer.byteLength(text),
    );
  });

  it('never splits a character', () => {
    for (const unit of ['é', '€', '😀']) {
      for (let limit = 40; limit < 48; limit++) {
        const capped = capMessage(unit.repeat(200), limit);
        expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(limit);
        expect(capped).not.toContain('\ufffd');
        expect(capped.replace(/\.\.\. \[\d+ more bytes\]$/, '').replaceAll(unit, '')).toBe('');
      }
    }
  });
});
