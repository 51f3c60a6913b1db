import { describe, expect, it } from 'vitest';
import { GcraLimiter, MAX_CLIENT_KEY_CHARS, rateLimitKey } from './rate-limiter.js';
import { post, sealedFor, testServer } from './test-helpers/api-server.js';

const body = sealedFor('default', 'ss', { password: 'hunter2' });
const headersOf = (response: { headers: Record<string, unknown> }) => [
  response.headers['x-ratelimit-limit'],
  response.headers['x-ratelimit-remaining'],
  response.headers['x-ratelimit-reset'],
];

describe('/v1/rotate and /v1/verify rate limit (addendum §1.3, §8 item 3)', () => {
  it('rotate: burst+1 pass with X-RateLimit-* headers, then 429 "limit exceeded" with Retry-After', async () => {
    const { app, calls, lines, metrics } = testServer();
    const send = () => app.inject(post('/v1/rotate', body, { 'x-forwarded-for': '10.0.0.1' }));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await send());
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429, 429]);
    // Exactly the sequence observed on v0.40.0 with the defaults.
    expect(answers.map(headersOf)).toEqual([
      ['3', '2', '1'],
      ['3', '1', '1'],
      ['3', '0', '2'],
      ['3', '0', '2'],
      ['3', '0', '2'],
    ]);
    for (const denied of answers.slice(3)) {
      expect(denied.headers['retry-after']).toBe('1');
      expect(denied.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(denied.body).toBe('limit exceeded\n');
    }
    // The handler did not run for the two denied requests: three decryptions, no more log lines.
    expect(calls.decryptors).toBe(3);
    expect(lines.filter((l) => l.includes('re-encrypt'))).toEqual([]);
    expect(await metrics.registry.metrics()).toContain(
      'sealed_secrets_controller_http_requests_total{path="/v1/rotate",code="429",method="post"} 2',
    );
  });

  it('verify has its own bucket; the X-Forwarded-For value is case-insensitive', async () => {
    const { app } = testServer();
    for (let i = 0; i < 3; i++) await app.inject(post('/v1/rotate', body, { 'x-forwarded-for': 'AbC' }));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const client = i % 2 === 0 ? 'abc' : 'ABC';
      codes.push((await app.inject(post('/v1/verify', body, { 'x-forwarded-for': client }))).statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    expect((await app.inject(post('/v1/rotate', body, { 'x-forwarded-for': 'abc' }))).statusCode).toBe(429);
  });

  it('a denied request is not parsed: a hostile body gets 429 and nothing runs', async () => {
    const { app, calls, tick } = testServer({ rateLimitBurst: 0 });
    expect((await app.inject(post('/v1/verify', body))).statusCode).toBe(200);
    const denied = await app.inject(post('/v1/verify', '['.repeat(500_000)));
    expect(denied.statusCode).toBe(429);
    expect(calls.decryptors).toBe(1);
    tick(500);
    expect((await app.inject(post('/v1/verify', body))).statusCode).toBe(200);
  });

  it('/healthz, /readyz and /v1/cert.pem are not limited', async () => {
    const { app } = testServer({ rateLimitBurst: 0 });
    for (let i = 0; i < 5; i++) {
      for (const url of ['/healthz', '/readyz', '/v1/cert.pem']) {
        const response = await app.inject({ url });
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });
});

describe('rateLimitKey', () => {
  const raw = (...pairs: string[]) => pairs;

  it('is the lower-cased client, then the path; no header → the path alone', () => {
    expect(rateLimitKey(raw('X-Forwarded-For', '10.0.0.1'), '/v1/verify')).toBe('10.0.0.1/v1/verify');
    expect(rateLimitKey(raw('x-forwarded-for', 'AbC'), '/v1/rotate')).toBe('abc/v1/rotate');
    expect(rateLimitKey(raw('Host', 'x'), '/v1/rotate')).toBe('/v1/rotate');
  });

  it('takes the address the last proxy appended, so a caller cannot choose its bucket through the API server', () => {
    const viaProxy = (forged: string) =>
      rateLimitKey(raw('X-Forwarded-For', `${forged}, 192.0.2.7`), '/v1/verify');
    expect(viaProxy('1.1.1.1')).toBe('192.0.2.7/v1/verify');
    expect(viaProxy('anything-at-all')).toBe(viaProxy('1.1.1.1'));
    // Several headers: the last one (Go's ReverseProxy joins them and appends to the end).
    expect(rateLimitKey(raw('X-Forwarded-For', 'a', 'x-forwarded-for', 'b, c'), '/v1/verify')).toBe(
      'c/v1/verify',
    );
  });

  it('hashes identities longer than the cap: same identity, same bucket, bounded key', () => {
    const long = `${'A'.repeat(15_000)}`;
    const key = rateLimitKey(raw('X-Forwarded-For', long), '/v1/verify');
    expect(key).toMatch(/^sha256:[0-9a-f]{64}\/v1\/verify$/);
    expect(rateLimitKey(raw('X-Forwarded-For', long.toLowerCase()), '/v1/verify')).toBe(key);
    expect(rateLimitKey(raw('X-Forwarded-For', `${long}B`), '/v1/verify')).not.toBe(key);
    const atCap = 'x'.repeat(MAX_CLIENT_KEY_CHARS);
    expect(rateLimitKey(raw('X-Forwarded-For', atCap), '/v1/verify')).toBe(`${atCap}/v1/verify`);
  });
});

describe('GcraLimiter memory (issue 9 item 6)', () => {
  it('distinct 15 KB X-Forwarded-For values keep at most maxKeys buckets of bounded keys', () => {
    const limiter = new GcraLimiter({ ratePerSecond: 2, burst: 2, now: () => 0, maxKeys: 1000 });
    const base = 'x'.repeat(15_000);
    for (let i = 0; i < 5000; i++) {
      limiter.check(rateLimitKey(['X-Forwarded-For', `${base}${i}`], '/v1/verify'));
    }
    expect(limiter.size).toBe(1000);
    // sha256:<64 hex> + the path, per key.
    expect(limiter.keyChars).toBe(1000 * ('sha256:'.length + 64 + '/v1/verify'.length));
  });

  it('through the server: many distinct long values leave the limiter bounded and the newest clients served', async () => {
    const limiter = new GcraLimiter({ ratePerSecond: 2, burst: 2, now: () => 0, maxKeys: 64 });
    const { app } = testServer({ limiter });
    const base = 'y'.repeat(15_000);
    for (let i = 0; i < 300; i++) {
      const response = await app.inject({
        url: '/v1/verify',
        method: 'POST',
        headers: { 'x-forwarded-for': `${base}${i}` },
      });
      // An empty body is not a SealedSecret: 500, but the request was counted in its own bucket.
      expect(response.statusCode).toBe(500);
      expect(response.headers['x-ratelimit-remaining']).toBe('2');
    }
    expect(limiter.size).toBe(64);
    expect(limiter.keyChars).toBeLessThanOrEqual(64 * (MAX_CLIENT_KEY_CHARS + '/v1/verify'.length));
  });

  it('evicts the least recently used bucket, not the oldest created one', () => {
    const limiter = new GcraLimiter({ ratePerSecond: 1, burst: 5, now: () => 0, maxKeys: 2 });
    limiter.check('a');
    limiter.check('b');
    limiter.check('a'); // a is now the most recent
    limiter.check('c'); // evicts b
    // a kept its bucket (third request: 3 left of 6); b was forgotten and starts full again.
    expect(limiter.check('a').remaining).toBe(3);
    expect(limiter.check('b').remaining).toBe(5);
  });
});
