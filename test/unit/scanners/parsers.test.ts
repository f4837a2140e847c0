import { describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { detectReport, parseReportText } from '../../../src/scanners/detect.js';
import type { Finding, ScanReport } from '../../../src/scanners/finding.js';
import { readFixture } from './fixtures.js';

function parse(file: string): ScanReport {
  return detectReport(readFixture(file), file);
}

function find(report: ScanReport, id: string, pkg?: string): Finding {
  const found = report.findings.find(
    (f) => f.id === id && (pkg === undefined || f.package.name === pkg),
  );
  if (!found) throw new Error(`${id} ${pkg ?? ''} not in report`);
  return found;
}

describe('Trivy JSON', () => {
  test('reads the image identity, layer order and scanner version from Metadata', () => {
    const report = parse('trivy/scb_juice-shop-v12.10.2.json');
    expect(report.artifactName).toBe('bkimminich/juice-shop:v12.10.2');
    expect(report.imageIds).toEqual([
      'sha256:be30ca1df4be08840f6ca53885a1d371d35f54eae326161a2a40aa3c535fe703',
      'bkimminich/juice-shop@sha256:33238f8c6291415c499265629b1b82ef791f5a33dff09f25c07264204a26f89b',
    ]);
    expect(report.layerDiffIds).toHaveLength(8);
    expect(parse('trivy/golden_alpine-310.json').scannerVersion).toBe('dev');
  });

  test('records the layer, path, purl and package type of a finding', () => {
    const f = find(parse('trivy/golden_alpine-310.json'), 'CVE-2019-1549', 'libcrypto1.1');
    expect(f.layerDiffId).toBe(
      'sha256:03901b4a2ea88eeaad62dbe59b072b28b6efa00491962b8741081c5df50c65e0',
    );
    expect(f.package).toMatchObject({ version: '1.1.1c-r0', type: 'apk' });
    expect(f.package.purl).toMatch(/^pkg:apk\/alpine\/libcrypto1.1@/);
    const npm = find(parse('trivy/scb_juice-shop-v12.10.2.json'), 'CVE-2021-3807', 'ansi-regex');
    expect(npm.package).toMatchObject({ type: 'node-pkg', path: expect.stringMatching(/json$/) });
  });

  test('splits a comma-separated FixedVersion', () => {
    const f = find(parse('trivy/dd_cvssv4_severity_source.json'), 'CVE-2025-66614');
    expect(f.fixedVersions).toEqual(['11.0.14', '10.1.49', '9.0.112']);
  });

  test('a Status without a fix means no fixed version', () => {
    const report = parse('trivy/golden_centos-7.json');
    const wontFix = report.findings.filter((f) => f.fixedVersions.length === 0);
    expect(wontFix).toHaveLength(1);
  });

  test('VendorIDs become aliases and every vendor CVSS version is kept, v4 included', () => {
    const f = find(parse('trivy/dd_cvssv4_severity_source.json'), 'CVE-2025-66614');
    expect(f.aliases).toEqual(['GHSA-fpj8-gq4v-p354']);
    expect(f.cvss).toContainEqual({
      source: 'ghsa',
      version: '4.0',
      vector: 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N',
      score: 6.3,
    });
    expect(f.cvss).toContainEqual(expect.objectContaining({ source: 'redhat', version: '3.1' }));
  });

  test('severity is Trivy’s Severity, not the highest vendor rating', () => {
    // ubuntu-1804: Severity LOW from the `ubuntu` source while NVD rates it HIGH.
    const report = parse('trivy/golden_ubuntu-1804.json');
    expect(report.findings.map((f) => f.severity)).toContain('low');
    expect(report.findings.every((f) => f.severityBySource.trivy === f.severity)).toBe(true);
  });

  test('UNKNOWN severity without any vendor data stays unknown', () => {
    const f = find(parse('trivy/golden_gomod.json'), 'GMS-2022-20');
    expect(f).toMatchObject({ severity: 'unknown', cvss: [] });
  });

  test.each([
    'trivy/golden_alpine-39-skip.json', // no Results key at all
    'trivy/golden_sl-micro-rancher5.4.json', // a Result without Vulnerabilities
    'trivy/golden_secrets.json', // secrets only
  ])('%s has no findings', (file) => {
    expect(parse(file).findings).toEqual([]);
  });

  test('a schema other than 2 is refused, naming the file', () => {
    expect(() => detectReport({ SchemaVersion: 1 }, 'old.json')).toThrow(
      /old\.json: Trivy JSON SchemaVersion 1 is not supported/,
    );
  });
});

describe('Grype JSON', () => {
  test('a match without severity takes the highest related severity', () => {
    const f = find(parse('grype/dd_issue_9618.json'), 'CVE-2024-26308');
    expect(f.severity).toBe('high');
    expect(f.aliases).toEqual(['GHSA-4265-ccf5-phj5']);
  });

  test('relatedVulnerabilities become aliases; fix versions only when the state is fixed', () => {
    const report = parse('grype/explain_ghsa-test.json');
    expect(find(report, 'GHSA-cfh5-3ghh-wfjx')).toMatchObject({
      aliases: ['CVE-2014-3577'],
      fixedVersions: ['4.3.5'],
      severity: 'medium',
    });
    expect(find(report, 'CVE-2014-3577').fixedVersions).toEqual([]); // state "unknown"
  });

  test('an empty fix state is no fix', () => {
    const report = parse('grype/dd_many_vulns_with_epss_values.json');
    expect(report.findings.filter((f) => f.fixedVersions.length > 0)).toHaveLength(1);
  });

  test('the 0.7-era schema: fixedInVersion, cvssV2/cvssV3 and Negligible', () => {
    const report = parse('grype/dd_many_vulns3.json');
    const bash = find(report, 'CVE-2019-18276', 'bash');
    expect(bash).toMatchObject({ severity: 'negligible', fixedVersions: [] });
    expect(bash.cvss).toEqual([
      { source: 'grype', version: '2.0', vector: 'AV:L/AC:L/Au:N/C:C/I:C/A:C', score: 7.2 },
    ]);
    expect(report.findings.filter((f) => f.fixedVersions.length > 0)).toHaveLength(28);
  });

  test('the origin layer is the lowest among the package’s locations', () => {
    // bash's dpkg status entry sits in a later layer that rewrote the database; its files do not.
    const bash = find(parse('grype/dd_many_vulns3.json'), 'CVE-2019-18276', 'bash');
    expect(bash.layerDiffId).toBe(
      'sha256:07cab433985205f29909739f511777a810f4a9aff486355b71308bb654cdc868',
    );
    expect(bash.package.path).toBe('/var/lib/dpkg/status');
  });

  test('reads the image identity and the database build time (schema v5 and v6)', () => {
    const v5 = parse('grype/dd_issue_9618.json');
    expect(v5.artifactName).toBe('quay.io/cloudservices/xjoin-kafka-connect-strimzi:latest');
    expect(v5.imageIds).toContain(
      'sha256:7998b6425ee34508b5b9b02a038ed7ccaab47ecb60fc2c7f0259f964fdf80a70',
    );
    expect(v5.dbUpdatedAt).toBe('2024-02-22T01:23:26Z');
    expect(parse('grype/dd_many_vulns_with_epss_values.json').dbUpdatedAt).toBe(
      '2025-06-19T04:12:38Z',
    );
  });

  test('a directory target is a string, quotes and all in grype 0.24', () => {
    expect(parse('grype/dd_many_vulns4.json').artifactName).toBe('.');
    expect(parse('grype/golden_TestJsonDirsPresenter.json').artifactName).toBe('/some/path');
  });
});

describe('SARIF', () => {
  test('Trivy misconfigurations are not vulnerabilities', () => {
    const report = parse('trivy/action_config-scan.sarif');
    expect(report).toMatchObject({ scanner: 'trivy', format: 'trivy-sarif', findings: [] });
  });

  test('Trivy: per-result severity and fix come from the message lines', () => {
    const report = parse('trivy/action_vuln-image-1.2.3_v0.29.2.sarif');
    expect(find(report, 'RUSTSEC-2018-0017', 'tempdir')).toMatchObject({
      severity: 'unknown',
      fixedVersions: [],
      package: { name: 'tempdir', version: '0.3.7', path: 'rust-app/Cargo.lock' },
    });
    expect(report.scannerVersion).toBe('0.29.2');
  });

  test('Trivy: run properties name the image', () => {
    const report = parse('trivy/golden_alpine-310.sarif');
    expect(report.artifactName).toBe('testdata/fixtures/images/alpine-310.tar.gz');
    expect(report.imageIds).toEqual([
      'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    ]);
  });

  test('Trivy SARIF and JSON of the same scan agree', () => {
    const sarif = parse('trivy/action_library-alpine_v0.43.1.sarif').findings;
    const json = parse('trivy/action_alpine-3.10_trivy-yaml-cfg.json').findings;
    const pick = (f: Finding) => [f.id, f.package.name, f.package.version, f.severity];
    expect(sarif.map(pick)).toEqual(json.map(pick));
  });

  test('Grype: the id comes from the help text, the package from the message', () => {
    const report = parse('grype/golden_TestSarifPresenter_image.sarif');
    expect(find(report, 'CVE-1999-0001')).toMatchObject({
      package: { name: 'package-1', version: '1.1.1', type: 'rpm' },
      fixedVersions: ['1.2.1', '2.1.3', '3.4.0'],
      severity: 'low',
    });
    expect(find(report, 'CVE-1999-0002')).toMatchObject({
      severity: 'critical',
      fixedVersions: [],
      package: { purl: 'pkg:deb/package-2@2.2.2' },
    });
  });
});

describe('recognising a report', () => {
  test.each([
    [[], 'x.json: not a scanner report'],
    [{ hello: 1 }, 'x.json: not a Trivy or Grype report'],
    [{ runs: [{ tool: { driver: { name: 'CodeQL' } } }] }, 'x.json: SARIF from codeql'],
    [{ runs: [] }, 'x.json: SARIF without runs'],
  ])('%j is refused', (json, message) => {
    const err = catchError(() => detectReport(json, 'x.json'));
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'report', message: expect.stringContaining(message) });
  });

  test('text that is not JSON is refused, naming the file', () => {
    expect(() => parseReportText('Total: 3 (HIGH: 3)', 'scan.txt')).toThrow(
      'scan.txt: not valid JSON',
    );
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
