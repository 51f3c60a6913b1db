import { describe, expect, it } from 'vitest';
import { isKubeError, kubeErrorFromResponse } from './kube-errors.js';
import { TokenBucket } from './token-bucket.js';

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
});
