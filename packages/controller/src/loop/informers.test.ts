import type { SealedSecret, Secret } from '@ssts/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import { Informer, secretOwnership, withoutBookkeeping } from './informers.js';

const log = pino({ level: 'silent' }) as Logger;
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function bookkeeping(name: string): { name: string; namespace: string; annotations: Record<string, string> } {
  const metadata = {
    name,
    namespace: 'ns',
    annotations: { [LAST_APPLIED]: '{"big":"json"}', keep: 'me' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  };
  return metadata;
}

describe('informer transforms', () => {
  it('caches SealedSecrets without managedFields and the last-applied annotation, listed or watched', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', { metadata: bookkeeping('listed'), spec: { encryptedData: { a: 'x' } } });
    const added: SealedSecret[] = [];
    const informer = new Informer({
      gateway,
      resource: 'sealedsecrets',
      scope: { namespace: 'ns' },
      handlers: { onAdd: (ss) => added.push(ss) },
      transform: withoutBookkeeping,
      clock: systemClock,
      log,
    });
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    await informer.waitForSync(stop.signal);
    await vi.waitFor(() => expect(gateway.openWatches).toBe(1));
    gateway.put('sealedsecrets', { metadata: bookkeeping('watched'), spec: { encryptedData: { b: 'y' } } });
    await vi.waitFor(() => expect(informer.get('ns', 'watched')).toBeDefined());
    for (const name of ['listed', 'watched']) {
      const cached = informer.get('ns', name);
      expect(cached?.metadata).not.toHaveProperty('managedFields');
      expect(cached?.metadata.annotations).toEqual({ keep: 'me' });
      expect(cached?.metadata.resourceVersion).toBeDefined();
      expect(Object.keys(cached?.spec.encryptedData ?? {})).toHaveLength(1);
    }
    expect(added.map((ss) => ss.metadata.annotations)).toEqual([{ keep: 'me' }, { keep: 'me' }]);
  });

  it('keeps of Secrets watched for deletions only their name, controller reference and managed annotation', async () => {
    const gateway = new FakeGateway();
    const owner = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      name: 'owned',
      uid: 'ss-uid',
      controller: true,
      blockOwnerDeletion: true,
    };
    const secret = (name: string, extra: Partial<Secret['metadata']> = {}): Secret => ({
      metadata: { ...bookkeeping(name), labels: { app: 'x' }, ...extra },
      data: { password: Buffer.from('hunter2').toString('base64') },
      type: 'Opaque',
    });
    gateway.put('secrets', secret('listed'));
    const deleted: Secret[] = [];
    const informer = new Informer({
      gateway,
      resource: 'secrets',
      scope: { namespace: 'ns' },
      handlers: { onDelete: (s) => deleted.push(s) },
      transform: secretOwnership,
      clock: systemClock,
      log,
    });
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    await informer.waitForSync(stop.signal);
    await vi.waitFor(() => expect(gateway.openWatches).toBe(1));
    const other = { ...owner, name: 'other', uid: 'other-uid', controller: false };
    gateway.put('secrets', secret('owned', { ownerReferences: [other, owner] }));
    gateway.put(
      'secrets',
      secret('managed', { annotations: { 'sealedsecrets.bitnami.com/managed': 'true', keep: 'no' } }),
    );
    await vi.waitFor(() => expect(informer.list()).toHaveLength(3));
    const rv = (name: string) => gateway.get('secrets', 'ns', name)?.metadata.resourceVersion;
    expect(informer.get('ns', 'listed')).toEqual({
      metadata: { name: 'listed', namespace: 'ns', resourceVersion: rv('listed') },
    });
    expect(informer.get('ns', 'owned')).toEqual({
      metadata: {
        name: 'owned',
        namespace: 'ns',
        resourceVersion: rv('owned'),
        ownerReferences: [
          {
            apiVersion: 'bitnami.com/v1alpha1',
            kind: 'SealedSecret',
            name: 'owned',
            uid: 'ss-uid',
            controller: true,
          },
        ],
      },
    });
    expect(informer.get('ns', 'managed')?.metadata.annotations).toEqual({
      'sealedsecrets.bitnami.com/managed': 'true',
    });
    gateway.remove('secrets', 'ns', 'owned');
    await vi.waitFor(() => expect(deleted).toHaveLength(1));
    expect(deleted[0]).not.toHaveProperty('data');
    expect(deleted[0]?.metadata.ownerReferences?.[0]?.uid).toBe('ss-uid');
  });
});
