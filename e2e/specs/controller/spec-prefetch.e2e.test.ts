import { describe, expect, it, onTestFinished } from 'vitest';
import { systemClock } from '../../../packages/controller/src/clock.js';
import { RestGateway } from '../../../packages/controller/src/kube/rest-gateway.js';
import type { Logger } from '../../../packages/controller/src/log.js';
import { SpecPrefetch } from '../../../packages/controller/src/loop/spec-prefetch.js';
import { createTestNamespace } from '../../helpers/index.js';
import { adminClient, createAll } from './ha-support.js';
import type { SealedSecret } from './support.js';

const quiet = (): void => undefined;
const silent = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as Logger;

/** `count` SealedSecrets `s-000`… in a new namespace, the value `k` of the i-th one `ciphertext-<i>` (not real ciphertext). */
async function sealedSecrets(count: number) {
  const namespace = await createTestNamespace({ prefix: 'e2e-prefetch-' });
  const client = await adminClient();
  onTestFinished(() => client.close());
  const objects: SealedSecret[] = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: `s-${String(i).padStart(3, '0')}`, namespace },
    spec: { encryptedData: { k: Buffer.from(`ciphertext-${i}`).toString('base64') } },
  }));
  await createAll(client, objects, 16);
  return { namespace, client, objects };
}

// The controller's start-up prefetch (packages/controller/src/loop/spec-prefetch.ts) pages through the SealedSecrets
// of a namespace at the pace their passes take them: continue tokens of the real API server, used minutes apart on
// a busy cluster, in its key order. Here with small pages and a slow consumer.
describe('spec prefetch against kube-apiserver', () => {
  it('pages 300 SealedSecrets 20 at a time, never holding more than its window of 40, in key order', async () => {
    const count = 300;
    const { namespace, client, objects } = await sealedSecrets(count);

    const gateway = new RestGateway(client);
    const taken = new Set<string>();
    const prefetch = new SpecPrefetch({
      gateway,
      scope: { namespace },
      clock: systemClock,
      log: silent,
      pageSize: 20,
      window: 40,
      wanted: (key) => !taken.has(key),
    });
    const stop = new AbortController();
    onTestFinished(() => stop.abort());
    const running = prefetch.run(stop.signal);
    const read: string[] = [];
    for (const ss of objects) {
      const key = `${namespace}/${ss.metadata.name ?? ''}`;
      taken.add(key);
      const listed = await prefetch.take(key);
      expect(listed?.metadata.uid).toBeDefined();
      expect(listed?.metadata.managedFields).toBeUndefined();
      read.push(Buffer.from(listed?.spec.encryptedData['k'] ?? '', 'base64').toString());
      expect(prefetch.held).toBeLessThanOrEqual(40);
      // A slow pass now and then: the pages wait for it.
      if (read.length % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await running;
    expect(read).toEqual(objects.map((_, i) => `ciphertext-${i}`));
    expect(prefetch.pages).toBe(count / 20);
    expect(prefetch.maxHeld).toBeLessThanOrEqual(40);
  });

  it("goes on from the continue token of the informer's initial list (a page of another size) after the whole objects", async () => {
    const { namespace, client, objects } = await sealedSecrets(120);

    const gateway = new RestGateway(client);
    // The initial list's first page, kept whole: its objects' passes read them from the cache.
    const first = await gateway.listPage('sealedsecrets', { namespace }, { limit: 50 });
    expect(first.items).toHaveLength(50);
    expect(first.continue).toBeDefined();
    const keyOf = (ss: SealedSecret) => `${namespace}/${ss.metadata.name ?? ''}`;
    const whole = first.items.map(keyOf);
    const taken = new Set<string>();
    const prefetch = new SpecPrefetch({
      gateway,
      scope: { namespace },
      clock: systemClock,
      log: silent,
      pageSize: 20,
      window: 40,
      start: { continue: first.continue ?? '', lastKey: whole.at(-1) ?? '' },
      ahead: whole,
      wanted: (key) => !taken.has(key),
    });
    const stop = new AbortController();
    onTestFinished(() => stop.abort());
    const running = prefetch.run(stop.signal);
    // 50 whole objects waiting fill the window of 40: no page until their passes made room for one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(prefetch.pages).toBe(0);
    for (const key of whole) prefetch.discard(key);
    const read: string[] = [];
    for (const ss of objects.slice(50)) {
      const key = keyOf(ss);
      taken.add(key);
      const listed = await prefetch.take(key);
      expect(listed?.metadata.uid).toBeDefined();
      read.push(Buffer.from(listed?.spec.encryptedData['k'] ?? '', 'base64').toString());
    }
    await running;
    expect(read).toEqual(objects.slice(50).map((_, i) => `ciphertext-${i + 50}`));
    // 70 objects after the initial list's page, 20 a page: nothing listed twice.
    expect(prefetch.pages).toBe(4);
  });
});
