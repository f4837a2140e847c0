import { describe, expect, test } from 'vitest';
import { renderSarif } from '../../../src/report/sarif.js';
import { renderFindingsSarif } from '../../../src/report/findings.js';
import { failingVerdict, finding, rules, verdict } from './builders.js';
import { sarifErrors } from './sarif-schema.js';

interface Log {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: Rule[] } };
    results: Result[];
    automationDetails?: { id: string };
  }[];
}
interface Rule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  properties: { 'security-severity'?: string; tags: string[] };
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
    message?: { text: string };
  }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

function parse(text: string): Log {
  const log = JSON.parse(text) as Log;
  expect(sarifErrors(log)).toEqual([]);
  expect(log.version).toBe('2.1.0');
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0]!;
  expect(run.tool.driver.name).toBe('image-gate');
  for (const r of run.results) {
    // GitHub rejects results without a physical location.
    expect(r.locations.length).toBeGreaterThan(0);
    expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBeTruthy();
    expect(r.locations[0]!.physicalLocation.region.startLine).toBe(1);
    expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(Object.values(r.partialFingerprints)[0]).toMatch(/^[0-9a-f]{32}$/);
  }
  return log;
}

describe('renderSarif', () => {
  test('a passing verdict is a valid log with no results', () => {
    const log = parse(renderSarif(verdict()));
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.tool.driver.version).toBe('0.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
  });

  test('a failing verdict: one result per failing rule or finding, waived ones left out', () => {
    const log = parse(renderSarif(failingVerdict(), { dockerfile: './docker/app/Dockerfile' }));
    const run = log.runs[0]!;
    expect(run.results.map((r) => r.ruleId)).toEqual([
      'image-gate/base-image',
      'image-gate/non-root',
      'image-gate/secrets/aws-access-key-id',
      'image-gate/secrets/github-token',
      'image-gate/vulnerability/CVE-2024-9999',
      'image-gate/vulnerability/CVE-2024-0001',
    ]);
    expect(run.results.every((r) => r.level === 'error')).toBe(true);
    expect(JSON.stringify(run)).not.toContain('CVE-2023-1111'); // waived
    const uris = new Set(
      run.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri),
    );
    expect([...uris]).toEqual(['docker/app/Dockerfile']);

    const secret = run.results[2]!;
    expect(secret.message.text).toContain('/app/.env:2');
    expect(secret.locations[0]!.message!.text).toBe('/app/.env:2 in layer 3');
    expect(secret.properties).toMatchObject({ path: '/app/.env', layerIndex: 3, kind: 'file' });

    const vuln = run.results[4]!;
    expect(vuln.properties).toMatchObject({
      package: 'libcurl',
      version: '8.0.0',
      severity: 'critical',
    });
    const byId = new Map(run.tool.driver.rules.map((r) => [r.id, r]));
    expect(
      byId.get('image-gate/vulnerability/CVE-2024-9999')!.properties['security-severity'],
    ).toBe('9.5');
    expect(
      byId.get('image-gate/vulnerability/CVE-2024-0001')!.properties['security-severity'],
    ).toBe('8.0');
    for (const rule of run.tool.driver.rules) {
      expect(rule.shortDescription.text).toBeTruthy();
      expect(rule.fullDescription.text).toBeTruthy();
      expect(rule.help.text).toBeTruthy();
      expect(rule.properties.tags).toContain('security');
    }
  });

  test('warnings are `warning`, errored rules are `error`, passing rules are absent', () => {
    const v = verdict({
      rules: [
        rules.baseImage('pass'),
        { ...rules.nonRoot('warn', 'root') },
        {
          ...rules.vulnerabilities(),
          status: 'error',
          summary: 'scan failed',
          error: 'grype crashed',
        },
      ],
    });
    const run = parse(renderSarif(v)).runs[0]!;
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['image-gate/non-root', 'warning'],
      ['image-gate/vulnerabilities', 'error'],
    ]);
    expect(run.results[1]!.message.text).toContain('grype crashed');
  });

  test('fingerprints are stable across tags and digests, distinct across packages', () => {
    const a = parse(renderSarif(failingVerdict())).runs[0]!.results;
    const rebuilt = failingVerdict();
    rebuilt.image = {
      ...rebuilt.image,
      reference: 'docker://ghcr.io/acme/app:1.2.4',
      digest: 'sha256:' + 'e'.repeat(64),
    };
    const b = parse(renderSarif(rebuilt)).runs[0]!.results;
    expect(b.map((r) => r.partialFingerprints)).toEqual(a.map((r) => r.partialFingerprints));
    expect(new Set(a.map((r) => r.partialFingerprints['imageGate/v1'])).size).toBe(a.length);
  });

  test('several images go in one run; category sets automationDetails', () => {
    const log = parse(renderSarif([failingVerdict(), verdict()], { category: 'image-gate/app' }));
    expect(log.runs[0]!.automationDetails).toEqual({ id: 'image-gate/app/' });
    expect(log.runs[0]!.results[0]!.properties.image).toBe('docker://ghcr.io/acme/app:1.2.3');
  });
});

describe('renderFindingsSarif (merge)', () => {
  test('is valid and uses the same vulnerability rules', () => {
    const findings = [
      finding({ id: 'GHSA-abcd-efgh-jmpq', pkg: 'lodash', version: '4.17.0', severity: 'medium' }),
      finding({ severity: 'unknown' }),
    ];
    const run = parse(renderFindingsSarif(findings, { toolVersion: '0.1.0' })).runs[0]!;
    expect(run.results.map((r) => r.ruleId)).toEqual([
      'image-gate/vulnerability/GHSA-abcd-efgh-jmpq',
      'image-gate/vulnerability/CVE-2024-0001',
    ]);
    expect(run.results.every((r) => r.level === 'warning')).toBe(true);
    expect(run.tool.driver.rules[0]!.properties['security-severity']).toBe('5.5');
    // No mapping for unknown: code scanning falls back to the level.
    expect(run.tool.driver.rules[1]!.properties['security-severity']).toBeUndefined();
  });

  test('an empty merge is a valid log', () => {
    expect(parse(renderFindingsSarif([])).runs[0]!.results).toEqual([]);
  });
});
