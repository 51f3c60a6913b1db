import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  applyManifest,
  createTestNamespace,
  kubeEndpoint,
  kubeRequest,
  objectApi,
  waitFor,
} from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  eventsFor,
  getSecret,
  legacySealedSecret,
  plainSecret,
  sealWith,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

// Decrypted values must never reach a status, an Event, a log line, a metric or an HTTP answer (controller README,
// Security). The API server quotes what it was sent when it refuses a Secret (validation errors, admission
// denials), so a canary sealed into a SealedSecret is made to come back in such an answer, and everything the
// controller published is searched for it. The controllers log at DEBUG, so every log line there is searched too.

const canary = (): string => `CANARY-s3cr3t-${randomBytes(6).toString('hex')}`;

/** Every form of `value` the checks look for: as is, its base64, and a middle part of that (a cut echo). */
function forms(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64').slice(4, 20)];
}

/** What the controller published about `ss`: its status, its Events, its log, /metrics and /v1/keys. */
async function published(controller: RunningController, ss: SealedSecret): Promise<string> {
  const res = await kubeRequest(
    kubeEndpoint(),
    'GET',
    `/apis/bitnami.com/v1alpha1/namespaces/${ss.metadata.namespace ?? ''}/sealedsecrets/${ss.metadata.name ?? ''}`,
  );
  const stored = JSON.parse(res.body) as SealedSecret;
  const metrics = await (await fetch(`${controller.metricsUrl}/metrics`)).text();
  const keys = await (await fetch(`${controller.url}/v1/keys`)).text();
  return [
    JSON.stringify(stored.status),
    JSON.stringify(await eventsFor(stored)),
    controller.output(),
    metrics,
    keys,
  ].join('\n');
}

function expectNoneOf(text: string, secret: string): void {
  for (const form of forms(secret)) expect(text).not.toContain(form);
}

/** The Synced=False condition, once the ErrUpdateFailed event that precedes it is there. */
async function refused(ss: SealedSecret): Promise<{ message?: string }> {
  await waitFor(async () => (await eventsFor(ss)).some((e) => e.reason === 'ErrUpdateFailed'), {
    timeoutMs: 30_000,
    description: `the ErrUpdateFailed event of ${ss.metadata.name ?? ''}`,
  });
  const failed = await waitForSynced(
    ss.metadata.namespace ?? '',
    ss.metadata.name ?? '',
    (c) => c.status === 'False',
  );
  return failed.status?.conditions?.find((c) => c.type === 'Synced') ?? {};
}

