/**
 * The vulnerabilities rule against the real Trivy and Grype (test/env/scanners.sh), with the test
 * databases of test/scanners/dbs.sh served on loopback as the real ones are, on the vuln-* images
 * of test/scanners/images.sh (Debian packages of a debootstrap base, golang.org/x/text in a Go
 * binary, the npm package minimist). The truth is what each scanner reports when run on its own.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check, type CheckOptions } from '../../src/commands/check.js';
import type { RuleResult, Verdict } from '../../src/policy/verdict.js';
import type { Finding } from '../../src/scanners/finding.js';
import { testEnv } from '../helpers/env.js';
import { realScanners, type RealScanners, vulnImage, vulnMulti } from '../helpers/scanners.js';

const run = promisify(execFile);
type VulnResult = Extract<RuleResult, { rule: 'vulnerabilities' }>;

let s: RealScanners;
let dir: string;
let cache: string;
let trivyOwn: Set<string>;
let grypeOwn: Set<string>;
let trivyArmReport: string;
let grypeArmReport: string;
let trivyAppReport: string;

/** One finding per (id, package, version): the merge rule's key. */
const key = (id: string, pkg: string, version: string) => `${id} ${pkg}@${version}`;
const keysOf = (findings: Finding[]) =>
  new Set(findings.map((f) => key(f.id, f.package.name, f.package.version)));

interface TrivyJson {
  Results?: {
    Vulnerabilities?: { VulnerabilityID: string; PkgName: string; InstalledVersion: string }[];
  }[];
}
interface GrypeJson {
  matches: {
    vulnerability: { id: string };
    relatedVulnerabilities?: { id: string }[];
    artifact: { name: string; version: string };
  }[];
}

/** Runs a real scanner on its own, as a user would, with its own cache and the test database. */
async function trivyAlone(input: string, cacheDir: string): Promise<TrivyJson> {
  const { stdout } = await run(
    s.trivy,
    [
      'image',
      '--input',
      input,
      '--format',
      'json',
      '--scanners',
      'vuln',
      '--cache-dir',
      cacheDir,
      '--db-repository',
      s.trivyDb,
      '--skip-version-check',
      '--no-progress',
    ],
    { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HOME: cacheDir } },
  );
  return JSON.parse(stdout) as TrivyJson;
}

async function grypeAlone(source: string, cacheDir: string): Promise<GrypeJson> {
  const { stdout } = await run(s.grype, [source, '-o', 'json'], {
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      HOME: cacheDir,
      GRYPE_DB_CACHE_DIR: cacheDir,
      GRYPE_DB_UPDATE_URL: s.grypeDb,
      GRYPE_CHECK_FOR_APP_UPDATE: 'false',
    },
  });
  return JSON.parse(stdout) as GrypeJson;
}

const trivyKeys = (r: TrivyJson) =>
  new Set(
    (r.Results ?? []).flatMap((t) =>
      (t.Vulnerabilities ?? []).map((v) => key(v.VulnerabilityID, v.PkgName, v.InstalledVersion)),
    ),
  );

/** Grype names a GHSA where Trivy names its CVE; the merge links them when exactly one CVE is related. */
const grypeKeys = (r: GrypeJson) =>
  new Set(
    r.matches.map((m) => {
      const cves = (m.relatedVulnerabilities ?? [])
        .map((v) => v.id)
        .filter((id) => id.startsWith('CVE-'));
      const id =
        !m.vulnerability.id.startsWith('CVE-') && cves.length === 1 ? cves[0]! : m.vulnerability.id;
      return key(id, m.artifact.name, m.artifact.version);
    }),
  );

async function policy(name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, `apiVersion: image-gate/v1\nrules:\n${body}`);
  return file;
}

const both = (extra = '') =>
  `  vulnerabilities:\n    severity: high\n    scanners: [trivy, grype]\n    max-db-age: 24h\n${extra}`;

async function gate(
  image: string,
  policyPath: string,
  extra: Partial<CheckOptions> = {},
): Promise<{ verdict: Verdict; rule: VulnResult }> {
  const verdict = await check({
    image,
    policyPath,
    cacheDir: cache,
    executables: { trivy: s.trivy, grype: s.grype },
    dbSource: { trivyRepository: s.trivyDb, grypeUpdateUrl: s.grypeDb },
    workspace: dir,
    log: { debug() {}, info() {}, warn() {} },
    ...extra,
  });
  const rule = verdict.rules.find((r): r is VulnResult => r.rule === 'vulnerabilities');
  if (!rule) throw new Error('no vulnerabilities rule in the verdict');
  return { verdict, rule };
}

