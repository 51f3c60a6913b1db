import { performance } from 'node:perf_hooks';
import { HOSTILE_TEMPLATES, STALL_292, WORK_LIMIT } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { createTestNamespace, kubeEndpoint, kubeJson, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  decode,
  eventsFor,
  getSecret,
  plainSecret,
  sealWith,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

// Issue 9 item 3 on a real API server: templates render in the controller's worker threads under a per-object
// time budget, so while hostile SealedSecrets are reconciled (and retried) the process keeps answering and keeps
// unsealing the others. The hostile objects get Synced=False with a message naming the limit they hit.

// A template rendered on the main thread would hold it for the whole 2 s stall budget; 1 s tells that apart from
// scheduling noise on a loaded 2-core CI machine (200 ms failed there at load 8 with nothing blocked).
const HEALTH_LIMIT_MS = 1_000;
const OTHERS = 20;
const HOSTILE = 3;

/** A Synced=False message that names the limit: the engine's work budget or the object's time budget. */
const limitMessage = (budget: string, key: string): RegExp =>
  new RegExp(`(time budget of ${budget}|${WORK_LIMIT}).* \\(${key}\\)$`);

async function withTemplates(
  controller: RunningController,
  ns: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): Promise<SealedSecret> {
  const ss = await sealWith(controller, plainSecret(ns, name, { n: name }));
  return {
    ...ss,
    metadata: { ...ss.metadata, ...(labels !== undefined && { labels }) },
    spec: { ...ss.spec, template: { ...ss.spec.template, ...(Object.keys(data).length > 0 && { data }) } },
  };
}

/** Waits for the ErrUnsealFailed event of a created object, then for its Synced condition (written after it). */
async function failedCondition(ss: SealedSecret): Promise<{ status?: string; message?: string }> {
  const ns = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  await waitFor(async () => (await eventsFor(ss)).some((e) => e.reason === 'ErrUnsealFailed'), {
    timeoutMs: 60_000,
    intervalMs: 250,
    description: `the unseal failure event of ${name}`,
  });
  const failed = await waitForSynced(ns, name, (c) => c.status === 'False');
  const condition: { status?: string; message?: string } =
    failed.status?.conditions?.find((c) => c.type === 'Synced') ?? {};
  process.stderr.write(`[hostile] ${name}: Synced=${condition.status}: ${condition.message}\n`);
  return condition;
}

/** The latencies of /healthz, probed every 25 ms from this process until `stop()`. */
function probeHealth(url: string): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let probing = true;
  const loop = (async () => {
    while (probing) {
      const started = performance.now();
      const response = await fetch(url);
      await response.text();
      latencies.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      probing = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      process.stderr.write(
        `[hostile] /healthz n=${sorted.length} p50=${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)}ms ` +
          `max=${(sorted[sorted.length - 1] ?? 0).toFixed(1)}ms\n`,
      );
      return latencies;
    },
  };
}

describe('hostile templates during reconciles', () => {
  it(
    `/healthz answers within ${HEALTH_LIMIT_MS} ms and other SealedSecrets unseal while the 292-byte template is reconciled`,
    { timeout: 240_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-hostile-' });
      const controller = await controllerForTest(ns);
      const hostile = await Promise.all(
        Array.from({ length: HOSTILE }, (_, i) =>
          withTemplates(controller, ns, `stall-${i}`, { stall: STALL_292 }),
        ),
      );
      // Labelled, so that waiting for them lists only them.
      const others = await Promise.all(
        Array.from({ length: OTHERS }, (_, i) =>
          withTemplates(controller, ns, `ok-${i}`, {}, { group: 'ok' }),
        ),
      );

      const probe = probeHealth(`${controller.url}/healthz`);
      let latencies: number[];
      try {
        const created: SealedSecret[] = [];
        for (const ss of hostile) created.push(await createSealedSecret(ss));
        for (const ss of others) await createSealedSecret(ss);
        await waitFor(
          async () => {
            const list = await kubeJson<{ items: SealedSecret[] }>(
              kubeEndpoint(),
              'GET',
              `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets?labelSelector=group%3Dok`,
            );
            return (
              list.items.filter((ss) =>
                ss.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True'),
              ).length === OTHERS
            );
          },
          {
            timeoutMs: 120_000,
            intervalMs: 250,
            description: `${OTHERS} ordinary SealedSecrets to be Synced`,
          },
        );
        expect(decode((await getSecret(ns, 'ok-7'))?.data)).toStrictEqual({ n: 'ok-7' });
        for (const ss of created) {
          const condition = await failedCondition(ss);
          expect(condition.status).toBe('False');
          expect(condition.message).toMatch(limitMessage('2s', 'stall'));
          expect(await getSecret(ns, ss.metadata.name ?? '')).toBeUndefined();
        }
        // The hostile objects are retried with backoff; keep probing through some of those retries.
        await new Promise((r) => setTimeout(r, 2_000));
      } finally {
        latencies = await probe.stop();
      }
      expect(latencies.length).toBeGreaterThan(20);
      expect(Math.max(...latencies)).toBeLessThan(HEALTH_LIMIT_MS);
    },
  );

  it(
    'the budget holds for the whole object: forty heavy templates stop at --template-time-budget, naming the key',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-hostile-budget-' });
      const controller = await controllerForTest(ns, ['--template-time-budget=500ms']);
      // Each template alone ends at the engine's work limit after a few hundred milliseconds; the budget is for all
      // of them together, so the object fails at 500 ms with the key that was rendering.
      const heavy = HOSTILE_TEMPLATES.find((t) => t.name.startsWith('join of the whole list'))?.source ?? '';
      const templates = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`t${String(i).padStart(2, '0')}`, heavy]),
      );
      const slow = await withTemplates(controller, ns, 'slow', templates);
      const condition = await failedCondition(await createSealedSecret(slow));
      expect(condition.status).toBe('False');
      expect(condition.message).toMatch(/^template rendering exceeded its time budget of 500ms \(t\d\d\)$/);
      const after = await withTemplates(controller, ns, 'after', { t: '{{ .n }}!' });
      await createSealedSecret(after);
      await waitFor(async () => decode((await getSecret(ns, 'after'))?.data)['t'] === 'after!', {
        description: 'a SealedSecret created after it to unseal',
      });
    },
  );
});
