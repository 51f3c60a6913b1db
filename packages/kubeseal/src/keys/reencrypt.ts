// `kubeseal reencrypt` (issue 14), as library functions: re-encrypt every SealedSecret of the cluster (or of a
// directory tree of files) to the controller's newest key through /v1/rotate, one request at a time so the
// controller's rate limit holds (the API client already waits out a 429's Retry-After; a 429 that outlasts its
// retries is waited out here), then say which old keys no SealedSecret needs any more. Progress goes to a
// callback: the verb layer draws the bar on a terminal. Only spec.encryptedData (or the legacy spec.data) is
// replaced: /v1/rotate drops spec.template.data since v0.40.0, so the answer's template is never used.
import { describeHttpFailure, type ControllerClient } from '../cluster/controller-client.js';
import { CliError } from '../errors.js';
import {
  fetchKeyInventory,
  fetchKeyInventoryIfServed,
  retirableKeys,
  type InventoryKey,
  type KeyInventory,
} from './inventory.js';

/** The API calls used (KubeClient.json fits): JSON answers of 2xx, a thrown error with `reason` otherwise. */
export interface ApiJson {
  json<T = unknown>(
    method: string,
    path: string,
    options?: { readonly query?: Readonly<Record<string, string | undefined>>; readonly body?: unknown },
  ): Promise<T>;
}

/** The parts of a SealedSecret this module reads and writes (the rest is kept as it came). */
interface StoredSealedSecret {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: { encryptedData?: Record<string, string>; data?: string; [key: string]: unknown };
  status?: { decryptionKeys?: { fingerprint: string }[]; [key: string]: unknown };
}

export type ReencryptOutcome = 'reencrypted' | 'current' | 'failed';

export interface ReencryptProgress {
  readonly done: number;
  readonly total: number;
  /** `namespace/name`. */
  readonly object: string;
  readonly outcome: ReencryptOutcome;
}

export interface ReencryptResult {
  /** Re-encrypted (in a dry run: that would be). */
  readonly reencrypted: readonly string[];
  /** For each of `reencrypted`, the keys its status says it needs now (`unknown` without that status). */
  readonly from: readonly (readonly string[])[];
  /** The sealing key's fingerprint (undefined: its controller has no /v1/keys). */
  readonly sealing: string | undefined;
  /** Already on the sealing key by their status.decryptionKeys: not sent. */
  readonly current: readonly string[];
  readonly failed: readonly { readonly object: string; readonly error: string }[];
  /** The inventory after the controller reconciled what was written (undefined: its controller has no /v1/keys). */
  readonly inventory: KeyInventory | undefined;
  /** Keys that neither seal nor are needed by any watched SealedSecret any more. */
  readonly retirable: readonly InventoryKey[];
}

export interface ClusterReencryptOptions {
  /** Only this namespace; all namespaces when undefined. */
  readonly namespace?: string;
  /** Send every object, even those whose status says they are on the sealing key already. */
  readonly all?: boolean;
  /** Send nothing, write nothing: the result says what would be re-encrypted. */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: ReencryptProgress) => void;
  /** How long to wait for the controller to reconcile the rewritten objects before reading the inventory. */
  readonly settleTimeoutMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const GROUP_PATH = '/apis/bitnami.com/v1alpha1';
