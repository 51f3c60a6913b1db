import { describe, expect, it } from 'vitest';
import { SealedSecretsError } from '../errors.js';
import { ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE } from '../model/annotations.js';
import {
  SCOPES,
  encryptionLabel,
  encryptionLabelText,
  parseScope,
  scopeFromAnnotations,
  withScopeAnnotations,
} from './scope.js';

describe('parseScope', () => {
  it.each(SCOPES)('round-trips %s', (scope) => {
    expect(parseScope(scope)).toBe(scope);
  });

  it('parses the empty string as strict', () => {
    expect(parseScope('')).toBe('strict');
  });

  it.each(['Strict', 'cluster', 'namespace_wide', ' strict'])('rejects %j with the upstream text', (text) => {
    expect(() => parseScope(text)).toThrow(
      new SealedSecretsError('INVALID_SCOPE', 'must be one of: strict, namespace-wide, cluster-wide'),
    );
  });
});

describe('scopeFromAnnotations', () => {
  it.each([
    [undefined, 'strict'],
    [{}, 'strict'],
    [{ [ANNOTATION_NAMESPACE_WIDE]: 'true' }, 'namespace-wide'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'true' }, 'cluster-wide'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'true', [ANNOTATION_NAMESPACE_WIDE]: 'true' }, 'cluster-wide'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'True' }, 'strict'],
    [{ [ANNOTATION_CLUSTER_WIDE]: '1' }, 'strict'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'false', [ANNOTATION_NAMESPACE_WIDE]: 'true' }, 'namespace-wide'],
  ] as const)('%j → %s', (annotations, scope) => {
    expect(scopeFromAnnotations(annotations)).toBe(scope);
  });
});

describe('encryptionLabel', () => {
  it.each([
    ['strict', 'myns/myname'],
    ['namespace-wide', 'myns'],
    ['cluster-wide', ''],
  ] as const)('%s → %j', (scope, label) => {
    expect(encryptionLabel('myns', 'myname', scope).toString('utf8')).toBe(label);
    expect(encryptionLabelText('myns', 'myname', scope)).toBe(label);
  });

  it('is UTF-8', () => {
    expect(encryptionLabel('ns', 'ü', 'strict')).toEqual(Buffer.from([0x6e, 0x73, 0x2f, 0xc3, 0xbc]));
  });
});

describe('withScopeAnnotations', () => {
  const input = { keep: 'me', [ANNOTATION_CLUSTER_WIDE]: 'true', [ANNOTATION_NAMESPACE_WIDE]: 'true' };

  it.each([
    ['strict', { keep: 'me' }],
    ['namespace-wide', { keep: 'me', [ANNOTATION_NAMESPACE_WIDE]: 'true' }],
    ['cluster-wide', { keep: 'me', [ANNOTATION_CLUSTER_WIDE]: 'true' }],
  ] as const)('%s', (scope, expected) => {
    expect(withScopeAnnotations(input, scope)).toStrictEqual(expected);
    expect(scopeFromAnnotations(withScopeAnnotations(input, scope))).toBe(scope);
  });

  it('does not mutate its input and accepts undefined', () => {
    const before = { ...input };
    withScopeAnnotations(input, 'strict');
    expect(input).toStrictEqual(before);
    expect(withScopeAnnotations(undefined, 'cluster-wide')).toStrictEqual({
      [ANNOTATION_CLUSTER_WIDE]: 'true',
    });
  });
});
