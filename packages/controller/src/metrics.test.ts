import { KeyRing, type KeyEntry, type SealedSecret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';

const ss = (status: SealedSecret['status'], labels?: Record<string, string>): SealedSecret => ({
  metadata: { name: 's', namespace: 'ns', ...(labels !== undefined && { labels }) },
  spec: { encryptedData: {} },
  ...(status !== undefined && { status }),
});

async function series(metrics: ControllerMetrics) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'sealed_secrets_controller_condition_info',
  ) as { values: { value: number; labels: Record<string, string> }[] } | undefined;
  return metric?.values ?? [];
}

describe('condition_info (compat §8, §9.2 #10)', () => {
  it('is 1 for True and -1 for False, labelled with the instance label ("" when missing)', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    metrics.observeConditions(
      ss({ conditions: [{ type: 'Synced', status: 'True' }] }, { 'app.kubernetes.io/instance': 'i' }),
    );
    expect(await series(metrics)).toEqual([
      {
        value: 1,
        labels: { namespace: 'ns', name: 's', condition: 'Synced', ss_app_kubernetes_io_instance: 'i' },
      },
    ]);
    metrics.observeConditions(
      ss({ conditions: [{ type: 'Synced', status: 'False' }] }, { 'app.kubernetes.io/instance': 'i' }),
    );
    expect((await series(metrics)).map((s) => s.value)).toEqual([-1]);
    const other = new ControllerMetrics('test', { defaultMetrics: false });
    other.observeConditions(ss({ conditions: [{ type: 'Synced', status: 'Unknown' }] }));
    expect(await series(other)).toEqual([
      {
        value: 0,
        labels: { namespace: 'ns', name: 's', condition: 'Synced', ss_app_kubernetes_io_instance: '' },
      },
    ]);
  });

  it('a nil status is harmless and deleting the SealedSecret removes its series', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    metrics.observeConditions(ss(undefined));
    expect(await series(metrics)).toEqual([]);
    metrics.observeConditions(ss({ conditions: [{ type: 'Synced', status: 'True' }] }));
    metrics.forgetConditions('ns', 'other');
    expect(await series(metrics)).toHaveLength(1);
    metrics.forgetConditions('ns', 's');
    expect(await series(metrics)).toEqual([]);
    metrics.forgetConditions('ns', 's');
  });

  it('forgetting an object removes each of its series: every condition type and each instance label it had', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    const conditions = [
      { type: 'Synced', status: 'True' },
      { type: 'Other', status: 'False' },
    ];
    for (let pass = 0; pass < 3; pass++)
      metrics.observeConditions(ss({ conditions }, { 'app.kubernetes.io/instance': 'i' }));
    metrics.observeConditions(ss({ conditions }, { 'app.kubernetes.io/instance': 'j' }));
    metrics.observeConditions({ ...ss({ conditions }), metadata: { name: 'kept', namespace: 'ns' } });
    expect(await series(metrics)).toHaveLength(6);
    metrics.forgetConditions('ns', 's');
    expect((await series(metrics)).map((s) => s.labels['name'])).toEqual(['kept', 'kept']);
  });
});

describe('--metrics-omit-secret-labels (addendum §1.4, §8 item 4)', () => {
  it('drops the condition_info family entirely and keeps every other metric', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false, omitSecretLabels: true });
    metrics.observeConditions(ss({ conditions: [{ type: 'Synced', status: 'False' }] }));
    metrics.unsealError('unseal', 'ns');
    metrics.unsealRequests.inc();
    metrics.forgetConditions('ns', 's');
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('condition_info');
    expect(text).toContain('sealed_secrets_controller_unseal_errors_total{reason="unseal",namespace="ns"} 1');
    expect(text).toContain('sealed_secrets_controller_unseal_requests_total 1');
    expect(text).toContain('sealed_secrets_controller_build_info{revision="test"} 0');
    expect(text).toContain('# TYPE sealed_secrets_controller_http_requests_total counter');
    const without = new ControllerMetrics('test', { defaultMetrics: false });
    without.observeConditions(ss({ conditions: [{ type: 'Synced', status: 'False' }] }));
    expect(await without.registry.metrics()).toContain(
      'sealed_secrets_controller_condition_info{namespace="ns",name="s",condition="Synced",ss_app_kubernetes_io_instance=""} -1',
    );
  });
});

describe('key metrics (ours, issue 14: age and sealing flag per key, the renewal period)', () => {
  const entry = (fingerprint: string, seconds: number): KeyEntry =>
    ({ fingerprint, orderingTime: new Date(seconds * 1000) }) as unknown as KeyEntry;

  async function values(metrics: ControllerMetrics, name: string) {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name) as
      { values: { value: number; labels: Record<string, string> }[] } | undefined;
    return (metric?.values ?? []).map((v) => [v.labels['fingerprint'], v.value]);
  }

  it('has one series per key labelled by fingerprint; only the latest key is the sealing key', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    metrics.observeKeys(KeyRing.of([entry('aa', 1_700_000_000), entry('bb', 1_702_592_000)]));
    expect(await values(metrics, 'sealed_secrets_controller_key_creation_timestamp_seconds')).toEqual([
      ['aa', 1_700_000_000],
      ['bb', 1_702_592_000],
    ]);
    expect(await values(metrics, 'sealed_secrets_controller_key_sealing')).toEqual([
      ['aa', 0],
      ['bb', 1],
    ]);
    // A renewal: the new key takes the flag, the old ones stay as unsealing keys.
    metrics.observeKeys(
      KeyRing.of([entry('aa', 1_700_000_000), entry('bb', 1_702_592_000), entry('cc', 1_705_184_000)]),
    );
    expect(await values(metrics, 'sealed_secrets_controller_key_sealing')).toEqual([
      ['aa', 0],
      ['bb', 0],
      ['cc', 1],
    ]);
    // A ring without a key drops the series rather than leaving stale ones.
    metrics.observeKeys(KeyRing.of([entry('cc', 1_705_184_000)]));
    expect(await values(metrics, 'sealed_secrets_controller_key_creation_timestamp_seconds')).toEqual([
      ['cc', 1_705_184_000],
    ]);
  });

  it('exports the renewal period in seconds, with HELP and TYPE for every key family', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    metrics.keyRenewPeriod.set(720 * 3600);
    const text = await metrics.registry.metrics();
    expect(text).toContain('sealed_secrets_controller_key_renew_period_seconds 2592000\n');
    for (const name of ['key_creation_timestamp_seconds', 'key_sealing', 'key_renew_period_seconds'])
      expect(text).toContain(`# TYPE sealed_secrets_controller_${name} gauge`);
  });
});