const byId = (rule: VulnResult, id: string) => rule.findings.filter((f) => f.id === id);
const failingIds = (rule: VulnResult) => (rule.details?.failing ?? []).map((f) => f.id).sort();

/** At threshold high on vuln-app: critical and high, from the base's Debian packages and our own layers. */
const FAILING_AT_HIGH = [
  'CVE-2021-44906', // minimist 1.2.5 (critical), Grype's GHSA-xvch-5gv4-984h
  'CVE-2022-32149', // golang.org/x/text v0.3.7 (high), Grype's GHSA-69ch-w2m2-3vjp
  'CVE-2099-0001', // tar (critical)
  'CVE-2099-0002', // gzip (high, no fix)
  'CVE-2099-0003', // libidn2-0 (Trivy medium, Grype high: the higher gates)
  'CVE-2099-0007', // coreutils (high)
].sort();

beforeAll(async () => {
  s = realScanners();
  dir = await mkdtemp(join(tmpdir(), 'ig-real-scanners-'));
  cache = join(dir, 'cache');
  const app = vulnImage('vuln-app');
  const arm = vulnImage('vuln-app-arm');
  const own = join(dir, 'own');
  const [trivyApp, grypeApp, trivyArm, grypeArm] = await Promise.all([
    trivyAlone(app.ociDir, join(own, 'trivy-app')),
    grypeAlone(`oci-dir:${app.ociDir}`, join(own, 'grype-app')),
    trivyAlone(arm.ociDir, join(own, 'trivy-arm')),
    grypeAlone(`oci-dir:${arm.ociDir}`, join(own, 'grype-arm')),
  ]);
  trivyOwn = trivyKeys(trivyApp);
  grypeOwn = grypeKeys(grypeApp);
  trivyAppReport = join(dir, 'trivy-app.json');
  trivyArmReport = join(dir, 'trivy-arm.json');
  grypeArmReport = join(dir, 'grype-arm.json');
  await writeFile(trivyAppReport, JSON.stringify(trivyApp));
  await writeFile(trivyArmReport, JSON.stringify(trivyArm));
  await writeFile(grypeArmReport, JSON.stringify(grypeArm));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the scanners on their own, with the test databases', () => {
  test('each finds the advisories planted for the packages really in vuln-app', () => {
    // 11 in Trivy's database apply (CVE-2099-0006 is fixed before sed's version, -0009 is Grype's only).
    expect(trivyOwn).toEqual(
      new Set([
        key('CVE-2099-0001', 'tar', '1.34+dfsg-1.2+deb12u1'),
        key('CVE-2099-0002', 'gzip', '1.12-1'),
        key('CVE-2099-0003', 'libidn2-0', '2.3.3-1+b1'),
        key('CVE-2099-0004', 'zlib1g', '1:1.2.13.dfsg-1'),
        key('CVE-2099-0005', 'bash', '5.2.15-2+b13'),
        key('CVE-2099-0007', 'coreutils', '9.1-1'),
        key('CVE-2099-0008', 'libgcrypt20', '1.10.1-3+deb12u1'),
        key('CVE-2021-44906', 'minimist', '1.2.5'),
        key('GHSA-7q2m-4f9w-rx3c', 'minimist', '1.2.5'),
        key('CVE-2022-32149', 'golang.org/x/text', 'v0.3.7'),
        key('GHSA-3f6c-9m2j-w8qv', 'golang.org/x/text', 'v0.3.7'),
      ]),
    );
    expect(grypeOwn).toEqual(
      new Set([...trivyOwn, key('CVE-2099-0009', 'perl-base', '5.36.0-7+deb12u3')]),
    );
  });
});

