import { generateKeyPairSync } from 'node:crypto';
import { sealSecret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  eventsFor,
  getSealedSecret,
  getSecret,
  metricValue,
  plainSecret,
  replaceSealedSecret,
  sealWith,
  waitForSynced,
  type SealedSecret,
} from './support.js';

const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';
const UNSEAL_REQUESTS = 'sealed_secrets_controller_unseal_requests_total';
const settle = () => new Promise((r) => setTimeout(r, 1500));

describe('events', () => {
  it('aggregates identical failures into one Event whose count grows (compat §3.7, Go recorder)', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-events-' });
    const controller = await controllerForTest(ns);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign: SealedSecret = {
      ...sealSecret(plainSecret(ns, 'foreign', { foo: 'bar' }), { publicKey }),
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
    };
    const created = await createSealedSecret(foreign);
    // Every retry fails the same way (up to --max-unseal-retries + 1 passes, milliseconds apart).
    const events = await waitFor(
      async () => {
        const found = await eventsFor(created);
        return found.some((e) => (e.count ?? 1) >= 2) ? found : undefined;
      },
      { timeoutMs: 30_000, description: 'a repeated ErrUnsealFailed event' },
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'ErrUnsealFailed',
      message: 'Failed to unseal: no key could decrypt secret (foo)',
      source: { component: 'sealed-secrets' },
    });
    expect(events[0]?.count).toBeGreaterThanOrEqual(2);
    expect(Date.parse(events[0]?.lastTimestamp ?? '')).toBeGreaterThanOrEqual(
      Date.parse(events[0]?.firstTimestamp ?? ''),
    );
    expect(await getSecret(ns, 'foreign')).toBeUndefined();
    expect(controller.output()).not.toContain('Cannot record an event');
  });
});

describe('SealedSecret metadata-only updates (compat §3.3, our documented extension)', () => {
  it('a label change does not reconcile; a scope annotation change does, both ways', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-meta-' });
    const controller = await controllerForTest(ns);
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'scoped', { foo: 'bar' })));
    const synced = await waitForSynced(ns, 'scoped', (c) => c.status === 'True');
    const secret = await waitFor(() => getSecret(ns, 'scoped'));
    const passes = await waitFor(() => metricValue(controller, UNSEAL_REQUESTS));

    // Labels and other annotations only: suppressed like upstream, so nothing is written.
    await replaceSealedSecret({
      ...synced,
      metadata: { ...synced.metadata, labels: { team: 'a' }, annotations: { note: 'x' } },
    });
    await settle();
    expect(await metricValue(controller, UNSEAL_REQUESTS)).toBe(passes);
    expect((await getSecret(ns, 'scoped'))?.metadata.resourceVersion).toBe(secret.metadata.resourceVersion);
    expect((await getSealedSecret(ns, 'scoped'))?.status).toEqual(synced.status);

    // The scope annotation changes the OAEP label: reconciled, and the strict item no longer decrypts.
    const labelled = (await getSealedSecret(ns, 'scoped')) as SealedSecret;
    await replaceSealedSecret({
      ...labelled,
      metadata: { ...labelled.metadata, annotations: { note: 'x', [NAMESPACE_WIDE]: 'true' } },
    });
    const failed = await waitForSynced(ns, 'scoped', (c) => c.status === 'False');
    // Upstream's text, then our cause line (issue 14: found by trying the other scopes' labels).
    expect(failed.status?.conditions?.[0]?.message).toBe(
      'no key could decrypt secret (foo)\ncause: sealed strict but the annotation says namespace-wide',
    );
    expect(await metricValue(controller, UNSEAL_REQUESTS)).toBeGreaterThan(passes ?? 0);

    // And back: removing it reconciles again and the object is Synced once more.
    await replaceSealedSecret({ ...failed, metadata: { ...failed.metadata, annotations: { note: 'x' } } });
    await waitForSynced(ns, 'scoped', (c) => c.status === 'True');
  });
});
