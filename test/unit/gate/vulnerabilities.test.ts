import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { collectVulnerabilities, type CollectOptions } from '../../../src/gate/vulnerabilities.js';
import type { Image } from '../../../src/image/types.js';
import { silentLogger } from '../../../src/log.js';
import type { ScannerName } from '../../../src/scanners/finding.js';
import { locateScanners, planScans } from '../../../src/scanners/plan.js';
import { actionsExecRunner, type CommandRunner } from '../../../src/scanners/runner.js';
import { StandIns } from '../scanners/stand-in.js';

const NOW = new Date('2026-08-20T12:00:00Z');
const sha = (c: string) => `sha256:${c.repeat(64)}`;
const IMAGE = {
  manifestDigest: sha('a'),
  configDigest: sha('b'),
  config: { rootfs: { type: 'layers', diff_ids: [sha('1'), sha('2')] } },
} as unknown as Image;

/** What real Trivy 0.74 prints for the image (trimmed): identity, OS, package list, one finding. */
function trivyReport(over: { ImageID?: string; OS?: object; Packages?: object[] } = {}) {
  return {
    SchemaVersion: 2,
    Trivy: { Version: '0.74.0' },
    Metadata: {
      ImageID: over.ImageID ?? IMAGE.configDigest,
      DiffIDs: IMAGE.config.rootfs.diff_ids,
      OS: over.OS ?? { Family: 'debian', Name: '12.5' },
    },
    Results: [
      {
        Target: 'image (debian 12.5)',
        Class: 'os-pkgs',
        Type: 'debian',
        Packages: over.Packages ?? [{ Name: 'openssl', Version: '3.0.11' }],
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2024-0001',
            PkgName: 'openssl',
            InstalledVersion: '3.0.11',
            Severity: 'HIGH',
            Layer: { DiffID: sha('2') },
          },
        ],
      },
    ],
  };
}

/** What real Grype 0.121 prints for the image (trimmed). */
function grypeReport(built = '2026-08-20T04:00:00Z') {
  return {
    matches: [
      {
        vulnerability: {
          id: 'CVE-2024-0001',
          severity: 'High',
          fix: { state: 'not-fixed', versions: [] },
        },
        artifact: {
          name: 'openssl',
          version: '3.0.11',
          type: 'deb',
          locations: [{ path: '/var/lib/dpkg/status', layerID: sha('2') }],
        },
      },
    ],
    source: {
      type: 'image',
      target: {
        imageID: IMAGE.configDigest,
        manifestDigest: IMAGE.manifestDigest,
        layers: IMAGE.config.rootfs.diff_ids.map((digest) => ({ digest })),
      },
    },
    distro: { name: 'debian', version: '12.5' },
    descriptor: { name: 'grype', version: '0.121.3', db: { status: { built, valid: true } } },
  };
}

let bin: StandIns;
beforeEach(() => {
  bin = new StandIns();
});
afterEach(() => bin.remove());

/** Stand-in Trivy and Grype that answer version and DB questions, then run `scan`. */
function scanners(trivyScan: string, grypeScan: string) {
  bin.script(
    'trivy',
    `case "$*" in
  version*) echo '{"Version":"0.74.0","VulnerabilityDB":{"UpdatedAt":"2026-08-20T06:00:00Z","NextUpdate":"2026-08-21T06:00:00Z"}}' ;;
  *) ${trivyScan} ;;
esac`,
  );
  bin.script(
    'grype',
    `case "$*" in
  "version "*) echo '{"version":"0.121.3"}' ;;
  "db status "*) echo '{"built":"2026-08-20T04:00:00Z","valid":true}' ;;
  *) ${grypeScan} ;;
esac`,
  );
}

/** The runner, with `which` answering from the stand-ins' directory only. */
const runner: CommandRunner = {
  run: actionsExecRunner.run,
  which: async (name) => (['trivy', 'grype'].includes(name) ? path.join(bin.dir, name) : undefined),
};

async function collect(extra: Partial<CollectOptions> & { scanners?: ScannerName[] } = {}) {
  const { scanners: named, ...rest } = extra;
  const plan = planScans({ rule: named ? { scanners: named } : {}, reports: {} });
  if (plan.mode !== 'run') throw new Error('expected a run plan');
  return collectVulnerabilities({
    image: IMAGE,
    plan: { mode: 'run', located: await locateScanners(plan, runner) },
    imageOnDisk: async () => ({
      path: path.join(bin.dir, 'layout'),
      kind: 'oci-dir',
      platform: 'linux/amd64',
      manifestDigest: IMAGE.manifestDigest,
    }),
    cacheDir: path.join(bin.dir, 'cache'),
    runner,
    log: silentLogger,
    now: NOW,
    ...rest,
  });
}

