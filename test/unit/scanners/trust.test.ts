import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { detectReport } from '../../../src/scanners/detect.js';
import { parseDuration } from '../../../src/scanners/duration.js';
import type { ScanReport } from '../../../src/scanners/finding.js';
import { readReport } from '../../../src/scanners/read.js';
import {
  assertSameImage,
  checkReportDb,
  coverage,
  type FreshnessRule,
  type ImageIdentity,
} from '../../../src/scanners/trust.js';
import { fixturePath, readFixture } from './fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'image-gate-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (json: unknown): ScanReport => detectReport(json, 'report.json');
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** The image the golden alpine-310 report is about, as the gate would have read it. */
function trivyGoldenImage(): ImageIdentity {
  const doc = readFixture('trivy/golden_alpine-310.json') as {
    Metadata: { ImageID: string; DiffIDs: string[] };
  };
  return {
    manifestDigest: digest('1'),
    configDigest: doc.Metadata.ImageID,
    diffIds: doc.Metadata.DiffIDs,
  };
}

describe('a report must prove which image it is about', () => {
  const other: ImageIdentity = {
    manifestDigest: digest('a'),
    configDigest: digest('b'),
    diffIds: [digest('c')],
  };

  test.each([
    ['a Trivy report that names no image', { SchemaVersion: 2 }],
    ['a Grype report that names no image', { matches: [] }],
    [
      'a Trivy report whose only identity is a tag',
      { SchemaVersion: 2, ArtifactName: 'alpine:3.10' },
    ],
  ])('%s is refused for any image', (_, json) => {
    expect(() => assertSameImage(parse(json), other, 'report x.json')).toThrow(
      /^report x\.json does not say which image it is about/,
    );
  });

  test('a real Grype SARIF log carries no image identity, so it cannot be used', () => {
    const report = parse(readFixture('grype/golden_TestSarifPresenter_image.sarif'));
    expect(() => assertSameImage(report, other, 'grype.sarif')).toThrow(/does not say which image/);
  });

  test('a real Trivy report is accepted for its own image (its layers), refused for another', () => {
    const report = parse(readFixture('trivy/golden_alpine-310.json'));
    expect(() => assertSameImage(report, trivyGoldenImage(), 'r')).not.toThrow();
    expect(() => assertSameImage(report, other, 'r')).toThrow(
      /^r is of another image than the one checked: its layers \(1\) are not the image's \(1\)$/,
    );
  });

  test('the same layers in another order are another image', () => {
    const report = parse({ SchemaVersion: 2, Metadata: { DiffIDs: [digest('1'), digest('2')] } });
    const image = {
      manifestDigest: digest('a'),
      configDigest: digest('b'),
      diffIds: [digest('2'), digest('1')],
    };
    expect(() => assertSameImage(report, image, 'r')).toThrow(/another image/);
  });

  test('a report with only an image id matches the config digest or the manifest digest', () => {
    const byConfig = parse({ SchemaVersion: 2, Metadata: { ImageID: digest('b') } });
    const byRepoDigest = parse({
      SchemaVersion: 2,
      Metadata: { RepoDigests: [`reg/x@${digest('a')}`] },
    });
    expect(() => assertSameImage(byConfig, other, 'r')).not.toThrow();
    expect(() => assertSameImage(byRepoDigest, other, 'r')).not.toThrow();
    const elsewhere = parse({ SchemaVersion: 2, Metadata: { ImageID: digest('e') } });
    expect(() => assertSameImage(elsewhere, other, 'r')).toThrow(
      `r is of another image than the one checked: it records ${digest('e')}`,
    );
  });

  test('a real Grype report matches by its imageID', () => {
    const doc = readFixture('grype/dd_issue_9618.json') as {
      source: { target: { imageID: string; layers?: { digest: string }[] } };
    };
    const report = parse(doc);
    const diffIds = (doc.source.target.layers ?? []).map((l) => l.digest);
    const image = { manifestDigest: digest('a'), configDigest: doc.source.target.imageID, diffIds };
    expect(() => assertSameImage(report, image, 'r')).not.toThrow();
    expect(() => assertSameImage(report, other, 'r')).toThrow(/another image/);
  });
});

describe('a report given for one scanner must be that scanner’s', () => {
  test.each([
    ['grype/dd_issue_9618.json', 'trivy', /is a grype report, given as the trivy report$/],
    ['trivy/golden_alpine-310.json', 'grype', /is a trivy report, given as the grype report$/],
    ['trivy/golden_alpine-310.sarif', 'grype', /is a trivy report, given as the grype report$/],
  ] as const)('%s given as %s is refused', async (file, as, message) => {
    await expect(readReport(fixturePath(file), as)).rejects.toThrow(message);
  });

  test('a FIFO or a device is refused without reading (no hang, no endless read)', async () => {
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    await expect(readReport(fifo, 'trivy')).rejects.toThrow(/a FIFO, not a regular file/);
    await expect(readReport('/dev/zero', 'trivy')).rejects.toThrow(/not a regular file/);
  });
});