describe('the API server refusing a Secret never carries its values into status, Events, logs or metrics', () => {
  it('a legacy spec.data Secret whose sealed label value and annotation key the API server quotes (422)', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-leak-v1-' });
    const controller = await controllerForTest(ns, ['--log-level', 'DEBUG']);
    const label = canary();
    const annotation = canary();
    const value = canary();
    const created = await createSealedSecret(
      await legacySealedSecret(
        controller,
        ns,
        'old',
        {},
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: 'old',
            namespace: ns,
            // Both are sealed in the blob; neither is valid, so the API server answers 422 quoting them.
            labels: { team: `${label} x` },
            annotations: { [`${annotation} x`]: 'y' },
          },
          data: { password: Buffer.from(value).toString('base64') },
        },
      ),
    );
    const condition = await refused(created);
    expect(await getSecret(ns, 'old')).toBeUndefined();
    // What a user can act on: the field paths and the reasons, the status code.
    expect(condition.message).toBe(
      'cannot create Secret "old": the API server answered 422 Invalid ' +
        '(metadata.labels: FieldValueInvalid, metadata.annotations: FieldValueInvalid); ' +
        "its message is withheld, as it can quote the Secret's values",
    );
    const text = await published(controller, created);
    expectNoneOf(text, label);
    expectNoneOf(text, annotation);
    expectNoneOf(text, value);
  });

  it('a kubernetes.io/dockerconfigjson value that is not JSON: the API server quotes its first character', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-leak-docker-' });
    const controller = await controllerForTest(ns, ['--log-level', 'DEBUG']);
    const value = `Q${canary()}`;
    const ss = await sealWith(
      controller,
      plainSecret(
        ns,
        'registry',
        { '.dockerconfigjson': value },
        {},
        { type: 'kubernetes.io/dockerconfigjson' },
      ),
    );
    const created = await createSealedSecret(ss);
    const condition = await refused(created);
    // The API server's own text: `data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid
    // character 'Q' looking for beginning of value`: the first byte of the value.
    expect(condition.message).toBe(
      'cannot create Secret "registry": the API server answered 422 Invalid ' +
        '(data[.dockerconfigjson]: FieldValueInvalid); ' +
        "its message is withheld, as it can quote the Secret's values",
    );
    const text = await published(controller, created);
    expect(text).not.toContain("'Q'");
    expectNoneOf(text, value);

    // And a SealedSecret that unseals, through a template, with the same DEBUG log: nothing of it either.
    const good = canary();
    const sealed = await sealWith(controller, plainSecret(ns, 'good', { password: good }));
    const synced = await createSealedSecret({
      ...sealed,
      spec: {
        ...sealed.spec,
        template: { ...sealed.spec.template, data: { dsn: 'db://u:{{ .password }}@h' } },
      },
    });
    await waitForSynced(ns, 'good', (c) => c.status === 'True');
    expect((await getSecret(ns, 'good'))?.data?.['dsn']).toBe(
      Buffer.from(`db://u:${good}@h`).toString('base64'),
    );
    expectNoneOf(await published(controller, synced), good);
  });

  it('an admission policy whose denial message quotes a value the template put into the Secret', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-leak-vap-' });
    const id = randomBytes(4).toString('hex');
    await kubeRequest(kubeEndpoint(), 'PATCH', `/api/v1/namespaces/${ns}`, {
      body: { metadata: { labels: { 'ssts-e2e/leak-policy': id } } },
      contentType: 'application/merge-patch+json',
    });
    // A policy as an administrator may write one: it names the offending value in its message.
    const policy: KubernetesObject[] = [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: `ssts-e2e-leak-${id}` },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: [''],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['secrets'],
              },
            ],
          },
          validations: [
            {
              expression: "!has(object.data) || !('dsn' in object.data)",
              // Secret data reaches CEL as its base64 text, which the message then quotes.
              messageExpression: "'dsn may not be set, it is ' + string(object.data['dsn'])",
            },
          ],
        },
      } as KubernetesObject,
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: `ssts-e2e-leak-${id}` },
        spec: {
          policyName: `ssts-e2e-leak-${id}`,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchLabels: { 'ssts-e2e/leak-policy': id } } },
        },
      } as KubernetesObject,
    ];
    await applyManifest(policy);
    onTestFinished(async () => {
      for (const object of [...policy].reverse())
        await objectApi()
          .delete(object)
          .catch(() => undefined);
    });
    // Policies reach the admission plugin through informers: wait until a dry run is denied.
    await waitFor(
      async () =>
        (
          await kubeRequest(kubeEndpoint(), 'POST', `/api/v1/namespaces/${ns}/secrets?dryRun=All`, {
            body: plainSecret(ns, 'probe', { dsn: 'x' }),
          })
        ).status >= 400,
      { timeoutMs: 90_000, description: 'the policy to be enforced' },
    );

    const controller = await controllerForTest(ns, ['--log-level', 'DEBUG']);
    const password = canary();
    const ss = await sealWith(controller, plainSecret(ns, 'db', { password }));
    const created = await createSealedSecret({
      ...ss,
      spec: {
        ...ss.spec,
        template: { ...ss.spec.template, data: { dsn: '{{ .password }}' } },
      },
    });
    const condition = await refused(created);
    // kube-apiserver answers a policy's denial with 422 Invalid and no causes: nothing of its text remains.
    expect(condition.message).toBe(
      'cannot create Secret "db": the API server answered 422 Invalid; ' +
        "its message is withheld, as it can quote the Secret's values",
    );
    const text = await published(controller, created);
    expectNoneOf(text, password);
  });
});
