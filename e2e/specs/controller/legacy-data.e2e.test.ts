import { constants, createCipheriv, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  decode,
  eventsFor,
  getSecret,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

/**
 * A kubeseal < 0.7.0 object (compat §1.4) built with node:crypto only, independently of @ssts/core: one hybrid blob
 * (u16 length ‖ RSA-OAEP-SHA256(session key, label "ns/name") ‖ AES-256-GCM with a zero nonce) of the whole Secret
 * as JSON, in `spec.data`.
 */
async function legacySealedSecret(
  controller: RunningController,
  namespace: string,
  name: string,
  encryptedData: Record<string, string> = {},
): Promise<SealedSecret> {
  const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { legacy: 'yes' } },
    type: 'Opaque',
    data: { foo: Buffer.from('bar').toString('base64'), multi: Buffer.from('a\nb').toString('base64') },
  };
  const sessionKey = randomBytes(32);
  const rsa = publicEncrypt(
    {
      key: new X509Certificate(pem).publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(`${namespace}/${name}`),
    },
    sessionKey,
  );
  const cipher = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(secret)), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name, namespace },
    // The CRD requires encryptedData, so old objects carry an empty one next to `data`.
    spec: { data: Buffer.concat([length, rsa, sealed]).toString('base64'), encryptedData },
  } as SealedSecret;
}

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