describe('image-gate runs the real scanners on the image it read', () => {
  test('a registry image, spooled once: the merged findings are what the two report on their own', async () => {
    const { verdict, rule } = await gate(
      vulnImage('vuln-app').docker,
      await policy('both', both()),
    );
    expect(rule.status).toBe('fail');
    expect(verdict.decision).toBe('fail');
    expect(keysOf(rule.findings)).toEqual(new Set([...trivyOwn, ...grypeOwn]));
    for (const f of rule.findings) {
      const k = key(f.id, f.package.name, f.package.version);
      expect(new Set(f.sources), k).toEqual(
        new Set([...(trivyOwn.has(k) ? ['trivy'] : []), ...(grypeOwn.has(k) ? ['grype'] : [])]),
      );
    }
    expect(failingIds(rule)).toEqual(FAILING_AT_HIGH);
    expect(rule.details?.scanners.sort()).toEqual(['grype', 'trivy']);
  });

  test("a GHSA and its CVE are one finding; a disagreement keeps both scanners' severities", async () => {
    const { rule } = await gate(vulnImage('vuln-app').docker, await policy('both', both()));
    const [minimist] = byId(rule, 'CVE-2021-44906');
    expect(minimist?.aliases).toContain('GHSA-xvch-5gv4-984h');
    expect(minimist?.sources.sort()).toEqual(['grype', 'trivy']);
    expect(byId(rule, 'GHSA-xvch-5gv4-984h')).toEqual([]);
    const [text] = byId(rule, 'CVE-2022-32149');
    expect(text?.aliases).toContain('GHSA-69ch-w2m2-3vjp');
    const [idn] = byId(rule, 'CVE-2099-0003');
    expect(idn?.severity).toBe('high');
    expect(idn?.severityBySource).toEqual({ trivy: 'medium', grype: 'high' });
    const [perl] = byId(rule, 'CVE-2099-0009');
    expect(perl?.sources).toEqual(['grype']);
    expect(rule.details?.onlyIn.grype).toBe(1);
    expect(rule.details?.onlyIn.trivy ?? 0).toBe(0);
    expect(byId(rule, 'CVE-2099-0005')[0]?.severity).toBe('unknown');
    expect(byId(rule, 'CVE-2099-0006')).toEqual([]);
    expect(byId(rule, 'CVE-2099-0008')[0]?.fixedVersions).toEqual([]);
    expect(byId(rule, 'CVE-2099-0001')[0]?.fixedVersions).toEqual(['1.34+dfsg-1.2+deb12u2']);
  });

  test('each finding is placed in the layer that installed its package', async () => {
    const app = vulnImage('vuln-app');
    const { rule } = await gate(app.docker, await policy('both', both()));
    const [base, goBinary, npm] = app.diffIds;
    for (const f of rule.findings) {
      const expected =
        f.package.name === 'minimist'
          ? npm
          : f.package.name === 'golang.org/x/text'
            ? goBinary
            : base;
      expect(f.layerDiffId, `${f.id} ${f.package.name}`).toBe(expected);
    }
  });

  test.each([
    ['the daemon (spooled)', () => vulnImage('vuln-app').daemon],
    ['a docker-archive (handed over in place)', () => vulnImage('vuln-app').dockerArchive],
    ['an OCI layout (handed over in place)', () => vulnImage('vuln-app').oci],
  ])('the same image from %s gives the same findings', async (_, ref) => {
    const { verdict, rule } = await gate(ref(), await policy('both', both()), {
      dockerHost: testEnv().dockerHost,
    });
    expect(rule.error).toBeUndefined();
    expect(keysOf(rule.findings)).toEqual(new Set([...trivyOwn, ...grypeOwn]));
    expect(failingIds(rule)).toEqual(FAILING_AT_HIGH);
    // skopeo's OCI conversion re-marshals the config (another digest), the layers are the same.
    const app = vulnImage('vuln-app');
    if (!ref().startsWith('oci:')) expect(verdict.image.configDigest).toBe(app.configDigest);
    expect(new Set(rule.findings.map((f) => f.layerDiffId))).toEqual(new Set(app.diffIds));
  });

  test('an oci: layout with several platforms: the scanners see the platform chosen', async () => {
    const multi = vulnMulti();
    const arm = await gate(multi.oci, await policy('both', both()), { platform: 'linux/arm64/v8' });
    expect(arm.verdict.image.platform).toBe('linux/arm64/v8');
    expect(arm.rule.error).toBeUndefined();
    // arm64 has minimist 1.2.6: the critical advisory is fixed there, the low one is not.
    expect(byId(arm.rule, 'CVE-2021-44906')).toEqual([]);
    expect(byId(arm.rule, 'GHSA-7q2m-4f9w-rx3c').map((f) => f.package.version)).toEqual(['1.2.6']);
    expect(arm.rule.findings.every((f) => f.sources.length > 0)).toBe(true);
    const amd = await gate(multi.oci, await policy('both', both()), { platform: 'linux/amd64' });
    expect(byId(amd.rule, 'CVE-2021-44906').map((f) => f.package.version)).toEqual(['1.2.5']);
    expect(keysOf(amd.rule.findings)).toEqual(new Set([...trivyOwn, ...grypeOwn]));
  });
});