async function fromReports(
  files: Partial<Record<ScannerName, string>>,
  extra: Partial<CollectOptions> = {},
  named?: ScannerName[],
) {
  const plan = planScans({ rule: named ? { scanners: named } : {}, reports: files });
  if (plan.mode !== 'reports') throw new Error('expected a reports plan');
  return collectVulnerabilities({
    image: IMAGE,
    plan,
    imageOnDisk: () => Promise.reject(new Error('no scanner runs for given reports')),
    cacheDir: path.join(bin.dir, 'cache'),
    log: silentLogger,
    now: NOW,
    ...extra,
  });
}

describe('both scanners run at once, on the one copy of the image', () => {
  test('each stand-in waits for the other to have started: only a concurrent run passes', async () => {
    bin.file('trivy.json', JSON.stringify(trivyReport()));
    bin.file('grype.json', JSON.stringify(grypeReport()));
    // Bounded wait (10 s): run one after the other, the first gives up and fails the scan.
    const waitFor = (other: string) =>
      `i=0; while [ ! -f "$D/${other}.started" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; ` +
      `[ -f "$D/${other}.started" ] || { echo "ran alone" >&2; exit 1; }`;
    scanners(
      `touch "$D/trivy.started"; ${waitFor('grype')}; cat "$D/trivy.json"`,
      `touch "$D/grype.started"; ${waitFor('trivy')}; cat "$D/grype.json"`,
    );
    const input = await collect();
    expect(input.errors).toEqual([]);
    expect(input.scanners).toEqual(['trivy', 'grype']);
    expect(input.findings).toMatchObject([
      { id: 'CVE-2024-0001', sources: ['trivy', 'grype'], layerDiffId: sha('2') },
    ]);
    const layouts = bin.calls().filter((c) => c.includes(path.join(bin.dir, 'layout')));
    expect(layouts).toEqual([
      expect.stringContaining(
        `--input ${bin.dir}/layout@${IMAGE.manifestDigest} --platform linux/amd64`,
      ),
      expect.stringContaining(`oci-dir:${bin.dir}/layout --platform linux/amd64`),
    ]);
  });
});

