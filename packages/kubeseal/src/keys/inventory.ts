// `kubeseal keys` (issue 14), as library functions: fetch the controller's key inventory (GET /v1/keys through the
// service proxy), check it, and render it as a table or JSON. The verb layer calls fetchKeyInventory and
// renderKeyInventory; reencrypt calls retirableKeys after its last write.
import type { KeyInventoryEntry, KeyInventoryReport } from '@ssts/core';
import { describeHttpFailure, type ControllerClient } from '../cluster/controller-client.js';
import { CliError } from '../errors.js';

/** Largest /v1/keys answer read: thousands of keys would still fit. */
export const MAX_KEYS_ANSWER_BYTES = 4 * 1024 * 1024;

/** One key of the inventory, as the controller reports it (packages/controller/README.md "Key inventory"). */
export type InventoryKey = KeyInventoryEntry;
export type KeyInventory = KeyInventoryReport;

function invalid(reason: string): CliError {
  return new CliError(
    'CLUSTER',
    `cannot list keys: the controller's answer is not a key inventory (${reason})`,
  );
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length <= 512;

/** Parses and checks a /v1/keys body (untrusted: it comes through the network). */
export function parseKeyInventory(body: Uint8Array): KeyInventory {
  if (body.length > MAX_KEYS_ANSWER_BYTES) throw invalid(`larger than ${MAX_KEYS_ANSWER_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw invalid('not JSON');
  }
  const { keys, objects, objectsWithoutKey } = (value ?? {}) as Record<string, unknown>;
  if (!Array.isArray(keys) || !isCount(objects) || !isCount(objectsWithoutKey)) {
    throw invalid('expected {"keys": [...], "objects": n, "objectsWithoutKey": n}');
  }
  const parsed = keys.map((item: unknown, index): InventoryKey => {
    const k = (item ?? {}) as Record<string, unknown>;
    if (
      !isShortString(k['fingerprint']) ||
      !isShortString(k['created']) ||
      (k['state'] !== 'sealing' && k['state'] !== 'active') ||
      !isCount(k['objects']) ||
      !isCount(k['items']) ||
      typeof k['linked'] !== 'boolean' ||
      (k['secretName'] !== undefined && !isShortString(k['secretName']))
    ) {
      throw invalid(`keys[${index}] is malformed`);
    }
    return {
      fingerprint: k['fingerprint'],
      ...(typeof k['secretName'] === 'string' && { secretName: k['secretName'] }),
      created: k['created'],
      state: k['state'],
      objects: k['objects'],
      items: k['items'],
      linked: k['linked'],
    };
  });
  return { keys: parsed, objects, objectsWithoutKey };
}

/** GET /v1/keys through the controller client; a controller without it (Go's, or older) is named as such. */
export async function fetchKeyInventory(controller: ControllerClient): Promise<KeyInventory> {
  const inventory = await fetchKeyInventoryIfServed(controller);
  if (inventory === undefined) {
    throw new CliError('CLUSTER', 'cannot list keys: the controller does not serve /v1/keys', {
      hints: [
        'the key inventory needs the sealed-secrets-ts controller; the Go controller has no such endpoint',
      ],
    });
  }
  return inventory;
}

/** fetchKeyInventory, or undefined when the controller answers 404 (no /v1/keys). */
export async function fetchKeyInventoryIfServed(
  controller: ControllerClient,
): Promise<KeyInventory | undefined> {
  let response;
  try {
    response = await controller.get('/v1/keys', MAX_KEYS_ANSWER_BYTES);
  } catch (error) {
    throw new CliError('CLUSTER', `cannot list keys: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404) return undefined;
  if (response.status < 200 || response.status > 299) {
    throw new CliError('CLUSTER', `cannot list keys: ${describeHttpFailure(response)}`);
  }
  return parseKeyInventory(response.body);
}

/** Keys no watched SealedSecret needs any more and that do not seal: the ones a human may retire. */
export function retirableKeys(inventory: KeyInventory): InventoryKey[] {
  return inventory.keys.filter((key) => key.state !== 'sealing' && key.objects === 0);
}

/** Only printable ASCII in a table cell (the answer came through the network). */
function cell(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * `kubeseal keys` output. `json`: the inventory as the controller sent it (re-serialized after the checks), one
 * document. `text`: a table, oldest key first, then the totals and the keys that can be retired.
 */
export function renderKeyInventory(inventory: KeyInventory, format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(inventory, null, 2)}\n`;
  const header = ['FINGERPRINT', 'STATE', 'CREATED', 'OBJECTS', 'ITEMS', 'LINKED', 'SECRET'];
  const rows = inventory.keys.map((k) => [
    cell(k.fingerprint),
    k.state,
    cell(k.created),
    String(k.objects),
    String(k.items),
    k.linked ? 'yes' : 'no',
    cell(k.secretName ?? ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const retirable = retirableKeys(inventory);
  return [
    line(header),
    ...rows.map(line),
    '',
    `${inventory.objects} SealedSecrets watched, ${inventory.objectsWithoutKey} without a known key.`,
    retirable.length === 0
      ? 'Every old key is still needed by at least one SealedSecret.'
      : `No watched SealedSecret needs: ${retirable.map((k) => cell(k.fingerprint)).join(', ')}.`,
    ...(retirable.length > 0 && inventory.objectsWithoutKey > 0
      ? [
          `But ${inventory.objectsWithoutKey} SealedSecrets have no known key yet (not unsealed, or not decryptable): ` +
            'retire nothing until that is 0.',
        ]
      : []),
    '',
  ].join('\n');
}
