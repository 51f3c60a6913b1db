import { str, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's path functions: Go's `path` (base, dir, clean, ext, isAbs) and `path/filepath` (the os* variants), which
 * on Linux, where the controller runs, are the same slash-separated lexical operations.
 */

/** path.Clean: the shortest equivalent path, by purely lexical processing. */
export function clean(path: string): string {
  if (path === '') return '.';
  const rooted = path[0] === '/';
  const out: string[] = [];
  let dotdot = 0; // out[0..dotdot) are `..` that cannot be cancelled
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > dotdot) out.pop();
      else if (!rooted) {
        out.push('..');
        dotdot = out.length;
      }
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** path.Base: the last element, trailing slashes removed; `.` for empty, `/` for only slashes. */
export function base(path: string): string {
  if (path === '') return '.';
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--; // a loop: /\/+$/ is quadratic on `///…x` in V8
  const trimmed = path.slice(0, end);
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** path.Dir: everything but the last element, cleaned. */
export function dir(path: string): string {
  return clean(path.slice(0, path.lastIndexOf('/') + 1));
}

/** path.Ext: the suffix from the last dot of the last element. */
export function ext(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) if (path[i] === '.') return path.slice(i);
  return '';
}

const fn = (f: (s: string) => string | boolean): FuncDef => ({
  params: ['string'],
  call: ([s]) => f(str(s)),
});
const isAbs = (s: string): boolean => s.startsWith('/');

export const PATHS: FuncTable = {
  base: fn(base),
  dir: fn(dir),
  clean: fn(clean),
  ext: fn(ext),
  isAbs: fn(isAbs),
  osBase: fn(base),
  osClean: fn(clean),
  osDir: fn(dir),
  osExt: fn(ext),
  osIsAbs: fn(isAbs),
};
