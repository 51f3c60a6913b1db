import { describe, expect, it } from 'vitest';
import { createLogger, LOG_RECORD_LIMIT_BYTES, LOG_VALUE_LIMIT_BYTES, pinoLevel, toTextLine } from './log.js';

function sinks() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  };
}

describe('createLogger', () => {
  it('splits info to stdout and warnings to stderr, or sends everything to stderr', () => {
    const split = sinks();
    const log = createLogger({ level: 'INFO', format: 'json', infoToStdout: true, ...split });
    log.info('hello');
    log.debug('hidden');
    log.warn('careful');
    expect(split.out).toHaveLength(1);
    expect(JSON.parse(split.out[0] ?? '')).toMatchObject({ msg: 'hello', level: 30 });
    expect(split.err.join('')).toContain('careful');
    const single = sinks();
    const all = createLogger({ level: 'debug', format: 'json', infoToStdout: false, ...single });
    all.debug('d');
    all.info('i');
    expect(single.out).toEqual([]);
    expect(single.err).toHaveLength(2);
  });

  it('writes slog-like text unless --log-format json', () => {
    const s = sinks();
    createLogger({ level: 'INFO', format: 'text', infoToStdout: true, ...s }).info(
      { secret: 'k1', n: 2 },
      'Registered a key',
    );
    expect(s.out[0]).toMatch(/^time=\S+ level=INFO msg="Registered a key" secret=k1 n=2\n$/);
  });

  it('redacts secret material wherever an object slips in', () => {
    const s = sinks();
    const log = createLogger({ level: 'INFO', format: 'json', infoToStdout: true, ...s });
    log.info(
      {
        secret: { data: { password: 'aHVudGVy' }, stringData: { p: 'hunter2' } },
        ss: { spec: { encryptedData: { a: 'AgA' }, template: { data: { t: '{{ .a }}' } } } },
        key: { privateKey: '-----BEGIN RSA PRIVATE KEY-----' },
      },
      'oops',
    );
    const line = s.out.join('');
    expect(line).not.toContain('aHVudGVy');
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('AgA');
    expect(line).not.toContain('PRIVATE KEY');
    expect(line).toContain('[REDACTED]');
  });
});

describe('pinoLevel (slog level syntax)', () => {
  it.each([
    ['DEBUG', 'debug'],
    ['debug', 'debug'],
    ['INFO', 'info'],
    ['Warn', 'warn'],
    ['ERROR', 'error'],
    ['INFO+2', 'warn'],
    ['WARN-4', 'info'],
    ['ERROR+1', 'fatal'],
    ['nonsense', 'info'],
  ])('%s → %s', (text, level) => expect(pinoLevel(text)).toBe(level));
});

it('quotes text values that need it', () => {
  expect(toTextLine({ time: 0, level: 40, msg: 'x', a: 'has space', b: { c: 1 } })).toBe(
    'time=1970-01-01T00:00:00.000Z level=WARN msg=x a="has space" b="{\\"c\\":1}"\n',
  );
});

describe('log bounds (issue 9 item 5)', () => {
  it('caps every string of a record and the message, so an 800 KB value cannot make an 800 KB line', () => {
    for (const format of ['json', 'text']) {
      const s = sinks();
      const log = createLogger({ level: 'INFO', format, infoToStdout: true, ...s });
      const huge = 'k'.repeat(800_000);
      log.info({ error: `error decrypting secret. no key could decrypt secret (${huge})` }, huge);
      log.info({ nested: { deeper: [huge, { x: huge }] }, err: new Error(huge) }, 'nested');
      log.info({ many: Array.from({ length: 10_000 }, (_, i) => i) }, 'many');
      for (const line of s.out)
        expect(line.length).toBeLessThan(LOG_RECORD_LIMIT_BYTES + LOG_VALUE_LIMIT_BYTES + 1024);
      expect(s.out[0]).toContain('error decrypting secret. no key could decrypt secret (kkk');
      expect(s.out[0]).toMatch(/more bytes\]/);
    }
  });

  it('keeps a certificate PEM whole and still redacts secret fields', () => {
    const s = sinks();
    const pem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(6000)}\n-----END CERTIFICATE-----\n`;
    createLogger({ level: 'INFO', format: 'json', infoToStdout: true, ...s }).info(
      { certificate: pem, secret: { data: { password: 'hunter2' } } },
      'Certificate generated',
    );
    const record = JSON.parse(s.out[0] ?? '{}') as { certificate: string };
    expect(record.certificate).toBe(pem);
    expect(s.out[0]).not.toContain('hunter2');
  });
});
