import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MESSAGE_LIMIT_BYTES } from '@ssts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_RECORD_LIMIT_BYTES, LOG_VALUE_LIMIT_BYTES } from '../log.js';
import { post, sealedFor, testServer } from './test-helpers/api-server.js';

/** A request that should take milliseconds; this only catches a hang or a stall, it measures nothing. */
const LIVENESS_MS = 5_000;
const ENDPOINTS = ['/v1/verify', '/v1/rotate'] as const;
const unlimited = () => testServer({ rateLimit: 1000, rateLimitBurst: 1000 });

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** The inputs of issue 9 item 4 (and variants of them): each must get a 4xx/5xx, never crash or stall. */
const HOSTILE_BODIES: [string, string, string][] = [
  ['4 KB of 2 000 nested [', nested(2000), 'application/json'],
  [
    '18 KB three-document YAML of nested flow sequences',
    [0, 1, 2].map(() => nested(3000)).join('\n---\n'),
    'application/yaml',
  ],
  [
    '18 KB three-document YAML of nested block mappings',
    [0, 1, 2]
      .map(() => Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}a:`).join('\n'))
      .join('\n---\n'),
    'application/yaml',
  ],
  ['800 KB of nested [', nested(400_000), 'application/json'],
  ['800 KB of nested JSON objects', `${'{"a":'.repeat(160_000)}1${'}'.repeat(160_000)}`, 'application/json'],
  ['a billion-laughs YAML', billionLaughs(), 'application/yaml'],
];

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(
      `${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
    );
  }
  return `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n${lines.join('\n')}\n`;
}

describe('hostile request bodies (issue 9 item 4), on every Node version CI runs', () => {
  it.each(HOSTILE_BODIES)(
    '%s → a 4xx/5xx quickly, twice, and /healthz still answers',
    async (_name, body, type) => {
      const { app } = unlimited();
      for (const url of ENDPOINTS) {
        for (let attempt = 0; attempt < 2; attempt++) {
          const started = performance.now();
          const response = await app.inject(post(url, body, { 'content-type': type }));
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(600);
          expect(performance.now() - started).toBeLessThan(LIVENESS_MS);
          expect(response.body.length).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES + 1);
        }
      }
      expect((await app.inject({ url: '/healthz' })).body).toBe('ok\n');
    },
  );

  it('parses JSON bodies as JSON: 10 000 annotations (far over the YAML token bound) verify fine', async () => {
    const ss = sealedFor('default', 'big', { password: 'hunter2' });
    const annotations = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`note-${i}`, `v${i}`]));
    const body = JSON.stringify({ ...ss, metadata: { ...ss.metadata, annotations } });
    const { app } = unlimited();
    expect((await app.inject(post('/v1/verify', body))).statusCode).toBe(200);
    // The same object as YAML is refused by the YAML token bound instead of parsed for seconds.
    const yaml = body.replace(/^\{/, ' {');
    expect(
      (await app.inject(post('/v1/verify', `# yaml\n${yaml}`, { 'content-type': 'application/yaml' })))
        .statusCode,
    ).toBe(500);
  });
});

describe('bounded error text (issue 9 item 5)', () => {
  const huge = 'k'.repeat(800_000);

  it('an 800 KB key name that does not decrypt: rotate answers ≤ 1 KiB and logs bounded lines', async () => {
    const ss = sealedFor('default', 'ss', { password: 'hunter2' });
    const body = { ...ss, spec: { ...ss.spec, encryptedData: { ...ss.spec.encryptedData, [huge]: 'AgA=' } } };
    const { app, lines } = unlimited();
    const rotate = await app.inject(post('/v1/rotate', body));
    expect(rotate.statusCode).toBe(500);
    expect(Buffer.byteLength(rotate.body)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES + 1);
    expect(rotate.body).toMatch(
      /^error decrypting secret\. no key could decrypt secret \(k+\.\.\. \[\d+ more bytes\]\n$/,
    );
    const verify = await app.inject(post('/v1/verify', body));
    expect([verify.statusCode, verify.body]).toEqual([409, '']);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line.length).toBeLessThan(LOG_RECORD_LIMIT_BYTES + LOG_VALUE_LIMIT_BYTES + 1024);
  });

  it('an 800 KB apiVersion or annotation key: the parse error quotes 20 characters', async () => {
    const ss = sealedFor('default', 'ss', { password: 'hunter2' });
    const { app, lines } = unlimited();
    const badVersion = await app.inject(post('/v1/rotate', { ...ss, apiVersion: huge }));
    expect(badVersion.statusCode).toBe(500);
    expect(badVersion.body).toBe(`apiVersion: expected "bitnami.com/v1alpha1", got "${'k'.repeat(20)}"...\n`);
    const badKey = await app.inject(
      post('/v1/rotate', { ...ss, metadata: { ...ss.metadata, annotations: { [huge]: 1 } } }),
    );
    expect(badKey.body).toBe(
      `metadata.annotations["${'k'.repeat(20)}"...]: expected a string, got a number\n`,
    );
    for (const line of lines) expect(line.length).toBeLessThan(2048);
  });
});

describe('body size limit on a real socket', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function listening() {
    const { app } = unlimited();
    await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
    return (app.server.address() as AddressInfo).port;
  }

  /** Sends `head`, then `chunk` repeatedly (up to `maxBytes`) until the server answers; returns answer and bytes. */
  function exchange(port: number, head: string, chunk: string, maxBytes: number) {
    return new Promise<{ answer: string; sent: number }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      let answered = false;
      const pump = (): void => {
        while (!answered && sent < maxBytes) {
          sent += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      socket.on('connect', () => {
        socket.write(head);
        if (chunk !== '') setImmediate(pump);
      });
      socket.on('data', (data) => {
        answered = true;
        answer += data.toString();
        if (answer.includes('\r\n\r\n')) {
          socket.destroy();
          resolve({ answer, sent });
        }
      });
      socket.on('error', (error) => (answered ? resolve({ answer, sent }) : reject(error)));
    });
  }

  it('answers 413 on a too large Content-Length before any of the body arrives', async () => {
    const port = await listening();
    const { answer, sent } = await exchange(
      port,
      'POST /v1/rotate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n',
      '',
      0,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBe(0);
  });

  it('stops reading a chunked body once it passes the limit, with 413', async () => {
    const port = await listening();
    const piece = 'x'.repeat(64 * 1024);
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    const { answer, sent } = await exchange(
      port,
      'POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      chunk,
      64 * 1024 * 1024,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    // The client could have sent 64 MiB; the server refused after about its 1 MiB limit (socket buffers aside).
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });
});
