import { spawn, type ChildProcess } from 'node:child_process';
import { constants, createCipheriv, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// The e2e package does not depend on @ssts/core (its package.json is not ours to edit), so the specs import the
// core's sources directly; vitest resolves the .js suffix to the .ts file.
import { parseCertificatePem, sealSecret, type SealedSecret, type Secret } from '@ssts/core';
import { freePorts } from '../../harness/ports.js';
import { repoRoot } from '../../harness/paths.js';
import type { KubeEndpoint } from '../../harness/kube-request.js';
import { e2eCluster, kubeEndpoint, kubeJson, kubeRequest, waitFor } from '../../helpers/index.js';
import { onTestFinished } from 'vitest';

export type { SealedSecret, Secret };

const CONTROLLER_BIN = join(repoRoot(), 'packages/controller/bin/sealed-secrets-controller.js');

export interface RunningController {
  readonly url: string;
  readonly metricsUrl: string;
  readonly process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** Extra environment (e.g. `SEALED_SECRETS_*` flags). */
  readonly env?: Readonly<Record<string, string>>;
  /** What "started" means: `/readyz` answers 200 (default), or only `/healthz` answers (HTTP is up). */
  readonly waitFor?: 'readyz' | 'healthz';
}

/**
 * Starts the built controller out of cluster against the e2e control plane: own namespace `namespace`,
 * loopback ports, and, unless `args` says otherwise, only its own namespace watched so several test files can run
 * controllers side by side without fighting over the same SealedSecrets.
 */
export async function startController(
  namespace: string,
  args: readonly string[] = [],
  options: StartOptions = {},
): Promise<RunningController> {
  if (!existsSync(join(repoRoot(), 'packages/controller/dist/main.js'))) {
    throw new Error('the controller is not built: run `pnpm build` first');
  }
  const [http, metrics] = await freePorts(2);
  const allArgs = [
    '--kubeconfig',
    e2eCluster().kubeconfigPath,
    '--listen-addr',
    `127.0.0.1:${http}`,
    '--listen-metrics-addr',
    `127.0.0.1:${metrics}`,
    '--log-format',
    'json',
    ...(args.some((a) => a.startsWith('--all-namespaces') || a.startsWith('--additional-namespaces'))
      ? []
      : ['--all-namespaces=false']),
    ...(args.some((a) => a.startsWith('--key-size')) ? [] : ['--key-size', '2048']),
    ...args,
  ];
  const child = spawn(process.execPath, [CONTROLLER_BIN, ...allArgs], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      POD_NAMESPACE: namespace,
      HOME: process.env['HOME'] ?? '/tmp',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${http}`;
  try {
    const state = await waitFor(
      async () => {
        if (child.exitCode !== null) return 'exited' as const;
        const path = options.waitFor === 'healthz' ? '/healthz' : '/readyz';
        return (await fetch(`${url}${path}`).catch(() => undefined))?.status === 200 && ('ready' as const);
      },
      { timeoutMs: 60_000, description: 'the controller to become ready' },
    );
    if (state === 'exited') throw new Error(`the controller exited with ${child.exitCode}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- controller output ---\n${output}`,
    );
  }
  return {
    url,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** startController, stopped when the current test finishes (its output printed if the test failed). */
export async function controllerForTest(
  namespace: string,
  args: readonly string[] = [],
  options: StartOptions = {},
): Promise<RunningController> {
  const controller = await startController(namespace, args, options);
  onTestFinished(async (ctx) => {
    const code = await controller.stop();
    if (ctx.task.result?.state === 'fail' || code !== 0) {
      process.stderr.write(`--- controller output (exit ${code}) ---\n${controller.output()}\n`);
    }
  });
  return controller;
}

/** The value of an unlabelled series on the controller's /metrics, undefined when absent. */
export async function metricValue(controller: RunningController, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${controller.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Go's RFC1123Z (`date -R`), the format of --key-cutoff-time, in UTC. */
export function rfc1123z(date: Date): string {
  const [day, , month] = date.toUTCString().split(' ');
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${day ?? ''} ${pad(date.getUTCDate())} ${month ?? ''} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Seals `secret` with the certificate the controller serves, the way kubeseal does. */
export async function sealWith(controller: RunningController, secret: Secret): Promise<SealedSecret> {
  const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
  const sealed = sealSecret(secret, { publicKey: parseCertificatePem(pem).publicKey });
  return { ...sealed, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
}

/**
 * A kubeseal < 0.7.0 object (compat §1.4) built with node:crypto only, independently of @ssts/core: one hybrid blob
 * (u16 length ‖ RSA-OAEP-SHA256(session key, label "ns/name") ‖ AES-256-GCM with a zero nonce) of the whole Secret
 * as JSON, in `spec.data`. The embedded Secret is `secret` (its whole metadata is sealed too), by default one with
 * a label and two values.
 */
export async function legacySealedSecret(
  controller: RunningController,
  namespace: string,
  name: string,
  encryptedData: Record<string, string> = {},
  secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { legacy: 'yes' } },
    type: 'Opaque',
    data: { foo: Buffer.from('bar').toString('base64'), multi: Buffer.from('a\nb').toString('base64') },
  },
): Promise<SealedSecret> {
  const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
  const sessionKey = randomBytes(32);
  const rsa = publicEncrypt(
    {
      key: new X509Certificate(pem).publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(`${namespace}/${name}`),
    },
    sessionKey,
  );
  const cipher = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(secret)), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name, namespace },
    // The CRD requires encryptedData, so old objects carry an empty one next to `data`.
    spec: { data: Buffer.concat([length, rsa, sealed]).toString('base64'), encryptedData },
  } as SealedSecret;
}

/** A Secret of `data` given as plain strings. */
export function plainSecret(
  namespace: string,
  name: string,
  data: Record<string, string>,
  meta: Partial<Secret['metadata']> = {},
  extra: Partial<Secret> = {},
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...meta },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    ...extra,
  };
}

const ssPath = (namespace: string, name?: string): string =>
  `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets${name === undefined ? '' : `/${name}`}`;
const secretPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${namespace}/secrets${name === undefined ? '' : `/${name}`}`;

export function createSealedSecret(
  ss: SealedSecret,
  endpoint: KubeEndpoint = kubeEndpoint(),
): Promise<SealedSecret> {
  return kubeJson<SealedSecret>(endpoint, 'POST', ssPath(ss.metadata.namespace ?? ''), { body: ss });
}

export async function listSealedSecrets(namespace: string): Promise<SealedSecret[]> {
  return (await kubeJson<{ items: SealedSecret[] }>(kubeEndpoint(), 'GET', ssPath(namespace))).items;
}

export function replaceSealedSecret(ss: SealedSecret): Promise<SealedSecret> {
  return kubeJson<SealedSecret>(
    kubeEndpoint(),
    'PUT',
    ssPath(ss.metadata.namespace ?? '', ss.metadata.name),
    {
      body: ss,
    },
  );
}

export async function getSealedSecret(namespace: string, name: string): Promise<SealedSecret | undefined> {
  const res = await kubeRequest(kubeEndpoint(), 'GET', ssPath(namespace, name));
  return res.status === 404 ? undefined : (JSON.parse(res.body) as SealedSecret);
}

export async function deleteSealedSecret(namespace: string, name: string): Promise<void> {
  await kubeRequest(kubeEndpoint(), 'DELETE', ssPath(namespace, name), {
    body: { propagationPolicy: 'Background' },
  });
}

export async function getSecret(
  namespace: string,
  name: string,
  endpoint: KubeEndpoint = kubeEndpoint(),
): Promise<Secret | undefined> {
  const res = await kubeRequest(endpoint, 'GET', secretPath(namespace, name));
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET secret ${namespace}/${name}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as Secret;
}

export function createSecret(secret: Secret): Promise<Secret> {
  return kubeJson<Secret>(kubeEndpoint(), 'POST', secretPath(secret.metadata.namespace ?? ''), {
    body: secret,
  });
}

export async function deleteSecret(namespace: string, name: string): Promise<void> {
  await kubeRequest(kubeEndpoint(), 'DELETE', secretPath(namespace, name));
}

export async function listSecrets(namespace: string, labelSelector: string): Promise<Secret[]> {
  const list = await kubeJson<{ items: Secret[] }>(
    kubeEndpoint(),
    'GET',
    `${secretPath(namespace)}?labelSelector=${encodeURIComponent(labelSelector)}`,
  );
  return list.items;
}

export interface EventObject {
  metadata: { name: string };
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  type: string;
  reason: string;
  message: string;
  source?: { component?: string };
  involvedObject: { kind: string; name: string; namespace: string; uid: string };
}

/** Events of an object, found the way `kubectl describe` does (involvedObject kind/name/namespace/uid). */
export async function eventsFor(ss: SealedSecret): Promise<EventObject[]> {
  const selector = [
    'involvedObject.kind=SealedSecret',
    `involvedObject.name=${ss.metadata.name ?? ''}`,
    `involvedObject.namespace=${ss.metadata.namespace ?? ''}`,
    `involvedObject.uid=${ss.metadata.uid ?? ''}`,
  ].join(',');
  const list = await kubeJson<{ items: EventObject[] }>(
    kubeEndpoint(),
    'GET',
    `/api/v1/namespaces/${ss.metadata.namespace ?? ''}/events?fieldSelector=${encodeURIComponent(selector)}`,
  );
  return list.items;
}

export function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}

/** The Synced condition once it satisfies `predicate`. */
export function waitForSynced(
  namespace: string,
  name: string,
  predicate: (condition: { status: string; message?: string }, ss: SealedSecret) => boolean,
  timeoutMs = 30_000,
): Promise<SealedSecret> {
  return waitFor(
    async () => {
      const ss = await getSealedSecret(namespace, name);
      const condition = ss?.status?.conditions?.find((c) => c.type === 'Synced');
      return ss !== undefined && condition !== undefined && predicate(condition, ss) ? ss : undefined;
    },
    { timeoutMs, description: `the Synced condition of ${namespace}/${name}` },
  );
}

/** A per-key gauge of the controller's /metrics (`sealed_secrets_controller_<name>{fingerprint="…"}`), by fingerprint. */
export async function keyMetricAt(metricsUrl: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const prefix = `sealed_secrets_controller_${name}{fingerprint="`;
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .map((line) => {
        const [labels, value] = line.slice(prefix.length).split('"} ');
        return [labels ?? '', Number(value)];
      }),
  );
}