describe('what the real scanners write is checked before it is believed', () => {
  test("a real Trivy or Grype report of another image is refused; Trivy's of this one is read", async () => {
    // No `scanners:`: a policy naming both would also need a report of each.
    const p = await policy(
      'reports',
      '  vulnerabilities:\n    severity: high\n    max-db-age: 24h\n    accept-unknown-db-age: true\n',
    );
    const other = await gate(vulnImage('vuln-app').docker, p, { trivyReport: trivyArmReport });
    expect(other.rule.status).toBe('error');
    expect(other.rule.summary).toMatch(/another image/);
    const otherGrype = await gate(vulnImage('vuln-app').docker, p, { grypeReport: grypeArmReport });
    expect(otherGrype.rule.status).toBe('error');
    expect(otherGrype.rule.summary).toMatch(/another image/);
    const same = await gate(vulnImage('vuln-app').docker, p, { trivyReport: trivyAppReport });
    expect(same.rule.error).toBeUndefined();
    expect(keysOf(same.rule.findings)).toEqual(trivyOwn);
  });

  test('the database is downloaded into the cache once, then reused without the network', async () => {
    const fresh = join(dir, 'cache-reuse');
    const p = await policy('both', both());
    const first = await gate(vulnImage('vuln-app').oci, p, { cacheDir: fresh });
    expect(first.rule.error).toBeUndefined();
    const trivyDb = join(fresh, 'trivy', 'db', 'trivy.db');
    expect(existsSync(trivyDb)).toBe(true);
    const mtime = statSync(trivyDb).mtimeMs;
    // Nothing answers on port 9: a second run that tried to download would fail.
    const again = await gate(vulnImage('vuln-app').oci, p, {
      cacheDir: fresh,
      dbSource: {
        trivyRepository: '127.0.0.1:9/none/trivy-db:2',
        grypeUpdateUrl: 'http://127.0.0.1:9/latest.json',
      },
    });
    expect(again.rule.error).toBeUndefined();
    expect(keysOf(again.rule.findings)).toEqual(keysOf(first.rule.findings));
    expect(statSync(trivyDb).mtimeMs).toBe(mtime);
  });

  test('a stale database fails closed, for each scanner', async () => {
    const { verdict, rule } = await gate(vulnImage('vuln-app').oci, await policy('both', both()), {
      cacheDir: join(dir, 'cache-stale'),
      dbSource: { trivyRepository: s.trivyDbStale, grypeUpdateUrl: s.grypeDbStale },
    });
    expect(rule.status).toBe('error');
    expect(verdict.decision).toBe('fail');
    expect(rule.summary).toMatch(/trivy[^;]*(stale|old)/i);
    expect(rule.summary).toMatch(/grype[^;]*(stale|old|age)/i);
  });

  test('max-db-age is the policy’s: the hour-old database is too old for 30m', async () => {
    const strict = both().replace('max-db-age: 24h', 'max-db-age: 30m');
    const { rule } = await gate(vulnImage('vuln-app').oci, await policy('strict-age', strict), {
      cacheDir: join(dir, 'cache-strict-age'),
    });
    expect(rule.status).toBe('error');
    expect(rule.summary).toMatch(/trivy[^;]*(stale|old)/i);
    expect(rule.summary).toMatch(/grype[^;]*(stale|old|age)/i);
  });

  test('no download possible and no database: an error, never a pass', async () => {
    const { rule } = await gate(vulnImage('vuln-app').oci, await policy('both', both()), {
      cacheDir: join(dir, 'cache-none'),
      dbSource: {
        trivyRepository: '127.0.0.1:9/none/trivy-db:2',
        grypeUpdateUrl: 'http://127.0.0.1:9/latest.json',
      },
    });
    expect(rule.status).toBe('error');
    expect(rule.summary).toMatch(/trivy/);
    expect(rule.summary).toMatch(/grype/);
  });

  test("the repository's scanner config, ignore files and TRIVY_*/GRYPE_* settings change nothing", async () => {
    const ws = join(dir, 'workspace');
    await mkdir(ws, { recursive: true });
    const everything = [...trivyOwn, ...grypeOwn].map((k) => k.split(' ')[0]!);
    // What an attacker in the repository would write to make the scan come back clean.
    await writeFile(
      join(ws, 'trivy.yaml'),
      'severity: [CRITICAL]\nvulnerability:\n  ignore-unfixed: true\n',
    );
    await writeFile(join(ws, '.trivyignore'), `${everything.join('\n')}\n`);
    await writeFile(
      join(ws, '.grype.yaml'),
      `only-fixed: true\nignore:\n${everything.map((id) => `  - vulnerability: ${id}\n`).join('')}`,
    );
    const saved = { cwd: process.cwd(), env: { ...process.env } };
    process.chdir(ws);
    process.env.TRIVY_SEVERITY = 'CRITICAL';
    process.env.TRIVY_IGNOREFILE = join(ws, '.trivyignore');
    process.env.GRYPE_ONLY_FIXED = 'true';
    process.env.GRYPE_CONFIG = join(ws, '.grype.yaml');
    try {
      const { rule } = await gate(vulnImage('vuln-app').docker, await policy('both', both()), {
        workspace: ws,
      });
      expect(keysOf(rule.findings)).toEqual(new Set([...trivyOwn, ...grypeOwn]));
      expect(failingIds(rule)).toEqual(FAILING_AT_HIGH);
      expect(rule.details?.notes?.join(' ')).toMatch(/trivy\.yaml/);
    } finally {
      process.chdir(saved.cwd);
      for (const k of ['TRIVY_SEVERITY', 'TRIVY_IGNOREFILE', 'GRYPE_ONLY_FIXED', 'GRYPE_CONFIG']) {
        delete process.env[k];
      }
    }
  });
});

