import type { SealedSecret } from '@ssts/core';
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
