import { describe, expect, it } from 'vitest';
import {
  describeFailedResponse,
  isKubeError,
  kubeErrorFromBody,
  kubeErrorFromResponse,
  MAX_STATUS_CAUSES,
} from './errors.js';
import { rateLimiter, TokenBucket } from './rate-limit.js';

describe('kubeErrorFromResponse', () => {
  it.each([
    [404, { reason: 'NotFound', message: 'secrets "x" not found' }, 'NotFound', 'secrets "x" not found'],
    [409, { reason: 'AlreadyExists', message: 'exists' }, 'AlreadyExists', 'exists'],
    [409, { reason: 'Conflict', message: 'conflict' }, 'Conflict', 'conflict'],
    [422, { reason: 'Invalid', message: 'bad' }, 'Invalid', 'bad'],
    [410, { reason: 'Expired', message: 'too old resource version' }, 'Gone', 'too old resource version'],
    [403, undefined, 'Forbidden', 'fallback'],
    [503, 'not json', 'ServerError', 'fallback'],
    [418, {}, 'Unknown', 'fallback'],
  ])('status %d body %j → %s', (status, body, code, message) => {
    const error = kubeErrorFromResponse(status, body, 'fallback');
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.status).toBe(status);
    expect(isKubeError(error, code as never)).toBe(true);
  });

  it('classifies by reason before status, never by message', () => {
    expect(kubeErrorFromResponse(400, { reason: 'Conflict', message: 'NotFound' }, '').code).toBe('Conflict');
  });
});

describe('kubeErrorFromBody / describeFailedResponse', () => {
  it('uses the Status message of a Status body, else the status and the first line, escaped', () => {
    const status = Buffer.from(
      JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'gone\u001b[2J' }),
    );
    expect(kubeErrorFromBody(404, status)).toMatchObject({
      code: 'NotFound',
      message: 'gone\\x1b[2J',
      status: 404,
    });
    expect(describeFailedResponse(503, Buffer.from('upstream down\nsecond line'))).toBe(
      'the server responded with status 503 (upstream down)',
    );
    expect(describeFailedResponse(500, Buffer.alloc(0))).toBe('the server responded with status 500');
  });
});

describe('Status reason and causes', () => {
  it("keeps the reason and each cause's field and reason (escaped, bounded), never a cause's message", () => {
    const causes = Array.from({ length: 40 }, (_, i) => ({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "hunter2"',
      field: `data[k${i}]`,
    }));
    const body = {
      kind: 'Status',
      reason: 'Invalid',
      message: 'Secret "x" is invalid',
      details: {
        causes: [{ reason: 'Bad\u001b[2J', field: 'f'.repeat(300) }, 7, { message: 'only' }, ...causes],
      },
    };
    const error = kubeErrorFromBody(422, Buffer.from(JSON.stringify(body)));
    expect(error).toMatchObject({ code: 'Invalid', reason: 'Invalid', status: 422 });
    expect(error.causes).toHaveLength(MAX_STATUS_CAUSES - 2);
    expect(error.causes[0]?.reason).toBe('Bad\\x1b[2J');
    expect(error.causes[0]?.field).toBe(`${'f'.repeat(256)}... (44 more characters)`);
    expect(error.causes[1]).toEqual({ field: 'data[k0]', reason: 'FieldValueInvalid' });
    expect(JSON.stringify(error.causes)).not.toContain('hunter2');
    expect(kubeErrorFromResponse(410, { reason: 'Expired', details: { causes: 'x' } }, '')).toMatchObject({
      code: 'Gone',
      reason: 'Expired',
      causes: [],
    });
    expect(kubeErrorFromBody(500, Buffer.from('not json'))).toMatchObject({ reason: undefined, causes: [] });
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces requests at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 2, () => now);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBeCloseTo(200);
    now = 1000;
    expect(bucket.reserve()).toBe(0);
  });

  it('follows client-go: QPS 0 is the default, a negative QPS disables limiting, buckets are independent', () => {
    expect(rateLimiter(-1, 10)).toBeUndefined();
    expect(rateLimiter(0, 10)).toBeInstanceOf(TokenBucket);
    expect(rateLimiter(5, 10)).not.toBe(rateLimiter(5, 10));
  });
});
