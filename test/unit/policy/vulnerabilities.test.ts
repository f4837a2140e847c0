import { describe, expect, it } from 'vitest';
import {
  atOrAbove,
  evaluateVulnerabilities,
  type VulnerabilityConfig,
  type VulnerabilityInput,
} from '../../../src/policy/rules/vulnerabilities.js';
import type { Finding, Severity } from '../../../src/scanners/finding.js';

function finding(id: string, severity: Severity, extra: Partial<Finding> = {}): Finding {
  return {
    id,
    aliases: [],
    package: { name: 'openssl', version: '3.0.0', type: 'deb' },
    fixedVersions: ['3.0.1'],
    severity,
    severityBySource: { trivy: severity },
    cvss: [],
    sources: ['trivy', 'grype'],
    ...extra,
  };
}

const config = (over: Partial<VulnerabilityConfig> = {}): VulnerabilityConfig => ({
  severity: 'high',
  ignoreUnfixed: false,
  ignore: [],
  scope: 'all',
  acceptUnknownDbAge: false,
  failOnNoPackages: false,
  ...over,
});

const NOW = new Date('2026-03-10T23:30:00Z');

function run(over: Partial<VulnerabilityInput> = {}) {
  return evaluateVulnerabilities({
    findings: [],
    config: config(),
    now: NOW,
    scanners: ['trivy', 'grype'],
    scannerErrors: [],
    ...over,
  });
}

describe('severity threshold', () => {
  // threshold → which severities fail
  it.each([
    ['critical', ['critical']],
    ['high', ['critical', 'high']],
    ['medium', ['critical', 'high', 'medium']],
    ['low', ['critical', 'high', 'medium', 'low']],
    ['unknown', ['critical', 'high', 'medium', 'low', 'negligible', 'unknown']],
  ] as const)('%s fails on %j', (threshold, failing) => {
    const all: Severity[] = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
    expect(all.filter((s) => atOrAbove(s, threshold))).toEqual(failing);
    const r = run({
      findings: all.map((s) => finding(`CVE-${s}`, s)),
      config: config({ severity: threshold }),
    });
    expect(r.status).toBe('fail');
    expect(r.details?.failing.map((f) => f.severity)).toEqual(failing);
    expect(r.findings).toHaveLength(6);
  });
});

