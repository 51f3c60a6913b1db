import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) the summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export const CATEGORIES = [
  'crypto (RSA, AES, core unseal)',
  'API client (HTTP, TLS, sockets, streams)',
  'JSON / YAML / text decoding',
  'controller (queue, reconcile, informers)',
  'start-up (module loading, file reads)',
  'worker-thread messaging',
  'garbage collection',
  'other JavaScript',
  'V8 / native (program)',
  'idle',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Which bucket a frame's self time belongs to, from its URL and function name. */
export function categorize(functionName: string, url: string): Category {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 / native (program)';
  if (
    /node:internal\/crypto|\/packages\/core\/dist\/(crypto|unseal)\//.test(url) ||
    /^(privateDecrypt|publicEncrypt|rsaFunctionFor|createCipheriv|createDecipheriv)$/.test(functionName)
  ) {
    return 'crypto (RSA, AES, core unseal)';
  }
  if (
    /node:internal\/worker|node:worker_threads|MessagePort/.test(url) ||
    /^(postMessage|receiveMessageOnPort)$/.test(functionName)
  ) {
    return 'worker-thread messaging';
  }
  if (
    /[/\\]yaml[/\\]|node:internal\/(json|util\/inspect|encoding)/.test(url) ||
    (url === '' && /^(parse|stringify)$/.test(functionName))
  ) {
    return 'JSON / YAML / text decoding';
  }
  if (
    /node:internal\/(modules|bootstrap|deps\/cjs-module-lexer|fs)|^node:(fs|path)$/.test(url) ||
    (url === '' &&
      /^(compileSourceTextModule|internalModuleStat|fstat|openFileHandle|close|read|readFileUtf8|open|lstat|stat)$/.test(
        functionName,
      ))
  ) {
    return 'start-up (module loading, file reads)';
  }
  // Native socket writes show up without a URL. (node:path above is almost all module resolution.)
  if (
    url === '' &&
    /^(writev|writeLatin1String|writeUtf8String|writeBuffer|writeAsciiString)$/.test(functionName)
  ) {
    return 'API client (HTTP, TLS, sockets, streams)';
  }
  if (
    /node:(_?http|https|_?tls|net|stream|zlib|dns|internal\/(http|tls|net|streams|stream_base|dns|url|fetch))|undici|client-node|node-fetch|form-data|[/\\]ws[/\\]/.test(
      url,
    )
  ) {
    return 'API client (HTTP, TLS, sockets, streams)';
  }
  if (/\/packages\/controller\//.test(url)) return 'controller (queue, reconcile, informers)';
  return 'other JavaScript';
}

/** Self time (ms) per category; samples are weighted by their time delta. */
export function summarizeProfile(profile: CpuProfile): Map<Category, number> {
  const byId = new Map(
    profile.nodes.map((n) => [n.id, categorize(n.callFrame.functionName, n.callFrame.url)]),
  );
  const totals = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    for (let i = 0; i < samples.length; i++) {
      const category = byId.get(samples[i] as number) ?? 'other JavaScript';
      // timeDeltas[i] is the time since the previous sample; the next delta is this sample's duration.
      const us = deltas[i + 1] ?? 0;
      totals.set(category, (totals.get(category) ?? 0) + Math.max(0, us) / 1000);
    }
  } else {
    const hits = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const perHit = hits > 0 ? (profile.endTime - profile.startTime) / 1000 / hits : 0;
    for (const n of profile.nodes) {
      const category = byId.get(n.id) ?? 'other JavaScript';
      totals.set(category, (totals.get(category) ?? 0) + (n.hitCount ?? 0) * perHit);
    }
  }
  return totals;
}

/** Adds `b` into `a`. */
export function addTotals(a: Map<Category, number>, b: Map<Category, number>): Map<Category, number> {
  for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
  return a;
}

/** Node names profiles `CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile`; thread 0 is the main thread. */
export function isMainThreadProfile(fileName: string): boolean {
  const parts = fileName.split('.');
  return parts.length >= 6 && parts[parts.length - 3] === '0';
}

/** Time by category, split into the main thread's profile and the other threads'. */
export interface ThreadTotals {
  readonly main: Map<Category, number>;
  readonly workers: Map<Category, number>;
}

/**
 * Adds every `.cpuprofile` in `dir` (one per thread of a `node --cpu-prof` run) into `totals`; returns how many
 * profiles it read.
 */
export function addProfileDirectory(dir: string, totals: ThreadTotals): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    addTotals(isMainThreadProfile(file) ? totals.main : totals.workers, summarizeProfile(profile));
  }
  return files.length;
}
