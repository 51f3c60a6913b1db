import { describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE } from '../model/annotations.js';
import type { Secret } from '../model/types.js';
import { vectorKey2048 } from '../test-helpers/keys.js';
import { sealSecret } from './seal.js';
import {
  ANNOTATION_SEALED_FOR,
  ANNOTATION_SEALED_WITH,
  formatSealedFor,
  parseSealedFor,
  readSealHints,
  withoutSealHints,
  withSealHints,
} from './seal-hints.js';

const key = vectorKey2048();
const fingerprint = publicKeyFingerprint(key.publicKey);

function secret(annotations: Record<string, string> = {}, namespace: string | undefined = 'prod'): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      ...(namespace !== undefined && { namespace }),
      labels: { app: 'x' },
      annotations,
    },
    data: { password: Buffer.from('hunter2').toString('base64') },
  };
}

describe('seal hints', () => {
  it.each([
    [{}, 'strict prod/db'],
    [{ [ANNOTATION_NAMESPACE_WIDE]: 'true' }, 'namespace-wide prod'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'true' }, 'cluster-wide'],
  ])(
    'records the fingerprint and what it was sealed for (%o → %s) on the top-level metadata only',
    (a, text) => {
      const sealed = sealSecret(secret(a), { publicKey: key.publicKey });
      const hinted = withSealHints(sealed, fingerprint);
      expect(hinted.metadata.annotations?.[ANNOTATION_SEALED_FOR]).toBe(text);
      expect(hinted.metadata.annotations?.[ANNOTATION_SEALED_WITH]).toBe(fingerprint);
      expect(hinted.spec).toStrictEqual(sealed.spec);
      expect(hinted.spec.template?.metadata?.annotations ?? {}).not.toHaveProperty(ANNOTATION_SEALED_WITH);
      // Keys sorted like Go's JSON maps; the scope annotation is kept.
      const keys = Object.keys(hinted.metadata.annotations ?? {});
      expect(keys).toStrictEqual([...keys].sort());
      expect(readSealHints(hinted.metadata)).toStrictEqual({
        sealedWith: fingerprint,
        sealedFor: parseSealedFor(text),
        invalid: [],
      });
    },
  );

  it('parses exactly the three documented forms and round-trips them', () => {
    for (const text of ['strict prod/db', 'namespace-wide prod', 'cluster-wide', 'strict a.b/c-d']) {
      const parsed = parseSealedFor(text);
      expect(parsed, text).toBeDefined();
      expect(formatSealedFor(parsed ?? { scope: 'strict', namespace: '', name: '' })).toBe(text);
    }
    for (const bad of [
      '',
      'strict',
      'strict prod',
      'strict prod/db/x',
      'strict Prod/db',
      'namespace-wide',
      'namespace-wide prod/db',
      'cluster-wide prod',
      'Strict prod/db',
      'strict  prod/db',
      `strict ${'a'.repeat(700)}/b`,
    ]) {
      expect(parseSealedFor(bad), bad).toBeUndefined();
    }
  });

  it('reports malformed hints by annotation key and ignores them', () => {
    const hints = readSealHints({
      annotations: { [ANNOTATION_SEALED_WITH]: 'SHA256:short', [ANNOTATION_SEALED_FOR]: 'strict prod/db' },
    });
    expect(hints).toStrictEqual({
      sealedFor: { scope: 'strict', namespace: 'prod', name: 'db' },
      invalid: [ANNOTATION_SEALED_WITH],
    });
    expect(readSealHints({})).toStrictEqual({ invalid: [] });
  });

  it('withoutSealHints drops only the hint annotations', () => {
    expect(
      withoutSealHints({
        a: '1',
        [ANNOTATION_SEALED_FOR]: 'cluster-wide',
        [ANNOTATION_SEALED_WITH]: fingerprint,
      }),
    ).toStrictEqual({ a: '1' });
    expect(withoutSealHints(undefined)).toBeUndefined();
  });
});
