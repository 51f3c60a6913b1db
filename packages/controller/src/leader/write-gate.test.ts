import { describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { leaderOnlyGateway } from './write-gate.js';

describe('leaderOnlyGateway', () => {
  it('refuses every write while not leading, at the moment of the write; reads always pass', async () => {
    const fake = new FakeGateway();
    fake.put('secrets', { metadata: { name: 's', namespace: 'ns' } });
    let leading = false;
    const gateway = leaderOnlyGateway(fake, { isLeader: () => leading });
    expect(await gateway.getSecret('ns', 's')).toBeDefined();
    expect((await gateway.list('secrets', {})).items).toHaveLength(1);
    const writes = [
      () => gateway.createSecret({ metadata: { name: 'x', namespace: 'ns' } }),
      () => gateway.updateSecret({ metadata: { name: 's', namespace: 'ns' } }),
      () => gateway.deleteSecret('ns', 's'),
      () => gateway.updateSealedSecretStatus({ namespace: 'ns', name: 's' }, { conditions: [] }),
      () =>
        gateway.createEvent({
          namespace: 'ns',
          type: 'Normal',
          reason: 'Unsealed',
          message: 'm',
          involvedObject: { apiVersion: 'v1', kind: 'X', namespace: 'ns', name: 's', uid: 'u' },
          sourceComponent: 'sealed-secrets',
          time: new Date(),
        }),
      () => gateway.patchEvent('ns', 'e', { count: 2, time: new Date() }),
      () => gateway.createLease({ metadata: { name: 'l', namespace: 'ns' } }),
      () => gateway.updateLease({ metadata: { name: 'l', namespace: 'ns' } }),
    ];
    for (const write of writes) await expect(write()).rejects.toMatchObject({ code: 'NOT_LEADER' });
    expect(fake.calls.filter((c) => !c.startsWith('getSecret') && !c.startsWith('list'))).toEqual([]);
    leading = true;
    await gateway.createSecret({ metadata: { name: 'x', namespace: 'ns' } });
    expect(fake.get('secrets', 'ns', 'x')).toBeDefined();
  });
});
