import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Update tags (`kubeseal seal --update`, issue 15): one annotation per sealed item saying, to whoever holds the
 * team's update key and the value, whether this ciphertext was sealed from this value. The design and its threat
 * model are in the package README ("seal --update: the update tags"); in short:
 *
 * tag = HMAC-SHA256(K, salt ‖ certificate fingerprint ‖ OAEP label ‖ item key ‖ ciphertext ‖ value), K derived
 * with HKDF from a user-held key file that never goes to Git, salt 16 random bytes per tag. Without K a tag is a
 * PRF output: it says nothing about the value, and equal values get unrelated tags (fresh salt, fresh ciphertext).
 */

/** `sealed-secrets-ts/tag.<item>`, or for item keys that cannot be an annotation name, a hash of the key. */
const PREFIX = 'sealed-secrets-ts/';
const DIRECT = 'tag.';
const HASHED = 'tag-sha256-';
/** An annotation name (the part after the prefix): at most 63 characters, alphanumeric at both ends. */
const ANNOTATION_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const VERSION = 'v1';
const SALT_BYTES = 16;
const MAC_BYTES = 32;
const KEY_ID_CHARS = 8;
/** An update key file holds at least this many bytes (a random 256-bit key, e.g. `openssl rand -base64 32`). */
export const MIN_UPDATE_KEY_BYTES = 32;
export const MAX_UPDATE_KEY_BYTES = 4096;

export interface UpdateKey {
  /** Public: names the key in notices and tags (derived one-way, reveals nothing about the key). */
  readonly id: string;
  readonly macKey: Buffer;
}

/** What a tag binds besides the value: change any of them and the tag no longer matches. */
export interface TagContext {
  /** `SHA256:…` of the certificate the ciphertext was sealed with. */
  readonly fingerprint: string;
  /** The OAEP label text (scope, namespace, name). */
  readonly label: string;
  readonly item: string;
  /** The item's ciphertext as written in `encryptedData` (base64). */
  readonly ciphertext: string;
}

export type TagCheck = 'match' | 'missing' | 'malformed' | 'other-key' | 'mismatch';

export class UpdateKeyError extends Error {}

/** The annotation holding `item`'s tag. Item names and annotation names share their alphabet, not their length. */
export function tagAnnotation(item: string): string {
  const direct = `${DIRECT}${item}`;
  if (ANNOTATION_NAME.test(direct)) return `${PREFIX}${direct}`;
  return `${PREFIX}${HASHED}${createHash('sha256').update(item, 'utf8').digest('hex').slice(0, 32)}`;
}

/** Whether an annotation key is an update tag (of any item). */
export function isTagAnnotation(key: string): boolean {
  return key.startsWith(`${PREFIX}${DIRECT}`) || key.startsWith(`${PREFIX}${HASHED}`);
}

/** The key from the bytes of an update key file (trailing whitespace ignored, so `echo`-written files work). */
export function updateKeyFrom(bytes: Uint8Array): UpdateKey {
  const material = Buffer.from(Buffer.from(bytes).toString('latin1').replace(/\s+$/, ''), 'latin1');
  if (material.length < MIN_UPDATE_KEY_BYTES) {
    throw new UpdateKeyError(
      `an update key needs at least ${MIN_UPDATE_KEY_BYTES} bytes (make one with: openssl rand -base64 32)`,
    );
  }
  if (material.length > MAX_UPDATE_KEY_BYTES) {
    throw new UpdateKeyError(`an update key has at most ${MAX_UPDATE_KEY_BYTES} bytes`);
  }
  const derive = (info: string, length: number) =>
    Buffer.from(hkdfSync('sha256', material, 'sealed-secrets-ts', `update-tag ${VERSION} ${info}`, length));
  return {
    id: derive('key-id', 6).toString('base64url').slice(0, KEY_ID_CHARS),
    macKey: derive('mac', 32),
  };
}

function mac(key: UpdateKey, salt: Buffer, context: TagContext, value: Uint8Array): Buffer {
  const hmac = createHmac('sha256', key.macKey);
  // Length-prefixed fields: no two different inputs share an encoding.
  const field = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hmac.update(length).update(bytes);
  };
  field(salt);
  for (const text of [context.fingerprint, context.label, context.item, context.ciphertext])
    field(Buffer.from(text, 'utf8'));
  field(value);
  return hmac.digest();
}

/** A fresh tag for `value` sealed as `context.ciphertext`: `v1.<key id>.<salt>.<mac>` (base64url). */
export function makeTag(key: UpdateKey, context: TagContext, value: Uint8Array): string {
  const salt = randomBytes(SALT_BYTES);
  return [
    VERSION,
    key.id,
    salt.toString('base64url'),
    mac(key, salt, context, value).toString('base64url'),
  ].join('.');
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** The key id a tag was made with, when it is a well-formed tag. */
export function tagKeyId(tag: string): string | undefined {
  const parts = tag.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.every((p) => B64URL.test(p))) return undefined;
  const [, id = '', salt = '', digest = ''] = parts;
  if (id.length !== KEY_ID_CHARS) return undefined;
  if (Buffer.from(salt, 'base64url').length !== SALT_BYTES) return undefined;
  if (Buffer.from(digest, 'base64url').length !== MAC_BYTES) return undefined;
  return id;
}

/** Whether `tag` says that `context.ciphertext` was sealed from `value` (constant-time comparison). */
export function checkTag(
  key: UpdateKey,
  tag: string | undefined,
  context: TagContext,
  value: Uint8Array,
): TagCheck {
  if (tag === undefined) return 'missing';
  const id = tagKeyId(tag);
  if (id === undefined) return 'malformed';
  if (id !== key.id) return 'other-key';
  const [, , salt = '', digest = ''] = tag.split('.');
  const expected = mac(key, Buffer.from(salt, 'base64url'), context, value);
  return timingSafeEqual(expected, Buffer.from(digest, 'base64url')) ? 'match' : 'mismatch';
}
