import type { SealedSecret, Secret } from '@ssts/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import { Informer, secretMetadataOnly, withoutBookkeeping } from './informers.js';

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

  it('keeps only metadata of Secrets watched for deletions', async () => {
    const gateway = new FakeGateway();
    const secret = (name: string): Secret => ({
      metadata: { ...bookkeeping(name), ownerReferences: [] },
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
      transform: secretMetadataOnly,
      clock: systemClock,
      log,
    });
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    await informer.waitForSync(stop.signal);
    await vi.waitFor(() => expect(gateway.openWatches).toBe(1));
    gateway.put('secrets', secret('watched'));
    await vi.waitFor(() => expect(informer.get('ns', 'watched')).toBeDefined());
    for (const cached of informer.list()) {
      expect(cached).not.toHaveProperty('data');
      expect(cached.metadata.annotations).toEqual({ keep: 'me' });
      expect(cached.type).toBe('Opaque');
    }
    gateway.remove('secrets', 'ns', 'watched');
    await vi.waitFor(() => expect(deleted).toHaveLength(1));
    expect(deleted[0]).not.toHaveProperty('data');
    expect(deleted[0]?.metadata.name).toBe('watched');
  });
});
