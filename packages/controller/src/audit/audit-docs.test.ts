import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { SealedSecret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../log.js';
import { AuditLog } from './audit-log.js';

// docs/audit.md documents the line format with example lines (its ```jsonl block). Each example must have the
// fields, with the types, that the controller writes for a line of the same kind: never a field the code does
// not write, never one missing that the code always writes.

const DOC = new URL('../../../../docs/audit.md', import.meta.url);
const FP = 'SHA256:i0a/Nl+nrie9k4zTuTpf6sDhTY2pG1sNPMBLNP82RmI';

type Record_ = Record<string, unknown>;

/** Real lines of every kind, with and without each optional field. */
function realLines(): Record_[] {
  const lines: string[] = [];
  const sink = { write: (line: string) => lines.push(line) };
  const log = createAuditLogger({ infoToStdout: true, stdout: sink, stderr: sink });
  const audit = new AuditLog({ log, keyOf: () => FP, sealingKey: () => FP });
  const stored: SealedSecret = {
    metadata: { namespace: 'ns', name: 'n', uid: 'u', generation: 2, resourceVersion: '7' },
    spec: { encryptedData: {} },
  };
  audit.unseal(stored, { ok: true, secret: 'created' });
  audit.unseal(stored, { ok: false, reason: 'unseal', message: 'm', terminal: false });
  audit.unseal(stored, { ok: false, reason: 'unmanaged', message: 'm', terminal: false });
  const request = (headers: string[], remoteAddress?: string) =>
    ({ method: 'POST', rawHeaders: headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
  const full = request(
    [
      'X-Forwarded-For',
      '192.0.2.1',
      'X-Forwarded-Uri',
      '/api',
      'User-Agent',
      'k',
      'X-Remote-User',
      'a',
      'Impersonate-Group',
      'g',
    ],
    '10.0.0.1',
  );
  const bare = request([]);
  const posted: SealedSecret = {
    metadata: { namespace: 'ns', name: 'n', uid: 'u' },
    spec: { encryptedData: {} },
  };
  const postedNoUid: SealedSecret = { metadata: { namespace: 'ns', name: 'n' }, spec: { encryptedData: {} } };
  for (const event of ['verify', 'rotate'] as const) {
    for (const req of [full, bare]) {
      audit.http(event, req, `/v1/${event}`, { status: 200, object: posted });
      audit.http(event, req, `/v1/${event}`, { status: 200, object: postedNoUid });
      audit.http(event, req, `/v1/${event}`, {
        status: event === 'verify' ? 409 : 500,
        object: posted,
        error: 'e',
      });
      audit.http(event, req, `/v1/${event}`, { status: 500, error: 'e' });
    }
  }
  for (const trigger of ['initial', 'cutoff', 'renewal', 'signal'] as const) {
    audit.key({ action: 'generated', trigger, namespace: 'ns', secretName: 's', fingerprint: FP });
    audit.key({ action: 'generated', trigger, namespace: 'ns', error: 'e' });
  }
  for (const trigger of ['startup', 'watch'] as const) {
    audit.key({ action: 'loaded', trigger, namespace: 'ns', secretName: 's', fingerprint: FP });
    audit.key({ action: 'loaded', trigger, namespace: 'ns', secretName: 's', error: 'e' });
  }
  return lines.map((line) => JSON.parse(line) as Record_);
}

/** `path → JSON type`; arrays as `path[]`, the names under identityHeaders as `*` (they are header names). */
function fieldTypes(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    out.set(path, 'array');
    for (const item of value) fieldTypes(item, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    if (path !== '') out.set(path, 'object');
    for (const [key, child] of Object.entries(value)) {
      const name = path.endsWith('identityHeaders') ? '*' : key;
      fieldTypes(child, path === '' ? name : `${path}.${name}`, out);
    }
  } else {
    out.set(path, value === null ? 'null' : typeof value);
  }
  return out;
}

const kindOf = (line: Record_): string =>
  [line['event'], line['outcome'], line['action'] ?? ''].map(String).join('/');

function docExamples(): Record_[] {
  const text = readFileSync(DOC, 'utf8');
  const blocks = [...text.matchAll(/^```jsonl\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record_),
  );
}

describe('docs/audit.md examples', () => {
  const real = realLines();
  const byKind = new Map<string, Map<string, string>[]>();
  for (const line of real) byKind.set(kindOf(line), [...(byKind.get(kindOf(line)) ?? []), fieldTypes(line)]);

  it('show every kind of line the controller writes', () => {
    const documented = new Set(docExamples().map(kindOf));
    expect([...byKind.keys()].filter((kind) => !documented.has(kind))).toEqual([]);
  });

  it('have only fields the controller writes, with their types, and all the fields it always writes', () => {
    const examples = docExamples();
    expect(examples.length).toBeGreaterThanOrEqual(byKind.size);
    for (const example of examples) {
      const variants = byKind.get(kindOf(example));
      expect(variants, kindOf(example)).toBeDefined();
      const allowed = new Map<string, Set<string>>();
      for (const variant of variants ?? [])
        for (const [path, type] of variant) allowed.set(path, (allowed.get(path) ?? new Set()).add(type));
      const required = [...(variants?.[0]?.keys() ?? [])].filter((path) =>
        (variants ?? []).every((v) => v.has(path)),
      );
      const fields = fieldTypes(example);
      for (const [path, type] of fields)
        expect(allowed.get(path)?.has(type), `${kindOf(example)}: ${path} (${type})`).toBe(true);
      for (const path of required) expect(fields.has(path), `${kindOf(example)}: ${path} missing`).toBe(true);
      expect(String(example['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });
});
