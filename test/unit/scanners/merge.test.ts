import { describe, expect, test } from 'vitest';
import type { Finding, ScanReport, ScannerName, Severity } from '../../../src/scanners/finding.js';
import { foundOnlyBy, mergeFindings, mergeReports } from '../../../src/scanners/merge.js';

/** A small finding: `scanner` found `id` in `pkg@version` with `severity`. */
function finding(
  scanner: ScannerName,
  id: string,
  severity: Severity,
  extra: Partial<Finding> & { pkg?: string; version?: string } = {},
): Finding {
  const { pkg = 'openssl', version = '1.1.1c', ...rest } = extra;
  return {
    id,
    aliases: [],
    package: { name: pkg, version },
    fixedVersions: [],
    severity,
    severityBySource: { [scanner]: severity },
    cvss: [],
    sources: [scanner],
    ...rest,
  };
}

function report(scanner: ScannerName, findings: Finding[], layerDiffIds?: string[]): ScanReport {
  return {
    scanner,
    format: `${scanner}-json`,
    imageIds: [],
    findings,
    ...(layerDiffIds ? { layerDiffIds } : {}),
  };
}

describe('merging findings', () => {
  test('a GHSA with one related CVE and that CVE are one finding under the CVE id', () => {
    const merged = mergeReports([
      report('grype', [
        finding('grype', 'GHSA-aaaa-bbbb-cccc', 'high', { aliases: ['CVE-2024-1'] }),
      ]),
      report('trivy', [finding('trivy', 'CVE-2024-1', 'high')]),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      id: 'CVE-2024-1',
      aliases: ['GHSA-aaaa-bbbb-cccc'],
      sources: ['trivy', 'grype'],
    });
  });

  test('a GHSA reported alone by one scanner still joins the CVE another scanner links it to', () => {
    const merged = mergeFindings([
      finding('trivy', 'GHSA-aaaa-bbbb-cccc', 'medium'),
      finding('grype', 'CVE-2024-1', 'medium', { aliases: ['GHSA-aaaa-bbbb-cccc'] }),
    ]);
    expect(merged.map((f) => f.id)).toEqual(['CVE-2024-1']);
  });

  test('an advisory covering several CVEs does not merge them', () => {
    const merged = mergeFindings([
      finding('grype', 'DLA-1-1', 'high', { aliases: ['CVE-2024-1', 'CVE-2024-2'] }),
      finding('trivy', 'CVE-2024-1', 'high'),
      finding('trivy', 'CVE-2024-2', 'low'),
    ]);
    expect(merged.map((f) => f.id).sort()).toEqual(['CVE-2024-1', 'CVE-2024-2', 'DLA-1-1']);
  });

  test('the same id in another package or version stays separate', () => {
    const merged = mergeFindings([
      finding('trivy', 'CVE-2024-1', 'high', { pkg: 'libssl' }),
      finding('trivy', 'CVE-2024-1', 'high', { pkg: 'libcrypto' }),
      finding('trivy', 'CVE-2024-1', 'high', { pkg: 'libcrypto', version: '1.1.1d' }),
    ]);
    expect(merged).toHaveLength(3);
  });

  test('when the scanners disagree on severity, the higher one is gated on and both are kept', () => {
    const [merged] = mergeFindings([
      finding('trivy', 'CVE-2024-1', 'low'),
      finding('grype', 'CVE-2024-1', 'high'),
    ]);
    expect(merged).toMatchObject({
      severity: 'high',
      severityBySource: { trivy: 'low', grype: 'high' },
    });
  });

  test('unknown never outranks a real severity', () => {
    const [merged] = mergeFindings([
      finding('trivy', 'CVE-2024-1', 'unknown'),
      finding('grype', 'CVE-2024-1', 'negligible'),
    ]);
    expect(merged?.severity).toBe('negligible');
  });

  test('fixed versions, CVSS and package details are unioned', () => {
    const cvss = { source: 'nvd', version: '3.1', vector: 'CVSS:3.1/AV:N', score: 7.5 };
    const [merged] = mergeFindings([
      finding('trivy', 'CVE-2024-1', 'high', { fixedVersions: ['1.1.1d'], cvss: [cvss] }),
      finding('grype', 'CVE-2024-1', 'high', {
        fixedVersions: ['1.1.1d', '1.1.1e'],
        cvss: [cvss],
        package: { name: 'openssl', version: '1.1.1c', purl: 'pkg:deb/debian/openssl@1.1.1c' },
      }),
    ]);
    expect(merged).toMatchObject({
      fixedVersions: ['1.1.1d', '1.1.1e'],
      cvss: [cvss],
      package: { purl: 'pkg:deb/debian/openssl@1.1.1c' },
    });
  });

  test('the same package version in several targets is one finding, in its topmost layer', () => {
    const base = 'sha256:base';
    const own = 'sha256:own';
    const merged = mergeReports([
      report(
        'trivy',
        [
          finding('trivy', 'CVE-2024-1', 'high', { pkg: 'minimist', layerDiffId: own }),
          finding('trivy', 'CVE-2024-1', 'high', { pkg: 'minimist', layerDiffId: base }),
        ],
        [base, own],
      ),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.layerDiffId).toBe(own);
  });

  test('a copy whose layer one scanner did not record makes the layer unknown, so it is gated', () => {
    const base = 'sha256:base';
    const merged = mergeReports([
      report('trivy', [finding('trivy', 'CVE-2024-1', 'high', { layerDiffId: base })], [base]),
      report('grype', [finding('grype', 'CVE-2024-1', 'high')]),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.layerDiffId).toBeUndefined();
  });

  test('the most severe findings come first', () => {
    const merged = mergeFindings([
      finding('trivy', 'CVE-2024-3', 'low'),
      finding('trivy', 'CVE-2024-2', 'critical'),
    ]);
    expect(merged.map((f) => f.severity)).toEqual(['critical', 'low']);
  });
});

describe('what only one scanner found', () => {
  test('lists the findings the other scanner missed', () => {
    const merged = mergeFindings([
      finding('trivy', 'CVE-2024-1', 'high'),
      finding('grype', 'CVE-2024-1', 'high'),
      finding('grype', 'CVE-2024-2', 'low'),
      finding('trivy', 'CVE-2024-3', 'low'),
    ]);
    expect(foundOnlyBy(merged, 'grype').map((f) => f.id)).toEqual(['CVE-2024-2']);
    expect(foundOnlyBy(merged, 'trivy').map((f) => f.id)).toEqual(['CVE-2024-3']);
  });
});
