/**
 * The ready-to-run Grafana files, checked for what Grafana would silently get wrong: there is
 * no Grafana in Debian to load them, so their shape is checked against the keys Grafana's file
 * provisioning reads (AlertRuleV1/QueryV1 struct tags; unknown keys are dropped without a word).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..', 'deploy', 'watch');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

const RULE_KEYS = new Set([
  'uid',
  'title',
  'condition',
  'data',
  'dashboardUid',
  'panelId',
  'noDataState',
  'execErrState',
  'for',
  'keepFiringFor',
  'missing_series_evals_to_resolve',
  'annotations',
  'labels',
  'isPaused',
  'notification_settings',
  'record',
]);
const QUERY_KEYS = new Set(['refId', 'queryType', 'relativeTimeRange', 'datasourceUid', 'model']);

describe('Grafana alert provisioning', () => {
  const doc = yaml.load(read('grafana/provisioning/alerting/image-gate-watch.yml')) as {
    apiVersion: number;
    groups: {
      orgId: number;
      name: string;
      folder: string;
      interval: string;
      rules: Record<string, unknown>[];
    }[];
  };

  test('only keys Grafana reads, stable unique uids, conditions that exist', () => {
    expect(doc.apiVersion).toBe(1);
    const uids = new Set<string>();
    for (const group of doc.groups) {
      expect(group).toMatchObject({
        orgId: 1,
        name: expect.any(String),
        folder: expect.any(String),
      });
      for (const rule of group.rules) {
        for (const key of Object.keys(rule)) expect(RULE_KEYS).toContain(key);
        expect(rule.uid).toMatch(/^[a-zA-Z0-9-_]{1,40}$/);
        expect(uids.has(rule.uid as string)).toBe(false);
        uids.add(rule.uid as string);
        const data = rule.data as Record<string, unknown>[];
        for (const q of data) for (const key of Object.keys(q)) expect(QUERY_KEYS).toContain(key);
        expect(data.map((q) => q.refId)).toContain(rule.condition);
        const sources = data.map((q) => q.datasourceUid);
        expect(sources.every((s) => s === '__expr__' || s === '${PROMETHEUS_DATASOURCE_UID}')).toBe(
          true,
        );
        expect(['OK', 'NoData', 'Alerting', 'KeepLast']).toContain(rule.noDataState);
        expect(['OK', 'Error', 'Alerting', 'KeepLast']).toContain(rule.execErrState);
      }
    }
  });
});

describe('Grafana dashboard', () => {
  const dash = JSON.parse(read('grafana/dashboards/image-gate-watch.json')) as {
    uid: string;
    __inputs?: unknown;
    templating: { list: { name: string; type: string; query: unknown }[] };
    panels: {
      datasource: { uid: string };
      targets: { datasource: { uid: string }; expr: string }[];
    }[];
  };

  test('a stable uid, the datasource chosen by a variable, no __inputs', () => {
    expect(dash.uid).toBe('image-gate-watch');
    expect(dash.__inputs).toBeUndefined();
    expect(dash.templating.list[0]).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    for (const p of dash.panels) {
      expect(p.datasource.uid).toBe('${datasource}');
      for (const t of p.targets) {
        expect(t.datasource.uid).toBe('${datasource}');
        expect(t.expr).toMatch(/image_gate_watch_/);
      }
    }
  });

  test('the provider points where compose.yml mounts the dashboards', () => {
    const provider = yaml.load(read('grafana/provisioning/dashboards/image-gate-watch.yml')) as {
      providers: { options: { path: string } }[];
    };
    expect(read('compose.yml')).toContain(
      `./grafana/dashboards:${provider.providers[0]!.options.path}:ro`,
    );
  });
});
