import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
// The e2e package does not depend on the controller; its metrics module needs only prom-client.
import { ControllerMetrics } from '../../../packages/controller/src/metrics.js';
import { chartDir, findObject, helmBin, HELM_BUILD_TIMEOUT_MS, helmTemplate, parseObjects } from './helm.js';
import { PROMTOOL_BUILD_TIMEOUT_MS, promtoolBin, runPromtool } from './promtool.js';

// The chart's Grafana dashboard (metrics.dashboards.create): the upstream mixin's panels for the same metric
// names, plus the key panels; every query is valid PromQL and reads only metrics the controller registers.

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: string }[] };
}

const FILE = join(chartDir, 'dashboards/sealed-secrets-controller.json');
const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/** Grafana's variables replaced by what they expand to at query time. */
const expand = (expr: string): string => expr.replaceAll('$job', '.+').replaceAll('$__rate_interval', '5m');

beforeAll(
  () => {
    helmBin();
    promtoolBin();
  },
  Math.max(HELM_BUILD_TIMEOUT_MS, PROMTOOL_BUILD_TIMEOUT_MS),
);

describe('dashboards/sealed-secrets-controller.json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ssts-dashboard-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every query is valid PromQL (promtool check rules on them as recording rules)', () => {
    expect(exprs.length).toBeGreaterThanOrEqual(14);
    const rules = exprs.map((e, i) => ({ record: `dashboard:query:${i}`, expr: expand(e.expr) }));
    writeFileSync(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const res = runPromtool(['check', 'rules', 'queries.yaml'], dir);
    expect(res.status, res.output).toBe(0);
    expect(res.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it('the check bites: a broken query fails it', () => {
    writeFileSync(
      join(dir, 'broken.yaml'),
      stringify({ groups: [{ name: 'd', rules: [{ record: 'x', expr: 'sum by (reason (rate(x[5m]))' }] }] }),
    );
    expect(runPromtool(['check', 'rules', 'broken.yaml'], dir).status).not.toBe(0);
  });

  it('reads only metric families the controller registers, and selects the controller by $job', async () => {
    const registered = new Set(
      (await new ControllerMetrics('test', { defaultMetrics: false }).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
    );
    for (const { panel, expr } of exprs) {
      const names = expr.match(/\bsealed_secrets_controller_\w+/g) ?? [];
      expect(names.length, panel).toBeGreaterThan(0);
      for (const name of names)
        expect(registered, `${panel}: ${name}`).toContain(name.replace(/_bucket$/, ''));
      // The namespace label of unseal_errors_total and condition_info is the SealedSecret's, not the
      // controller's: only job picks the controller (with or without honorLabels).
      for (const selector of expr.match(/\{[^}]*\}/g) ?? []) expect(selector, panel).toContain('job=~"$job"');
    }
    const job = dashboard.templating.list.find((v) => v.name === 'job');
    expect(job?.query).toBe('label_values(sealed_secrets_controller_build_info, job)');
  });

  it("has the upstream mixin dashboard's queries (unseal requests, unseal errors by reason) and the key panels", () => {
    const all = exprs.map((e) => e.expr).join('\n');
    expect(all).toContain('sum(rate(sealed_secrets_controller_unseal_requests_total{job=~"$job"}');
    expect(all).toContain('sum by (reason) (rate(sealed_secrets_controller_unseal_errors_total{job=~"$job"}');
    for (const name of [
      'sealed_secrets_controller_key_creation_timestamp_seconds',
      'sealed_secrets_controller_key_sealing',
      'sealed_secrets_controller_key_renew_period_seconds',
      'sealed_secrets_controller_condition_info',
      'sealed_secrets_controller_http_requests_total',
      'sealed_secrets_controller_http_request_duration_seconds_bucket',
    ])
      expect(all, name).toContain(name);
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining(['Sealing key age', 'Key renewal period', 'Keys', 'Sealing key']),
    );
  });

  it('has unique panel ids and a layout without overlaps inside 24 columns', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('is shipped as is in the dashboards ConfigMap', () => {
    const objects = parseObjects(helmTemplate({ values: { 'metrics.dashboards.create': true } }));
    const cm = findObject(objects, 'ConfigMap', 'sealed-secrets-dashboards');
    const data = (cm['data'] as Record<string, string>)['sealed-secrets-controller.json'] ?? '';
    expect(JSON.parse(data)).toEqual(dashboard);
    expect(data).toBe(readFileSync(FILE, 'utf8').trim());
  });
});
