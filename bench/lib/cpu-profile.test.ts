import { describe, expect, it } from 'vitest';
import { categorize, isMainThreadProfile, summarizeProfile, type CpuProfile } from './cpu-profile.js';

describe('categorize', () => {
  it.each([
    ['privateDecrypt', 'node:internal/crypto/cipher', 'crypto (RSA, AES, core unseal)'],
    ['hybridDecrypt', 'file:///w/packages/core/dist/crypto/hybrid.js', 'crypto (RSA, AES, core unseal)'],
    ['onStreamRead', 'node:internal/stream_base_commons', 'API client (HTTP, TLS, sockets, streams)'],
    [
      'request',
      'file:///w/node_modules/.pnpm/@kubernetes+client-node@1.3.0/x.js',
      'API client (HTTP, TLS, sockets, streams)',
    ],
    ['parse', '', 'JSON / YAML / text decoding'],
    ['decode', 'node:internal/encoding', 'JSON / YAML / text decoding'],
    ['compileSourceTextModule', 'node:internal/modules/esm/utils', 'start-up (module loading, file reads)'],
    ['fstat', '', 'start-up (module loading, file reads)'],
    ['resolve', 'node:path', 'start-up (module loading, file reads)'],
    ['writev', '', 'API client (HTTP, TLS, sockets, streams)'],
    ['', 'node:internal/crypto/cipher', 'crypto (RSA, AES, core unseal)'],
    ['postMessage', '', 'worker-thread messaging'],
    [
      'reconcile',
      'file:///w/packages/controller/dist/reconcile.js',
      'controller (queue, reconcile, informers)',
    ],
    ['(garbage collector)', '', 'garbage collection'],
    ['(idle)', '', 'idle'],
    ['(program)', '', 'V8 / native (program)'],
    ['something', 'file:///w/node_modules/pino/lib.js', 'other JavaScript'],
  ])('%s in %s is %s', (fn, url, category) => {
    expect(categorize(fn, url)).toBe(category);
  });
});

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' } },
      { id: 2, callFrame: { functionName: 'privateDecrypt', url: 'node:internal/crypto/cipher' } },
      { id: 3, callFrame: { functionName: '(idle)', url: '' } },
    ],
    samples: [2, 2, 3, 2],
    // microseconds since the previous sample; a sample lasts until the next one
    timeDeltas: [0, 1000, 2000, 500],
    startTime: 0,
    endTime: 4000,
  };

  it('weights each sample by the time to the next one', () => {
    const totals = summarizeProfile(profile);
    expect(totals.get('crypto (RSA, AES, core unseal)')).toBeCloseTo(1 + 2, 6);
    expect(totals.get('idle')).toBeCloseTo(0.5, 6);
  });

  it('falls back to hit counts without samples', () => {
    const totals = summarizeProfile({
      ...profile,
      samples: [],
      timeDeltas: [],
      nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 2 ? 3 : n.id === 3 ? 1 : 0 })),
    });
    expect(totals.get('crypto (RSA, AES, core unseal)')).toBeCloseTo(3, 6);
    expect(totals.get('idle')).toBeCloseTo(1, 6);
  });
});

describe('isMainThreadProfile', () => {
  it('reads the thread id from node --cpu-prof file names', () => {
    expect(isMainThreadProfile('CPU.20261123.180102.4242.0.001.cpuprofile')).toBe(true);
    expect(isMainThreadProfile('CPU.20261123.180102.4242.3.004.cpuprofile')).toBe(false);
  });
});
