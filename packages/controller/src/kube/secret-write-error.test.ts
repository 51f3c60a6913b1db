import { KubeError } from '@ssts/kube';
import { describe, expect, it } from 'vitest';
import { secretWriteError } from './secret-write-error.js';

const WITHHELD = "its message is withheld, as it can quote the Secret's values";

describe('secretWriteError', () => {
  it('names at most 8 distinct causes, then counts the rest; falls back to the code without a reason', () => {
    const causes = Array.from({ length: 12 }, (_, i) => ({
      field: `data[k${i % 10}]`,
      reason: 'FieldValueInvalid',
    }));
    const error = secretWriteError(
      'create',
      'db',
      new KubeError('Invalid', 'Secret "db" is invalid: data[k0]: Invalid value: "hunter2"', {
        status: 422,
        causes,
      }),
    );
    expect((error as Error).message).toBe(
      'cannot create Secret "db": the API server answered 422 Invalid (' +
        Array.from({ length: 8 }, (_, i) => `data[k${i}]: FieldValueInvalid`).join(', ') +
        ` and 2 more); ${WITHHELD}`,
    );
    const bare = secretWriteError('update', 'db', new KubeError('ServerError', 'hunter2', { status: 500 }));
    expect(bare).toMatchObject({
      code: 'ServerError',
      status: 500,
      message: `cannot update Secret "db": the API server answered 500 ServerError; ${WITHHELD}`,
    });
  });

  it('keeps transport failures (no answer, no body quoted) and other errors, without their cause', () => {
    const parse = new SyntaxError(
      'Unexpected token, "{"data":{"password":"aHVudGVyMg=="}" is not valid JSON',
    );
    const timeout = new KubeError('Timeout', 'Post "https://k/api/v1/namespaces/ns/secrets": timed out', {
      cause: parse,
      retryAfterSeconds: 3,
    });
    const kept = secretWriteError('create', 'db', timeout);
    expect(kept).toMatchObject({
      code: 'Timeout',
      message: timeout.message,
      status: undefined,
      retryAfterSeconds: 3,
    });
    expect((kept as Error).cause).toBeUndefined();
    const other = new Error('not leader');
    expect(secretWriteError('create', 'db', other)).toBe(other);
  });
});
