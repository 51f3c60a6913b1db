import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// The e2e package does not depend on the controller; its metrics module needs only prom-client.
import { ControllerMetrics } from '../../../packages/controller/src/metrics.js';
import { repoRoot } from './helm.js';
import { PROMTOOL_BUILD_TIMEOUT_MS, promtoolBin, runPromtool } from './promtool.js';

// deploy/prometheus/rules.yaml (the chart's PrometheusRule groups, rendered by scripts/render-manifests.mjs from
// values.yaml and charts/sealed-secrets/prometheus/rules.yaml): every expression passes `promtool check rules`,
// the alerts pass their unit tests on synthetic series (`promtool test rules`), and they read only metrics the
// controller registers.

const DIR = join(repoRoot, 'deploy/prometheus');
const CHART_RULES = join(repoRoot, 'charts/sealed-secrets/prometheus/rules.yaml');

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

interface Group {
  name: string;
  rules: Rule[];
}

const groupsOf = (file: string): Group[] => (parse(readFileSync(file, 'utf8')) as { groups: Group[] }).groups;
const rules = (): Rule[] => groupsOf(join(DIR, 'rules.yaml')).flatMap((g) => g.rules);

beforeAll(() => {
  promtoolBin();
}, PROMTOOL_BUILD_TIMEOUT_MS);

describe('deploy/prometheus/rules.yaml', () => {
  it('passes promtool check rules', () => {
    const res = runPromtool(['check', 'rules', 'rules.yaml'], DIR);
    expect(res.output).toContain('SUCCESS: 5 rules found');
    expect(res.status, res.output).toBe(0);
  });

  it('passes its unit tests on synthetic series (promtool test rules)', () => {
    const res = runPromtool(['test', 'rules', 'rules.test.yaml'], DIR);
    expect(res.output).toContain('SUCCESS');
    expect(res.status, res.output).toBe(0);
  });

  it("keeps the upstream mixin's alert as it is (compat §8)", () => {
    const upstream = rules().find((r) => r.alert === 'SealedSecretsUnsealErrorHigh');
    expect(upstream?.expr.replace(/\s+/g, ' ').trim()).toBe(
      'sum by (reason, namespace) (rate(sealed_secrets_controller_unseal_errors_total[5m])) > 0',
    );
    expect(upstream?.for).toBeUndefined();
    expect(upstream?.labels).toStrictEqual({ severity: 'warning' });
  });

  it("holds the chart's default group and every bundled group of charts/sealed-secrets/prometheus/rules.yaml", () => {
    const rendered = groupsOf(join(DIR, 'rules.yaml'));
    expect(rendered.map((g) => g.name)).toEqual(['sealed-secrets-controller.rules', 'sealed-secrets']);
    expect(rendered.slice(1)).toEqual(groupsOf(CHART_RULES));
    expect(rules().map((r) => r.alert)).toEqual([
      'SealedSecretsControllerNotReady',
      'SealedSecretsUnsealErrorHigh',
      'SealedSecretsDecryptErrorRateHigh',
      'SealedSecretsSealingKeyTooOld',
      'SealedSecretsOldKeyStillInUse',
    ]);
  });

  it('reads only metric families the controller registers', async () => {
    const registered = new Set(
      (await new ControllerMetrics('test', { defaultMetrics: false }).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
    );
    const used = rules().flatMap((r) => r.expr.match(/\bsealed_secrets_controller_\w+/g) ?? []);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(registered, name).toContain(name);
  });
});

describe('the unit tests bite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ssts-promtool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fail when the decrypt-error threshold is moved above the tested 20%', () => {
    const text = readFileSync(join(DIR, 'rules.yaml'), 'utf8');
    const loosened = text.replace('> 0.1\n', '> 0.5\n');
    expect(loosened).not.toBe(text);
    writeFileSync(join(dir, 'rules.yaml'), loosened);
    copyFileSync(join(DIR, 'rules.test.yaml'), join(dir, 'rules.test.yaml'));
    const res = runPromtool(['test', 'rules', 'rules.test.yaml'], dir);
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('SealedSecretsDecryptErrorRateHigh');
  });

  it('fail when the sealing-key alert loses its hour of slack or its renewal-off guard', () => {
    const text = readFileSync(join(DIR, 'rules.yaml'), 'utf8');
    for (const [from, to] of [
      [
        '(sealed_secrets_controller_key_renew_period_seconds + 3600)',
        'sealed_secrets_controller_key_renew_period_seconds',
      ],
      [
        '(sealed_secrets_controller_key_renew_period_seconds > 0)',
        '(sealed_secrets_controller_key_renew_period_seconds >= 0)',
      ],
    ] as const) {
      const changed = text.replace(from, to);
      expect(changed).not.toBe(text);
      writeFileSync(join(dir, 'rules.yaml'), changed);
      copyFileSync(join(DIR, 'rules.test.yaml'), join(dir, 'rules.test.yaml'));
      const res = runPromtool(['test', 'rules', 'rules.test.yaml'], dir);
      expect(res.status, from).not.toBe(0);
      expect(res.output).toContain('SealedSecretsSealingKeyTooOld');
    }
  });

  it('fail when the old-key alert stops excluding the sealing key or waits less than a week', () => {
    const text = readFileSync(join(DIR, 'rules.yaml'), 'utf8');
    for (const [from, to] of [
      ['unless on (job, instance, fingerprint)', 'and on (job, instance, fingerprint)'],
      ['for: 7d', 'for: 6d'],
    ] as const) {
      const changed = text.replace(from, to);
      expect(changed).not.toBe(text);
      writeFileSync(join(dir, 'rules.yaml'), changed);
      copyFileSync(join(DIR, 'rules.test.yaml'), join(dir, 'rules.test.yaml'));
      const res = runPromtool(['test', 'rules', 'rules.test.yaml'], dir);
      expect(res.status, from).not.toBe(0);
      expect(res.output).toContain('SealedSecretsOldKeyStillInUse');
    }
  });

  it('fail when the upstream alert loses its namespace label', () => {
    const text = readFileSync(join(DIR, 'rules.yaml'), 'utf8');
    const changed = text.replace('sum by (reason, namespace)', 'sum by (reason)');
    expect(changed).not.toBe(text);
    writeFileSync(join(dir, 'rules.yaml'), changed);
    copyFileSync(join(DIR, 'rules.test.yaml'), join(dir, 'rules.test.yaml'));
    const res = runPromtool(['test', 'rules', 'rules.test.yaml'], dir);
    expect(res.status).not.toBe(0);
    expect(res.output).toContain('SealedSecretsUnsealErrorHigh');
  });
});
