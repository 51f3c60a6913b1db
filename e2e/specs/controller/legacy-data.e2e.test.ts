import { describe, expect, it } from 'vitest';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  decode,
  eventsFor,
  getSecret,
  legacySealedSecret,
  waitForSynced,
} from './support.js';

describe('legacy spec.data (compat §1.4)', () => {
  it('is unsealed by default: data, labels and owner reference from the embedded Secret', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-v1-' });
    const controller = await controllerForTest(ns);
    const created = await createSealedSecret(await legacySealedSecret(controller, ns, 'old'));
    await waitForSynced(ns, 'old', (c) => c.status === 'True');
    const secret = await getSecret(ns, 'old');
    expect(decode(secret?.data)).toEqual({ foo: 'bar', multi: 'a\nb' });
    expect(secret?.metadata.labels).toEqual({ legacy: 'yes' });
    expect(secret?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        name: 'old',
        uid: created.metadata.uid,
        controller: true,
      },
    ]);

    const both = await legacySealedSecret(controller, ns, 'both', { foo: 'AgA=' });
    await createSealedSecret(both);
    const failed = await waitForSynced(ns, 'both', (c) => c.status === 'False');
    expect(failed.status?.conditions?.[0]?.message).toBe(
      "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
    );
  });

  it('is rejected with --accept-deprecated-v1-data=false, with the exact upstream text', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-v1-off-' });
    const controller = await controllerForTest(ns, ['--accept-deprecated-v1-data=false']);
    const created = await createSealedSecret(await legacySealedSecret(controller, ns, 'old'));
    const failed = await waitForSynced(ns, 'old', (c) => c.status === 'False');
    const text = "using deprecated 'data' field, use 'encryptedData' or flip the feature flag";
    expect(failed.status?.conditions?.[0]?.message).toBe(text);
    expect(await getSecret(ns, 'old')).toBeUndefined();
    const events = await waitFor(async () => {
      const found = await eventsFor(created);
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({ reason: 'ErrUnsealFailed', message: `Failed to unseal: ${text}` });
  });
});