describe('evaluateVulnerabilities', () => {
  it('passes with nothing at or above the threshold and counts everything', () => {
    const r = run({ findings: [finding('CVE-1', 'medium'), finding('CVE-2', 'low')] });
    expect(r.status).toBe('pass');
    expect(r.summary).toBe('no vulnerabilities at or above high, 2 in all');
    expect(r.details?.counts).toEqual({
      critical: 0,
      high: 0,
      medium: 1,
      low: 1,
      negligible: 0,
      unknown: 0,
    });
  });

  it('passes on an empty scan', () => {
    expect(run()).toMatchObject({ status: 'pass', summary: 'no vulnerabilities at or above high' });
  });

  it('fails with counts by severity, most severe first', () => {
    const r = run({
      findings: [finding('CVE-3', 'high'), finding('CVE-1', 'critical'), finding('CVE-2', 'high')],
    });
    expect(r.status).toBe('fail');
    expect(r.summary).toBe('3 vulnerabilities at or above high: 1 critical, 2 high');
    expect(r.details?.failing.map((f) => f.id)).toEqual(['CVE-1', 'CVE-2', 'CVE-3']);
  });

  it('ignore-unfixed drops findings without a fixed version', () => {
    const r = run({
      findings: [finding('CVE-1', 'critical', { fixedVersions: [] }), finding('CVE-2', 'high')],
      config: config({ ignoreUnfixed: true }),
    });
    expect(r.details?.failing.map((f) => f.id)).toEqual(['CVE-2']);
    expect(r.summary).toBe('1 vulnerability at or above high: 1 high (1 unfixed ignored)');
    // Counts stay complete: they describe the scan, not the gate.
    expect(r.details?.counts.critical).toBe(1);
  });

  describe('scope own-layers', () => {
    const base = ['sha256:base1', 'sha256:base2'];
    const findings = [
      finding('CVE-base', 'critical', { layerDiffId: 'sha256:base2' }),
      finding('CVE-own', 'high', { layerDiffId: 'sha256:own1' }),
      finding('CVE-nowhere', 'high'),
    ];

    it('does not gate base layers, and gates findings without layer info (fail closed)', () => {
      const r = run({ findings, config: config({ scope: 'own-layers' }), baseLayerDiffIds: base });
      expect(r.status).toBe('fail');
      expect(r.details?.failing.map((f) => f.id)).toEqual(['CVE-nowhere', 'CVE-own']);
      expect(r.summary).toBe(
        '2 vulnerabilities at or above high: 2 high (1 in base layers not gated; 1 without layer information gated)',
      );
      expect(r.details?.scope).toBe('own-layers');
    });

    it('accepts a Set', () => {
      const r = run({
        findings: findings.slice(0, 1),
        config: config({ scope: 'own-layers' }),
        baseLayerDiffIds: new Set(base),
      });
      expect(r.status).toBe('pass');
    });

    it('is an error without the base layers', () => {
      const r = run({ findings, config: config({ scope: 'own-layers' }) });
      expect(r.status).toBe('error');
      expect(r.error).toBe('scope own-layers needs the base image layers, and none were given');
    });

    it('scope all gates base layers too', () => {
      const r = run({ findings, baseLayerDiffIds: base });
      expect(r.details?.failing).toHaveLength(3);
    });
  });

  describe('scanner errors fail closed', () => {
    it.each([
      {
        name: 'one scanner failed',
        scanners: ['trivy', 'grype'],
        errors: [{ scanner: 'grype', message: 'database is 3 days old (max-db-age 24h)' }],
        error: 'grype: database is 3 days old (max-db-age 24h)',
      },
      {
        name: 'both failed',
        scanners: ['trivy', 'grype'],
        errors: [
          { scanner: 'trivy', message: 'exit 1' },
          { scanner: 'grype', message: 'killed after 10m' },
        ],
        error: 'trivy: exit 1; grype: killed after 10m',
      },
      { name: 'no scanner ran', scanners: [], errors: [], error: 'no scanner ran' },
    ])('$name', ({ scanners, errors, error }) => {
      const r = run({ findings: [finding('CVE-1', 'low')], scanners, scannerErrors: errors });
      expect(r.status).toBe('error');
      expect(r.error).toBe(error);
      expect(r.summary).toBe(`cannot judge vulnerabilities: ${error}`);
      // What is known is still reported.
      expect(r.details?.counts.low).toBe(1);
    });
  });

  describe('waivers', () => {
    const waiver = (expires: string, over: { id?: string; package?: string } = {}) => ({
      id: 'CVE-2024-1234',
      reason: 'not reachable',
      expires,
      ...over,
    });
    const vuln = finding('CVE-2024-1234', 'critical', { aliases: ['GHSA-aaaa-bbbb-cccc'] });

    // NOW is 2026-03-10 23:30 UTC; dates compare as UTC days.
    it.each([
      { expires: '2026-03-09', applies: false, soon: undefined, status: 'fail' },
      { expires: '2026-03-10', applies: true, soon: true, status: 'warn' },
      { expires: '2026-03-11', applies: true, soon: true, status: 'warn' },
      { expires: '2026-03-24', applies: true, soon: true, status: 'warn' },
      { expires: '2026-03-25', applies: true, soon: false, status: 'pass' },
      { expires: '2027-01-01', applies: true, soon: false, status: 'pass' },
    ])(
      'expiring $expires: applies $applies, expiring soon $soon',
      ({ expires, applies, soon, status }) => {
        const r = run({ findings: [vuln], config: config({ ignore: [waiver(expires)] }) });
        expect(r.status).toBe(status);
        if (applies) {
          expect(r.details?.waived).toEqual([
            { finding: vuln, waiver: waiver(expires), expiringSoon: soon },
          ]);
          expect(r.details?.failing).toEqual([]);
          expect(r.details?.expiredWaivers).toEqual([]);
        } else {
          expect(r.details?.waived).toEqual([]);
          expect(r.details?.failing).toEqual([vuln]);
          expect(r.details?.expiredWaivers).toEqual([waiver(expires)]);
          expect(r.summary).toBe('1 vulnerability at or above high: 1 critical (1 expired waiver)');
        }
      },
    );

    it('judges the day in UTC, whatever the local clock says', () => {
      const justAfterMidnight = new Date('2026-03-11T00:00:01Z');
      const r = run({
        findings: [vuln],
        config: config({ ignore: [waiver('2026-03-10')] }),
        now: justAfterMidnight,
      });
      expect(r.status).toBe('fail');
    });

    it('summarises waived and soon-expiring waivers', () => {
      const r = run({ findings: [vuln], config: config({ ignore: [waiver('2026-03-12')] }) });
      expect(r.summary).toBe(
        'no vulnerabilities at or above high, 1 in all (1 waived; 1 waiver expiring within 14 days)',
      );
    });

    it.each([
      { name: 'by alias', w: waiver('2027-01-01', { id: 'GHSA-aaaa-bbbb-cccc' }), applies: true },
      {
        name: 'case-insensitively',
        w: waiver('2027-01-01', { id: 'cve-2024-1234' }),
        applies: true,
      },
      {
        name: 'with the right package',
        w: waiver('2027-01-01', { package: 'openssl' }),
        applies: true,
      },
      {
        name: 'not another package',
        w: waiver('2027-01-01', { package: 'libssl3' }),
        applies: false,
      },
      { name: 'not another id', w: waiver('2027-01-01', { id: 'CVE-2024-9999' }), applies: false },
    ])('matches $name', ({ w, applies }) => {
      const r = run({ findings: [vuln], config: config({ ignore: [w] }) });
      expect(r.status).toBe(applies ? 'pass' : 'fail');
    });

    it('does not list findings below the threshold as waived', () => {
      const low = finding('CVE-2024-1234', 'low');
      const r = run({ findings: [low], config: config({ ignore: [waiver('2027-01-01')] }) });
      expect(r.details?.waived).toEqual([]);
      expect(r.status).toBe('pass');
    });

    it('lists every expired waiver, even one that matches nothing', () => {
      const r = run({ config: config({ ignore: [waiver('2025-01-01', { id: 'CVE-OLD' })] }) });
      expect(r.status).toBe('pass');
      expect(r.details?.expiredWaivers).toEqual([waiver('2025-01-01', { id: 'CVE-OLD' })]);
    });
  });

  it('counts findings only one scanner reported, when two ran', () => {
    const findings = [
      finding('CVE-1', 'low', { sources: ['trivy'] }),
      finding('CVE-2', 'low', { sources: ['trivy'] }),
      finding('CVE-3', 'low', { sources: ['grype'] }),
      finding('CVE-4', 'low'),
    ];
    expect(run({ findings }).details?.onlyIn).toEqual({ trivy: 2, grype: 1 });
    expect(run({ findings, scanners: ['trivy'] }).details?.onlyIn).toEqual({});
  });

  it('fills the details', () => {
    const r = run({ findings: [finding('CVE-1', 'high')], config: config({ severity: 'medium' }) });
    expect(r.details).toEqual({
      threshold: 'medium',
      scope: 'all',
      counts: { critical: 0, high: 1, medium: 0, low: 0, negligible: 0, unknown: 0 },
      failing: [finding('CVE-1', 'high')],
      waived: [],
      expiredWaivers: [],
      onlyIn: { trivy: 0, grype: 0 },
      scanners: ['trivy', 'grype'],
    });
  });
});

describe('what the scan could not prove is stated in the verdict', () => {
  it('notes reach the summary and the details, and never turn an error into a pass', () => {
    const notes = ['trivy catalogued no packages in the image'];
    const passed = run({ notes });
    expect(passed.status).toBe('pass');
    expect(passed.summary).toBe(
      'no vulnerabilities at or above high (trivy catalogued no packages in the image)',
    );
    expect(passed.details?.notes).toEqual(notes);
    const failed = run({ notes, scannerErrors: [{ scanner: 'trivy', message: 'stale' }] });
    expect(failed.status).toBe('error');
  });
});
