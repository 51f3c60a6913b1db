// Issue 9 item 3 for kubeseal: --recovery-unseal renders templates, so a hostile SealedSecret file must not hang
// it. The engine's work limits bound each template and each step; the 2 s budget bounds the object.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTILE_TEMPLATES, STALL_292, VECTOR_4096_DIR, WORK_LIMIT } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { memoryIo } from '../test-helpers/memory-io.js';

const FILES = { '/tls.key': readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8') };
const strict = JSON.parse(readFileSync(join(VECTOR_4096_DIR, 'sealed-strict.json'), 'utf8')) as {
  spec: { template: Record<string, unknown> };
};

async function recoveryUnseal(templates: Record<string, string>) {
  const input = {
    ...strict,
    spec: { ...strict.spec, template: { ...strict.spec.template, data: templates } },
  };
  const mem = memoryIo({ stdin: JSON.stringify(input), files: FILES });
  const code = await run(['--recovery-unseal', '--recovery-private-key', '/tls.key'], mem.io, {});
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

describe('kubeseal --recovery-unseal with hostile templates', () => {
  it('the 292-byte template ends with the work limit (or the time budget, on a slow machine)', async () => {
    const r = await recoveryUnseal({ stall: STALL_292 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const limits = [WORK_LIMIT, 'template rendering exceeded its time budget of 2s'];
    expect(
      limits.some((limit) => r.stderr.includes(limit)),
      r.stderr,
    ).toBe(true);
    expect(r.stderr).toContain('(stall)');
  }, 60_000);

  it('many templates that each use their whole work budget stop at the 2 s budget of the object', async () => {
    // Each one alone ends at the work limit after a few hundred milliseconds; forty in a row would take minutes.
    const heavy = HOSTILE_TEMPLATES.find((t) => t.name.startsWith('join of the whole list'))?.source ?? '';
    const templates = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`t${String(i).padStart(2, '0')}`, heavy]),
    );
    const r = await recoveryUnseal(templates);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: template rendering exceeded its time budget of 2s \(t\d\d\)\n/);
  }, 60_000);
});