describe('waivers and scope on the real findings', () => {
  test('a waiver by CVE or by the GHSA Grype reports covers the merged finding; an expired one does not', async () => {
    const ignore =
      '    ignore:\n' +
      '      - { id: CVE-2099-0001, reason: "tar is never called", expires: 2099-12-31 }\n' +
      '      - { id: GHSA-xvch-5gv4-984h, package: minimist, reason: "no user input", expires: 2099-12-31 }\n' +
      '      - { id: CVE-2099-0002, reason: "was to be fixed", expires: 2020-01-01 }\n';
    const { rule } = await gate(vulnImage('vuln-app').docker, await policy('waived', both(ignore)));
    expect(rule.status).toBe('fail');
    expect(failingIds(rule)).toEqual(
      FAILING_AT_HIGH.filter((id) => id !== 'CVE-2099-0001' && id !== 'CVE-2021-44906'),
    );
    expect(rule.details?.waived.map((w) => w.finding.id).sort()).toEqual([
      'CVE-2021-44906',
      'CVE-2099-0001',
    ]);
    expect(rule.details?.expiredWaivers.map((w) => w.id)).toEqual(['CVE-2099-0002']);
  });

  test('own-layers: the Debian base is not gated, what the image adds on top of it is', async () => {
    const base = `docker://${testEnv().registry}/image-gate-bench/debian-base:latest`;
    const body = `  base-image:\n    allowed: ['${base}']\n${both('    scope: own-layers\n')}`;
    const { verdict, rule } = await gate(vulnImage('vuln-app').docker, await policy('own', body));
    const baseRule = verdict.rules.find((r) => r.rule === 'base-image');
    expect(baseRule?.status).toBe('pass');
    expect(failingIds(rule)).toEqual(['CVE-2021-44906', 'CVE-2022-32149']);
    // Still reported, just not gated.
    expect(byId(rule, 'CVE-2099-0001')).toHaveLength(1);
    expect(rule.summary).toMatch(/in base layers not gated/);
  });
});
