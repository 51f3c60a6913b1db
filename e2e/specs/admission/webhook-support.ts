import { randomBytes } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import { freePorts } from '../../harness/ports.js';
import { kubeEndpoint, kubeJson, kubeRequest, waitFor } from '../../helpers/index.js';
import { helmTemplate, parseObjects } from '../chart/helm.js';
import { startController, type RunningController } from '../controller/support.js';
import { create, type SealedSecret } from './support.js';

/** Label that sends a namespace to one installed webhook configuration (its namespaceSelector). */
export const WEBHOOK_LABEL = 'ssts-e2e/admission-webhook';
export const WEBHOOK_NAME = 'validate.sealedsecrets.bitnami.com';
const CONFIGURATIONS = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';

export interface InstalledWebhook {
  readonly name: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  remove(): Promise<void>;
}

export interface WebhookConfigurationObject {
  metadata: { name: string; resourceVersion?: string };
  webhooks: {
    name: string;
    clientConfig: { url?: string; caBundle?: string; service?: unknown };
    namespaceSelector?: unknown;
    failurePolicy?: string;
    timeoutSeconds?: number;
  }[];
}

/**
 * The chart's ValidatingWebhookConfiguration, registered by `url:` instead of its Service: the local control plane
 * has no kube-proxy or cluster DNS, so the API server cannot reach a Service, but it reaches 127.0.0.1, where the
 * controller runs out of cluster (the certificate's SAN is that address). It only selects namespaces labelled for
 * this installation, so other spec files are unaffected. No caBundle: the controller writes it.
 */
export async function installWebhookConfiguration(
  url: string,
  options: { failurePolicy?: 'Ignore' | 'Fail'; timeoutSeconds?: number } = {},
): Promise<InstalledWebhook> {
  const id = randomBytes(4).toString('hex');
  const namespaceLabels = { [WEBHOOK_LABEL]: id };
  const rendered = parseObjects(
    helmTemplate({
      release: `wh-${id}`,
      namespace: 'kube-system',
      values: {
        fullnameOverride: `ssts-wh-${id}`,
        'admission.webhook.enabled': true,
        ...(options.failurePolicy !== undefined && {
          'admission.webhook.failurePolicy': options.failurePolicy,
        }),
        ...(options.timeoutSeconds !== undefined && {
          'admission.webhook.timeoutSeconds': options.timeoutSeconds,
        }),
      },
    }),
  ).find((o) => o.kind === 'ValidatingWebhookConfiguration') as unknown as
    WebhookConfigurationObject | undefined;
  if (rendered === undefined) throw new Error('the chart rendered no ValidatingWebhookConfiguration');
  const configuration = {
    ...rendered,
    webhooks: rendered.webhooks.map((w) => ({
      ...w,
      clientConfig: { url },
      namespaceSelector: { matchLabels: namespaceLabels },
    })),
  };
  await kubeJson(kubeEndpoint(), 'POST', CONFIGURATIONS, { body: configuration });
  return {
    name: rendered.metadata.name,
    namespaceLabels,
    async remove() {
      await kubeRequest(kubeEndpoint(), 'DELETE', `${CONFIGURATIONS}/${rendered.metadata.name}`);
    },
  };
}

export function getWebhookConfiguration(name: string): Promise<WebhookConfigurationObject> {
  return kubeJson<WebhookConfigurationObject>(kubeEndpoint(), 'GET', `${CONFIGURATIONS}/${name}`);
}

/** PEM certificates in the configuration's first caBundle. */
export async function injectedBundle(name: string): Promise<string[]> {
  const configuration = await getWebhookConfiguration(name);
  const bundle = configuration.webhooks[0]?.clientConfig.caBundle;
  if (bundle === undefined) return [];
  return (
    Buffer.from(bundle, 'base64')
      .toString()
      .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
  );
}

/**
 * Picks the webhook's port, registers the configuration with its URL, then starts the controller with the
 * webhook on (own namespace `controllerNamespace`, watching `watched` too: the webhook only checks namespaces
 * whose SealedSecrets this controller unseals).
 */
export async function startWebhookController(
  controllerNamespace: string,
  watched: string,
  configuration: string,
  port: number,
  extraArgs: readonly string[] = [],
): Promise<RunningController> {
  return startController(controllerNamespace, [
    '--additional-namespaces',
    watched,
    '--webhook-listen-addr',
    `127.0.0.1:${port}`,
    '--webhook-hosts',
    '127.0.0.1',
    '--webhook-configuration',
    configuration,
    '--webhook-ca-secret',
    'webhook-ca',
    ...extraArgs,
  ]);
}

export async function webhookPort(): Promise<{ port: number; url: string }> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  return { port, url: `https://127.0.0.1:${port}/validate-sealedsecrets` };
}

/** The text the API server returns for a denial by the webhook. */
export function webhookDenial(message: string): string {
  return `admission webhook "${WEBHOOK_NAME}" denied the request: ${message}`;
}

/** Waits until the webhook answers through the API server: `probe` (which it must refuse) is refused. */
export async function waitUntilWebhookEnforces(probe: SealedSecret): Promise<void> {
  await waitFor(
    async () => {
      const a = await create(probe);
      return a.status === 422 && (a.message ?? '').includes(WEBHOOK_NAME);
    },
    { timeoutMs: 30_000, description: 'the webhook to refuse a SealedSecret through the API server' },
  );
}

/** The certificate the webhook serves now (a fresh TLS connection, not verified). */
export function servedCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}
