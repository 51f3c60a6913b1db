import { join } from 'node:path';
import { parseCertificatePem, sealSecret } from '@ssts/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot } from '../../harness/paths.js';
import {
  createTestNamespace,
  e2eCluster,
  exposeViaServiceProxy,
  kubeEndpoint,
  kubeRequest,
  waitFor,
} from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  plainSecret,
  sealWith,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

/**
 * Issue 9 "Done when", against the built controller and the local control plane: the verify/rotate plaintext
 * oracle of addendum §1 gives nothing away, rotate is rate-limited, and the hostile inputs get answers without
 * stalling the process.
 */

const PASSWORD = 'hunter2';
/** A template that fails only when the guess is right: the oracle of addendum §1.1. */
const probe = (prefix: string) => `{{ if hasPrefix "${prefix}" .password }}{{ fail "hit" }}{{ end }}`;
/**
 * The kind of 292-byte template of issue 9 item 3 (`range` over a `splitList` of a `repeat`ed string), which held
 * a rendering event loop for seconds and more. verify must not render it at all.
 */
const HOSTILE_TEMPLATE =
  '{{- $s := repeat 99990 "abcdefgh," -}}{{- range $i, $a := splitList "," $s -}}' +
  '{{- range $j, $b := splitList "," $s -}}{{- if has $a (splitList "," $s) -}}{{ sha256sum $b }}{{- end -}}' +
  '{{- end -}}{{- end -}}{{/*' +
  'x'.repeat(79) +
  '*/}}';
/** Generous: only a stalled event loop (seconds) fails it, never a slow machine. */
const LIVENESS_MS = 1_000;

const withTemplate = (ss: SealedSecret, data: Record<string, string>): SealedSecret => ({
  ...ss,
  spec: { ...ss.spec, template: { ...ss.spec.template, data } },
});

