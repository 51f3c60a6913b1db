import { describe, expect, it } from 'vitest';
import { withoutUserinfo } from './userinfo.js';

describe('withoutUserinfo', () => {
  it.each([
    ['https://u:pw@[::1', 'https://[::1'],
    ['https://u:pw@host:6443/base?x=1#f', 'https://host:6443/base?x=1#f'],
    ['http://a@b:pw@proxy:3128', 'http://proxy:3128'],
    ['u:pw@[::1]:3128', '[::1]:3128'],
    ['https://host/path@not-userinfo', 'https://host/path@not-userinfo'],
    ['https://host?q=a@b', 'https://host?q=a@b'],
    ['host:6443', 'host:6443'],
    ['', ''],
  ])('%s → %s', (text, expected) => {
    expect(withoutUserinfo(text)).toBe(expected);
  });
});
