import { describe, expect, it } from 'vitest';
import {
  UpdateKeyError,
  checkTag,
  isTagAnnotation,
  makeTag,
  tagAnnotation,
  tagKeyId,
  updateKeyFrom,
} from './update-tags.js';

const KEY = updateKeyFrom(Buffer.from('0123456789abcdef0123456789abcdef\n'));
const OTHER = updateKeyFrom(Buffer.from('another key, also 32 bytes long..'));
const CONTEXT = {
  fingerprint: 'SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk',
  label: 'shop/db',
  item: 'password',
  ciphertext: 'AgBxyz',
};
const VALUE = Buffer.from('hunter2');

describe('update tags', () => {
  it('match the value and ciphertext they were made for, and nothing else', () => {
    const tag = makeTag(KEY, CONTEXT, VALUE);
    expect(tag).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(checkTag(KEY, tag, CONTEXT, VALUE)).toBe('match');
    expect(checkTag(KEY, tag, CONTEXT, Buffer.from('hunter3'))).toBe('mismatch');
    for (const change of [
      { fingerprint: 'SHA256:other' },
      { label: 'shop/db2' },
      { item: 'pass' },
      { ciphertext: 'AgBxyZ' },
    ]) {
      expect(checkTag(KEY, tag, { ...CONTEXT, ...change }, VALUE), JSON.stringify(change)).toBe('mismatch');
    }
  });

  it('differ for equal values (fresh salt each time): a Git reader cannot see which values are equal', () => {
    const tags = new Set(Array.from({ length: 20 }, () => makeTag(KEY, CONTEXT, VALUE)));
    expect(tags.size).toBe(20);
    const macs = new Set([...tags].map((t) => t.split('.')[3]));
    expect(macs.size).toBe(20);
  });

  it('name their key by an id that is the same for the same key and differs between keys', () => {
    const again = updateKeyFrom(Buffer.from('0123456789abcdef0123456789abcdef'));
    expect(again.id).toBe(KEY.id);
    expect(OTHER.id).not.toBe(KEY.id);
    const tag = makeTag(OTHER, CONTEXT, VALUE);
    expect(tagKeyId(tag)).toBe(OTHER.id);
    expect(checkTag(KEY, tag, CONTEXT, VALUE)).toBe('other-key');
  });

  it('are missing or malformed when absent or not in the v1 format', () => {
    const tag = makeTag(KEY, CONTEXT, VALUE);
    const [, id, salt, mac] = tag.split('.');
    expect(checkTag(KEY, undefined, CONTEXT, VALUE)).toBe('missing');
    for (const bad of [
      '',
      'sha256:abc',
      `v2.${id}.${salt}.${mac}`,
      `v1.${id}.${salt}`,
      `v1.${id}.${salt}.${mac}.x`,
      `v1.${id}x.${salt}.${mac}`,
      `v1.${id}.${salt}AA.${mac}`,
      `v1.${id}.${salt}.${mac?.slice(1)}`,
      `v1.${id}.${salt}.${mac}=`,
    ]) {
      expect(checkTag(KEY, bad, CONTEXT, VALUE), bad).toBe('malformed');
    }
  });

  it('refuse an update key shorter than 32 bytes (trailing whitespace does not count)', () => {
    expect(() => updateKeyFrom(Buffer.from('short key\n'))).toThrow(UpdateKeyError);
    expect(() => updateKeyFrom(Buffer.from(`${'x'.repeat(31)}\n\n  `))).toThrow(/at least 32 bytes/);
    expect(() => updateKeyFrom(Buffer.alloc(5000, 'k'))).toThrow(/at most 4096 bytes/);
  });

  it('live in one valid annotation per item; item keys that cannot be an annotation name are hashed', () => {
    const annotationName = /^sealed-secrets-ts\/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
    expect(tagAnnotation('password')).toBe('sealed-secrets-ts/tag.password');
    expect(tagAnnotation('.dockerconfigjson')).toBe('sealed-secrets-ts/tag..dockerconfigjson');
    for (const item of ['ends-with-dash-', 'x'.repeat(60), 'tls.key_', 'a'.repeat(253)]) {
      const name = tagAnnotation(item);
      expect(name, item).toMatch(/^sealed-secrets-ts\/tag-sha256-[0-9a-f]{32}$/);
      expect(name).toMatch(annotationName);
    }
    expect(tagAnnotation('x'.repeat(59))).toBe(`sealed-secrets-ts/tag.${'x'.repeat(59)}`);
    expect(tagAnnotation('a-')).not.toBe(tagAnnotation('a_'));
    expect(isTagAnnotation('sealed-secrets-ts/tag.password')).toBe(true);
    expect(isTagAnnotation(tagAnnotation('a-'))).toBe(true);
    expect(isTagAnnotation('sealed-secrets-ts/sealed-with')).toBe(false);
  });
});