describe('what a scanner run must prove', () => {
  test('a scanner that reports another image is an error, the other scanner still counts', async () => {
    bin.file('trivy.json', JSON.stringify(trivyReport({ ImageID: sha('e') })));
    bin.file('grype.json', JSON.stringify(grypeReport()));
    scanners('cat "$D/trivy.json"', 'cat "$D/grype.json"');
    const input = await collect();
    // Trivy records the layers, which match: a different config with the same layers is the
    // same content. A different layer list is another image.
    expect(input.errors).toEqual([]);
    const other = { ...trivyReport(), Metadata: { ImageID: sha('e'), DiffIDs: [sha('9')] } };
    bin.file('trivy.json', JSON.stringify(other));
    const again = await collect();
    expect(again.errors).toEqual([
      { scanner: 'trivy', message: expect.stringMatching(/^trivy's report is of another image/) },
    ]);
    expect(again.scanners).toEqual(['grype']);
  });

  test('an end-of-life OS fails closed, whatever was found', async () => {
    bin.file(
      'trivy.json',
      JSON.stringify(trivyReport({ OS: { Family: 'debian', Name: '8.11', EOSL: true } })),
    );
    scanners('cat "$D/trivy.json"', 'exit 1');
    const input = await collect({ scanners: ['trivy'] });
    expect(input.errors).toEqual([
      {
        scanner: 'trivy',
        message: expect.stringMatching(/^debian 8\.11 is end-of-life: /),
      },
    ]);
  });

  test('an OS the scanner cannot analyse fails closed', async () => {
    const doc = trivyReport({ OS: { Family: 'plan9', Name: '4' } });
    bin.file('trivy.json', JSON.stringify({ ...doc, Results: [] }));
    scanners('cat "$D/trivy.json"', 'exit 1');
    const input = await collect({ scanners: ['trivy'] });
    expect(input.errors).toEqual([
      {
        scanner: 'trivy',
        message: 'cannot analyse plan9 4 (unsupported OS): its OS packages were not checked',
      },
    ]);
  });

  test('a scan that catalogued no packages is stated, and fails when the policy says so', async () => {
    bin.file(
      'trivy.json',
      JSON.stringify({ SchemaVersion: 2, Metadata: { ImageID: IMAGE.configDigest } }),
    );
    scanners('cat "$D/trivy.json"', 'exit 1');
    const noted = await collect({ scanners: ['trivy'] });
    expect(noted.errors).toEqual([]);
    expect(noted.notes).toEqual(['trivy catalogued no packages in the image']);
    const failed = await collect({ scanners: ['trivy'], failOnNoPackages: true });
    expect(failed.errors).toEqual([
      {
        scanner: 'trivy',
        message: 'trivy catalogued no packages in the image (fail-on-no-packages)',
      },
    ]);
  });

  test('scanner config in the workspace is named in the verdict as ignored', async () => {
    const workspace = path.join(bin.dir, 'repo');
    mkdirSync(path.join(workspace, '.grype'), { recursive: true });
    for (const f of ['trivy.yaml', '.trivyignore', '.grype.yaml', '.grype/config.yaml']) {
      writeFileSync(path.join(workspace, f), 'ignore everything\n');
    }
    bin.file('trivy.json', JSON.stringify(trivyReport()));
    scanners('cat "$D/trivy.json"', 'exit 1');
    const input = await collect({ scanners: ['trivy'], workspace });
    expect(input.findings).toHaveLength(1);
    expect(input.notes).toEqual([
      'scanner configuration in the workspace ignored: trivy.yaml, .trivyignore, .grype.yaml, ' +
        '.grype/config.yaml (scanners run isolated; waivers belong in the policy)',
    ]);
  });

  test('a scanner the policy names that is not installed is an error; unnamed, none at all is', async () => {
    const none: CommandRunner = { run: actionsExecRunner.run, which: async () => undefined };
    const named = await locateScanners({ mode: 'run', scanners: ['grype'], named: true }, none);
    expect(named.errors).toEqual([
      { scanner: 'grype', message: expect.stringMatching(/^grype was not found on PATH/) },
    ]);
    const any = await locateScanners(
      { mode: 'run', scanners: ['trivy', 'grype'], named: false },
      none,
    );
    expect(any.errors).toEqual([
      { scanner: 'trivy/grype', message: expect.stringMatching(/^no vulnerability scanner found/) },
    ]);
  });
});

describe('reports given with --trivy-report / --grype-report', () => {
  test('scanner configuration in the workspace is named: the report may have been made with it', async () => {
    const workspace = path.join(bin.dir, 'repo');
    mkdirSync(workspace);
    writeFileSync(path.join(workspace, '.trivyignore'), 'CVE-2024-0002\n');
    const file = bin.file('grype.json', JSON.stringify(grypeReport()));
    const input = await fromReports({ grype: file }, { workspace });
    expect(input.errors).toEqual([]);
    expect(input.notes).toEqual([
      'scanner configuration in the workspace: .trivyignore; a report made with it may leave ' +
        'findings out, which image-gate cannot tell (its own runs ignore it)',
    ]);
  });

  test.each([
    ['trivy', '{"SchemaVersion":2}'],
    ['grype', '{"matches":[]}'],
  ] as const)('a %s report that names no image is an error: %s', async (scanner, text) => {
    const file = bin.file(`${scanner}.json`, text);
    const input = await fromReports({ [scanner]: file }, { acceptUnknownDbAge: true });
    expect(input.errors).toEqual([
      { scanner, message: expect.stringMatching(/does not say which image it is about/) },
    ]);
    expect(input.scanners).toEqual([]);
  });

  test('a policy that names both scanners is not satisfied by one report', async () => {
    const file = bin.file('grype.json', JSON.stringify(grypeReport()));
    const input = await fromReports({ grype: file }, {}, ['trivy', 'grype']);
    expect(input.errors).toEqual([
      {
        scanner: 'trivy',
        message: 'the policy wants trivy, but no trivy report was given (--trivy-report)',
      },
    ]);
    expect(input.scanners).toEqual(['grype']);
  });

  test("a Grype report given as Trivy's is an error", async () => {
    const file = bin.file('grype.json', JSON.stringify(grypeReport()));
    const input = await fromReports({ trivy: file });
    expect(input.errors).toEqual([
      { scanner: 'trivy', message: `${file} is a grype report, given as the trivy report` },
    ]);
  });

  test('a Grype report whose database is a year old fails max-db-age', async () => {
    const file = bin.file('grype.json', JSON.stringify(grypeReport('2025-08-20T00:00:00Z')));
    const input = await fromReports({ grype: file }, { maxDbAge: '24h' });
    expect(input.errors).toEqual([
      {
        scanner: 'grype',
        message: expect.stringMatching(/grype vulnerability database is stale: built 2025-08-20/),
      },
    ]);
  });

  test('a Trivy report cannot prove its DB age: an error, or a note when the policy accepts it', async () => {
    const file = bin.file('trivy.json', JSON.stringify(trivyReport()));
    const refused = await fromReports({ trivy: file });
    expect(refused.errors).toEqual([
      {
        scanner: 'trivy',
        message: expect.stringMatching(
          /does not record when its trivy vulnerability database was built/,
        ),
      },
    ]);
    const accepted = await fromReports({ trivy: file }, { acceptUnknownDbAge: true });
    expect(accepted.errors).toEqual([]);
    expect(accepted.findings).toHaveLength(1);
    expect(accepted.notes).toEqual([
      `report ${file} does not record its database age: accepted (accept-unknown-db-age)`,
    ]);
  });
});
