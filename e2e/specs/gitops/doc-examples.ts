/**
 * Finds the examples of a Markdown page. A fenced block is an example when the line before it (blank lines
 * allowed in between) is a marker comment:
 *
 *   <!-- example: apply -->                 YAML/JSON: server-side apply for real
 *   <!-- example: dry-run -->               YAML/JSON: server-side apply with dryRun=All
 *   <!-- example: run -->                   sh/bash: run with bash -euo pipefail in the example's work directory
 *   <!-- example: file=PATH [dry-run] -->   also (or only) write the block to PATH in the work directory
 *
 * A yaml, json or shell block without a marker is reported, so no example can silently go unchecked; output and
 * directory trees go in `text` blocks.
 */

export type ExampleAction = 'apply' | 'dry-run' | 'run';

export interface DocExample {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly action: ExampleAction | undefined;
  readonly path: string | undefined;
  readonly code: string;
}

export interface DocScan {
  readonly examples: readonly DocExample[];
  /** Problems: unmarked checked blocks, bad markers, unterminated fences. */
  readonly errors: readonly string[];
}

const CHECKED_LANGS = new Set(['yaml', 'yml', 'json', 'sh', 'bash', 'shell']);
const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);
const MARKER = /^<!--\s*example:\s*(.*?)\s*-->$/;
const FENCE = /^(`{3,}|~{3,})\s*([\w+-]*)/;

export function scanMarkdown(file: string, text: string): DocScan {
  const lines = text.split('\n');
  const examples: DocExample[] = [];
  const errors: string[] = [];
  let marker: { line: number; body: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const markerMatch = MARKER.exec(line.trim());
    if (markerMatch !== null) {
      marker = { line: i + 1, body: markerMatch[1] ?? '' };
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence === null) {
      if (line.trim() !== '' && marker !== undefined) {
        errors.push(`${file}:${marker.line}: the example marker is not followed by a fenced block`);
        marker = undefined;
      }
      continue;
    }
    const [, ticks = '```', lang = ''] = fence;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith(ticks)) end++;
    if (end >= lines.length) {
      errors.push(`${file}:${start + 1}: unterminated fenced block`);
      break;
    }
    const code = lines.slice(start + 1, end).join('\n') + '\n';
    i = end;
    const where = `${file}:${start + 1}`;
    if (marker === undefined) {
      if (CHECKED_LANGS.has(lang)) errors.push(`${where}: a ${lang} block without an example marker`);
      continue;
    }
    const parsed = parseMarker(marker.body, lang, where);
    marker = undefined;
    if (typeof parsed === 'string') {
      errors.push(parsed);
      continue;
    }
    examples.push({ file, line: start + 1, lang, code, ...parsed });
  }
  if (marker !== undefined)
    errors.push(`${file}:${marker.line}: the example marker is not followed by a block`);
  return { examples, errors };
}

function parseMarker(
  body: string,
  lang: string,
  where: string,
): { action: ExampleAction | undefined; path: string | undefined } | string {
  let action: ExampleAction | undefined;
  let path: string | undefined;
  for (const token of body.split(/\s+/).filter((t) => t !== '')) {
    if (token.startsWith('file=')) {
      path = token.slice('file='.length);
      if (path === '' || path.startsWith('/') || path.split('/').includes('..'))
        return `${where}: file= needs a relative path inside the work directory, got "${path}"`;
    } else if (token === 'apply' || token === 'dry-run' || token === 'run') {
      if (action !== undefined) return `${where}: more than one action in the marker`;
      action = token;
    } else {
      return `${where}: unknown marker word "${token}"`;
    }
  }
  if (action === undefined && path === undefined) return `${where}: the marker names no action and no file`;
  if (action === 'run' && !SHELL_LANGS.has(lang)) return `${where}: "run" needs a shell block, got ${lang}`;
  if ((action === 'apply' || action === 'dry-run') && !['yaml', 'yml', 'json'].includes(lang))
    return `${where}: "${action}" needs a yaml or json block, got ${lang}`;
  return { action, path };
}