async function postTo(
  controller: RunningController,
  path: '/v1/verify' | '/v1/rotate',
  body: unknown,
  client: string,
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${controller.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function timedHealthz(controller: RunningController): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${controller.url}/healthz`, { signal: AbortSignal.timeout(30_000) });
  expect(await response.text()).toBe('ok\n');
  return performance.now() - started;
}

describe('the verify/rotate plaintext oracle is closed (issue 9, addendum §1)', () => {
  it(
    'a copied ciphertext with a guess-probing template gets the same answer for right and wrong guesses; rotate answers 429 after its burst',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-oracle-' });
      const controller = await controllerForTest(ns);
      // The victim's SealedSecret, as it sits in the cluster (and in Git).
      const victim = await sealWith(controller, plainSecret(ns, 'db', { password: PASSWORD, user: 'app' }));
      await createSealedSecret(victim);
      await waitForSynced(ns, 'db', (c) => c.status === 'True');

      // The attacker copies the ciphertext and probes the first byte: the right guess "h" and wrong ones.
      // Each probe comes from its own client so the rate limit does not mask the answers.
      let client = 0;
      for (const path of ['/v1/verify', '/v1/rotate'] as const) {
        const answers = new Map<string, { status: number; keys: string }>();
        for (const guess of ['h', 'x', 'hunter2', 'hunter3']) {
          const answer = await postTo(
            controller,
            path,
            withTemplate(victim, { probe: probe(guess) }),
            `10.9.0.${client++}`,
          );
          const keys =
            answer.status === 200 && path === '/v1/rotate'
              ? Object.keys((JSON.parse(answer.body) as SealedSecret).spec.encryptedData)
                  .sort()
                  .join(',')
              : answer.body;
          answers.set(guess, { status: answer.status, keys });
        }
        expect(answers.get('h')).toEqual({ status: 200, keys: path === '/v1/rotate' ? 'password,user' : '' });
        for (const guess of ['x', 'hunter2', 'hunter3']) expect(answers.get(guess)).toEqual(answers.get('h'));
      }

      // Rotate's burst with one client: 3 pass, then 429 with upstream's headers and body. Sent together so a
      // slow machine cannot refill the bucket between them (the limit is checked before the body is read).
      const burst = await Promise.all(
        Array.from({ length: 5 }, () => postTo(controller, '/v1/rotate', victim, '10.8.0.1')),
      );
      const allowed = burst.filter((a) => a.status === 200);
      const denied = burst.filter((a) => a.status === 429);
      expect([allowed.length, denied.length]).toEqual([3, 2]);
      for (const answer of burst) expect(answer.headers.get('x-ratelimit-limit')).toBe('3');
      for (const answer of denied) {
        expect(answer.body).toBe('limit exceeded\n');
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      // Verify has its own bucket for the same client.
      expect((await postTo(controller, '/v1/verify', victim, '10.8.0.1')).status).toBe(200);
    },
  );

  it(
    'verify does not render the 292-byte hostile template: 200, and /healthz answers throughout',
    { timeout: 120_000 },
    async () => {
      expect(HOSTILE_TEMPLATE).toHaveLength(292);
      const ns = await createTestNamespace({ prefix: 'ctl-hostile-tpl-' });
      const controller = await controllerForTest(ns);
      const ss = withTemplate(await sealWith(controller, plainSecret(ns, 'h', { a: 'b' })), {
        x: HOSTILE_TEMPLATE,
      });
      let polling = true;
      const latencies: number[] = [];
      const poller = (async () => {
        while (polling) {
          latencies.push(await timedHealthz(controller));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        for (let i = 0; i < 3; i++) {
          expect((await postTo(controller, '/v1/verify', ss, `10.7.0.${i}`)).status).toBe(200);
          const rotated = await postTo(controller, '/v1/rotate', ss, `10.7.1.${i}`);
          expect(rotated.status).toBe(200);
          expect((JSON.parse(rotated.body) as SealedSecret).spec.template?.data).toBeUndefined();
        }
      } finally {
        polling = false;
        await poller;
      }
      latencies.push(await timedHealthz(controller));
      process.stdout.write(
        `/healthz during hostile verify/rotate: ${latencies.length} polls, max ${Math.max(...latencies).toFixed(1)} ms\n`,
      );
      expect(Math.max(...latencies)).toBeLessThan(LIVENESS_MS);
    },
  );
});

describe('hostile request bodies against the built controller (issue 9 item 4)', () => {
  it(
    'nested, multi-document and oversized bodies get a 4xx/5xx; the process stays up and healthy',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-bodies-' });
      const controller = await controllerForTest(ns, ['--rate-limit', '1000', '--rate-limit-burst', '1000']);
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const bodies = [
        nested(2000),
        nested(2000),
        [0, 1, 2].map(() => nested(3000)).join('\n---\n'),
        nested(400_000),
        `${'{"a":'.repeat(160_000)}1${'}'.repeat(160_000)}`,
      ];
      for (const body of bodies) {
        for (const path of ['/v1/verify', '/v1/rotate'] as const) {
          const answer = await postTo(controller, path, body, '10.6.0.1');
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(600);
          expect(answer.body.length).toBeLessThanOrEqual(1025);
          expect(await timedHealthz(controller)).toBeLessThan(LIVENESS_MS);
        }
      }
      expect(controller.process.exitCode).toBeNull();
      // Still doing its job.
      const ss = await sealWith(controller, plainSecret(ns, 'after', { k: 'v' }));
      await createSealedSecret(ss);
      await waitForSynced(ns, 'after', (c) => c.status === 'True');
    },
  );
});

describe('--metrics-omit-secret-labels (addendum §1.4, §8 item 4)', () => {
  it(
    'with SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS=true there is no condition_info family; without it there is',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-omit-labels-' });
      // A SealedSecret sealed for another controller's key (kept in another namespace): it fails to unseal.
      const other = await controllerForTest(await createTestNamespace({ prefix: 'ctl-omit-other-' }));
      const foreign = await sealWith(other, plainSecret(ns, 'foreign', { k: 'v' }));
      await other.stop();

      const metricsOf = async (controller: RunningController) =>
        (await fetch(`${controller.metricsUrl}/metrics`)).text();
      const omitting = await controllerForTest(ns, [], {
        env: { SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS: 'true' },
      });
      await createSealedSecret(foreign);
      await waitForSynced(ns, 'foreign', (c) => c.status === 'False');
      const unsealErrors = `sealed_secrets_controller_unseal_errors_total{reason="unseal",namespace="${ns}"}`;
      const omitted = await waitFor(
        async () => {
          const text = await metricsOf(omitting);
          return text.includes(unsealErrors) && text;
        },
        { description: 'the unseal error metric' },
      );
      expect(omitted).not.toMatch(/^sealed_secrets_controller_condition_info/m);
      expect(omitted).not.toContain('condition_info');
      expect(omitted).toContain('sealed_secrets_controller_unseal_requests_total');
      expect(omitted).toContain('sealed_secrets_controller_build_info');
      await omitting.stop();

      const plain = await controllerForTest(ns);
      const series = `sealed_secrets_controller_condition_info{namespace="${ns}",name="foreign",condition="Synced",ss_app_kubernetes_io_instance=""} -1`;
      await waitFor(async () => (await metricsOf(plain)).includes(series), {
        description: 'the condition_info series without the flag',
      });
    },
  );
});

describe('the rate limit through the API server service proxy (ours, beyond upstream)', () => {
  it(
    'a forged X-Forwarded-For per request does not buy a fresh bucket: rotate answers 429 after its burst',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-proxy-xff-' });
      const exposure = await exposeViaServiceProxy({
        endpoint: kubeEndpoint(),
        namespace: ns,
        serviceName: 'sealed-secrets-controller',
        portName: 'http',
        apiServerAccess: true,
        command: process.execPath,
        args: [
          join(repoRoot(), 'packages/controller/bin/sealed-secrets-controller.js'),
          '--kubeconfig',
          e2eCluster().kubeconfigPath,
          '--listen-addr',
          '{host}:{port}',
          '--listen-metrics-addr',
          '127.0.0.1:0',
          '--all-namespaces=false',
          '--key-size',
          '2048',
        ],
        env: { POD_NAMESPACE: ns },
        readyTimeoutMs: 60_000,
      });
      onTestFinished(() => exposure.stop());
      const certPem = await waitFor(
        async () => {
          const res = await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/v1/cert.pem'));
          return res.status === 200 && res.body;
        },
        { timeoutMs: 60_000, description: 'the controller behind the service proxy' },
      );
      const ss = {
        ...sealSecret(plainSecret(ns, 'db', { password: PASSWORD }), {
          publicKey: parseCertificatePem(certPem).publicKey,
        }),
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
      };
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          kubeRequest(kubeEndpoint(), 'POST', exposure.proxyPath('/v1/rotate'), {
            body: ss,
            headers: { 'X-Forwarded-For': `203.0.113.${i}` },
          }),
        ),
      );
      const codes = answers.map((a) => a.status).sort();
      // Upstream keys on the whole header, so six forged values would be six fresh buckets and six 200s.
      expect(codes).toEqual([200, 200, 200, 429, 429, 429]);
    },
  );
});