const PAGE = '250';
/** A 429 that outlasted the API client's own retries: waited out this many more times, a second each. */
const RATE_LIMIT_RETRIES = 30;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const objectName = (ss: StoredSealedSecret) => `${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Every SealedSecret (of `namespace`, or of the cluster), page by page. */
export async function listSealedSecrets(api: ApiJson, namespace?: string): Promise<StoredSealedSecret[]> {
  const path =
    namespace === undefined
      ? `${GROUP_PATH}/sealedsecrets`
      : `${GROUP_PATH}/namespaces/${encodeURIComponent(namespace)}/sealedsecrets`;
  const items: StoredSealedSecret[] = [];
  let next: string | undefined;
  do {
    const page = await api.json<{ items?: StoredSealedSecret[]; metadata?: { continue?: string } }>(
      'GET',
      path,
      {
        query: { limit: PAGE, continue: next },
      },
    );
    items.push(...(page.items ?? []));
    next = page.metadata?.continue || undefined;
  } while (next !== undefined);
  return items;
}

/** What /v1/rotate gets: the object as kubeseal would send it, without server-side fields or status. */
function rotateRequest(ss: StoredSealedSecret): string {
  const { name, namespace, labels, annotations } = ss.metadata;
  return JSON.stringify({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: {
      name,
      namespace,
      ...(labels !== undefined && { labels }),
      ...(annotations !== undefined && { annotations }),
    },
    spec: ss.spec,
  });
}

export type RotatedValues = { encryptedData: Record<string, string> } | { data: string };

/** The re-encrypted values of a /v1/rotate answer: `encryptedData` (strings only), or the legacy `data`. */
export function rotatedValues(body: Buffer): RotatedValues {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error("the controller's answer is not JSON");
  }
  const spec = (value as { spec?: Record<string, unknown> } | null)?.spec;
  const encrypted = spec?.['encryptedData'];
  const data = spec?.['data'];
  if (typeof data === 'string' && data !== '') return { data };
  if (
    typeof encrypted !== 'object' ||
    encrypted === null ||
    Array.isArray(encrypted) ||
    !Object.values(encrypted).every((v) => typeof v === 'string')
  ) {
    throw new Error("the controller's answer has no spec.encryptedData");
  }
  return { encryptedData: encrypted as Record<string, string> };
}

/** POST /v1/rotate, waiting out rate limiting. Throws with the controller's reason on any other failure. */
export async function rotateOne(
  controller: ControllerClient,
  json: string,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<Buffer> {
  for (let attempt = 0; ; attempt++) {
    const response = await controller.rotate(json);
    if (response.status === 429 && attempt < RATE_LIMIT_RETRIES) {
      await sleep(1000);
      continue;
    }
    if (response.status === 409 || response.status === 500) {
      // Upstream answers 500 when no key decrypts the values: the object is broken, not the controller.
      throw new Error(`the controller cannot re-encrypt it: ${describeHttpFailure(response)}`);
    }
    if (response.status < 200 || response.status > 299) throw new Error(describeHttpFailure(response));
    return response.body;
  }
}

function onSealingKey(ss: StoredSealedSecret, sealing: string | undefined): boolean {
  const keys = ss.status?.decryptionKeys;
  return (
    sealing !== undefined &&
    keys !== undefined &&
    keys.length > 0 &&
    keys.every((k) => k.fingerprint === sealing)
  );
}

/** The distinct keys an object's status says its items need (`unknown` when the controller has not said). */
function keysNeeded(ss: StoredSealedSecret): string[] {
  const keys = ss.status?.decryptionKeys?.map((k) => k.fingerprint) ?? [];
  return keys.length === 0 ? ['unknown'] : [...new Set(keys)].sort();
}

const HINT_PREFIX = 'sealed-secrets-ts/sealed-';

/**
 * The object's annotations with its seal hints (only those it has: the cluster's copy should match Git's) naming
 * `sealing` and what the values are now sealed for; unchanged without hints or without a known sealing key.
 */
async function refreshedAnnotations(
  metadata: StoredSealedSecret['metadata'],
  sealing: string | undefined,
): Promise<Record<string, string> | undefined> {
  const annotations = metadata.annotations;
  if (sealing === undefined || annotations === undefined) return annotations;
  if (!Object.keys(annotations).some((k) => k.startsWith(HINT_PREFIX))) return annotations;
  const { sealHintAnnotations } = await import('@ssts/core');
  const fresh = Object.entries(sealHintAnnotations(metadata, sealing)).filter(([k]) => k in annotations);
  return { ...annotations, ...Object.fromEntries(fresh) };
}

/**
 * PUT `ss` with the new values (and its seal hints naming `sealing`); on a conflict, once more on a fresh copy whose
 * spec did not change meanwhile.
 */
async function writeBack(
  api: ApiJson,
  ss: StoredSealedSecret,
  values: ReturnType<typeof rotatedValues>,
  sealing: string | undefined,
): Promise<void> {
  const path = `${GROUP_PATH}/namespaces/${encodeURIComponent(ss.metadata.namespace ?? '')}/sealedsecrets/${encodeURIComponent(ss.metadata.name ?? '')}`;
  const updated = async (from: StoredSealedSecret): Promise<StoredSealedSecret> => {
    const { status: _status, ...rest } = from;
    const annotations = await refreshedAnnotations(from.metadata, sealing);
    const metadata = annotations === undefined ? from.metadata : { ...from.metadata, annotations };
    return { ...rest, metadata, spec: { ...from.spec, ...values } };
  };
  try {
    await api.json('PUT', path, { body: await updated(ss) });
  } catch (error) {
    if ((error as { reason?: unknown }).reason !== 'Conflict') throw error;
    const fresh = await api.json<StoredSealedSecret>('GET', path);
    if (JSON.stringify(fresh.spec) !== JSON.stringify(ss.spec)) {
      throw new Error('it was changed while being re-encrypted; run again', { cause: error });
    }
    await api.json('PUT', path, { body: await updated(fresh) });
  }
}

/**
 * Re-encrypts the cluster's SealedSecrets to the sealing key and reports the keys no object needs any more.
 * Objects whose status.decryptionKeys already name only the sealing key are skipped (unless `all`). A failure
 * of one object (no key opens it, a conflict) is recorded and the rest go on.
 */
export async function reencryptCluster(
  api: ApiJson,
  controller: ControllerClient,
  options: ClusterReencryptOptions = {},
): Promise<ReencryptResult> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const before = await fetchKeyInventoryIfServed(controller);
  const sealing = before?.keys.find((k) => k.state === 'sealing')?.fingerprint;
  let objects: StoredSealedSecret[];
  try {
    objects = await listSealedSecrets(api, options.namespace);
  } catch (error) {
    throw new CliError('CLUSTER', `cannot list SealedSecrets: ${errorText(error)}`, { cause: error });
  }
  const reencrypted: string[] = [];
  const from: string[][] = [];
  const current: string[] = [];
  const failed: { object: string; error: string }[] = [];
  for (const [index, ss] of objects.entries()) {
    const object = objectName(ss);
    let outcome: ReencryptOutcome;
    if (options.all !== true && onSealingKey(ss, sealing)) {
      current.push(object);
      outcome = 'current';
    } else if (options.dryRun === true) {
      reencrypted.push(object);
      from.push(keysNeeded(ss));
      outcome = 'reencrypted';
    } else {
      try {
        await writeBack(
          api,
          ss,
          rotatedValues(await rotateOne(controller, rotateRequest(ss), sleep)),
          sealing,
        );
        reencrypted.push(object);
        from.push(keysNeeded(ss));
        outcome = 'reencrypted';
      } catch (error) {
        failed.push({ object, error: errorText(error) });
        outcome = 'failed';
      }
    }
    options.onProgress?.({ done: index + 1, total: objects.length, object, outcome });
  }
  const done = { reencrypted, from, sealing, current, failed };
  if (before === undefined) return { ...done, inventory: undefined, retirable: [] };
  if (options.dryRun === true) return { ...done, inventory: before, retirable: retirableKeys(before) };
  const inventory = await settledInventory(
    api,
    controller,
    reencrypted,
    options.settleTimeoutMs ?? 60_000,
    sleep,
    now,
  );
  return { ...done, inventory, retirable: retirableKeys(inventory) };
}

/**
 * The inventory once the controller has unsealed every rewritten object with the sealing key (their
 * status.decryptionKeys say so), or when `timeoutMs` runs out, whichever comes first.
 */
async function settledInventory(
  api: ApiJson,
  controller: ControllerClient,
  written: readonly string[],
  timeoutMs: number,
  sleep: (ms: number) => Promise<void>,
  now: () => number,
): Promise<KeyInventory> {
  const deadline = now() + timeoutMs;
  let pending = [...written];
  for (;;) {
    const inventory = await fetchKeyInventory(controller);
    const sealing = inventory.keys.find((k) => k.state === 'sealing')?.fingerprint;
    const still: string[] = [];
    for (const object of pending) {
      const [namespace = '', name = ''] = object.split('/');
      const path = `${GROUP_PATH}/namespaces/${encodeURIComponent(namespace)}/sealedsecrets/${encodeURIComponent(name)}`;
      const ss = await api.json<StoredSealedSecret>('GET', path).catch(() => undefined);
      if (ss !== undefined && !onSealingKey(ss, sealing)) still.push(object);
    }
    pending = still;
    if (pending.length === 0 || now() >= deadline)
      return pending.length === 0 ? await fetchKeyInventory(controller) : inventory;
    await sleep(500);
  }
}