describe('max-db-age applies to given reports', () => {
  const rule = (now: string, acceptUnknownDbAge = false): FreshnessRule => ({
    maxDbAge: '24h',
    maxAgeMs: parseDuration('24h'),
    acceptUnknownDbAge,
    now: new Date(now),
  });
  const grype = () => parse(readFixture('grype/dd_issue_9618.json')); // DB built 2024-02-22T01:23:26Z
  const grypeV6 = () => parse(readFixture('grype/dd_many_vulns_with_epss_values.json')); // 2025-06-19T04:12:38Z

  test('a Grype report whose DB is older than max-db-age is refused (schema v5 and v6 DBs)', () => {
    expect(() => checkReportDb(grype(), 'report g.json', rule('2026-01-01T00:00:00Z'))).toThrow(
      /^report g\.json: grype vulnerability database is stale: built 2024-02-22T01:23:26\.000Z .* older than the allowed 24h$/,
    );
    expect(() => checkReportDb(grypeV6(), 'g6', rule('2025-06-21T00:00:00Z'))).toThrow(
      /stale: built 2025-06-19T04:12:38/,
    );
  });

  test('a Grype report with a DB built within max-db-age passes without a note', () => {
    expect(checkReportDb(grype(), 'g', rule('2024-02-22T12:00:00Z'))).toBeUndefined();
    expect(checkReportDb(grypeV6(), 'g6', rule('2025-06-19T20:00:00Z'))).toBeUndefined();
  });

  test.each([
    ['trivy/golden_alpine-310.json'],
    ['trivy/golden_alpine-310.sarif'],
    ['grype/dd_many_vulns3.json'], // grype 0.7.0 wrote no descriptor.db
  ])('%s records no DB build time: an error unless the policy accepts it, then a note', (file) => {
    const report = parse(readFixture(file));
    expect(() => checkReportDb(report, 'report r', rule('2026-01-01T00:00:00Z'))).toThrow(
      /does not record when its (trivy|grype) vulnerability database was built, so max-db-age 24h cannot be checked.*accept-unknown-db-age: true$/,
    );
    expect(checkReportDb(report, 'report r', rule('2026-01-01T00:00:00Z', true))).toBe(
      'report r does not record its database age: accepted (accept-unknown-db-age)',
    );
  });
});

describe('"could not analyse" is never clean', () => {
  test('an OS Trivy marks end-of-life is a problem (real report: alpine 3.10.2, EOSL)', () => {
    const report = parse(readFixture('trivy/golden_alpine-310.json'));
    expect(coverage(report).problems).toEqual([
      'alpine 3.10.2 is end-of-life: its vulnerability data is incomplete, so finding nothing proves nothing',
    ]);
  });

  test('an OS Trivy detected but could not analyse (no os-pkgs result) is a problem', () => {
    const doc = readFixture('trivy/golden_debian-stretch.json') as { Results: { Class: string }[] };
    const unsupported = { ...doc, Results: doc.Results.filter((r) => r.Class !== 'os-pkgs') };
    expect(coverage(parse(unsupported)).problems).toEqual([
      'cannot analyse debian 9.9 (unsupported OS): its OS packages were not checked',
    ]);
    expect(coverage(parse(doc)).problems).toEqual([]);
  });

  test('an end-of-life distro Grype flags with a distro-eol alert is a problem', () => {
    const doc = readFixture('grype/dd_issue_9618.json') as Record<string, unknown>;
    const eol = {
      ...doc,
      alertsByPackage: [
        { package: { name: 'bash' }, alerts: [{ type: 'distro-eol', message: 'EOL distro' }] },
      ],
    };
    expect(coverage(parse(eol)).problems).toEqual([
      expect.stringMatching(/^redhat 8\.7 is end-of-life: /),
    ]);
    expect(coverage(parse(doc)).problems).toEqual([]);
  });

  test('a Trivy report that lists packages and found none is an empty catalogue', () => {
    const empty = {
      SchemaVersion: 2,
      Results: [{ Target: 'x', Class: 'lang-pkgs', Packages: [] }],
    };
    expect(coverage(parse(empty)).emptyCatalog).toBe(true);
    expect(coverage(parse(readFixture('trivy/golden_alpine-310.json'))).emptyCatalog).toBe(false);
  });

  test('a real Trivy report of a scan that skipped /etc (no OS, no result at all) is an empty catalogue', () => {
    const report = parse(readFixture('trivy/golden_alpine-39-skip.json'));
    expect(report.os).toBeUndefined();
    expect(coverage(report)).toEqual({ problems: [], emptyCatalog: true });
  });
});
