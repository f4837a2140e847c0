import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Logger } from '../../../src/log.js';
import type { ScannerOptions } from '../../../src/scanners/exec.js';
import { createSandbox, type Sandbox } from '../../../src/scanners/isolation.js';
import { actionsExecRunner } from '../../../src/scanners/runner.js';
import { scanWithTrivy } from '../../../src/scanners/trivy.js';
import { fixturePath } from './fixtures.js';
import { StandIns } from './stand-in.js';

const NOW = new Date('2026-08-20T12:00:00Z');

/** `trivy version --format json` as Trivy prints it once a DB is downloaded. */
function versionJson(updatedAt: string, nextUpdate: string): string {
  return JSON.stringify({
    Version: '0.74.0',
    VulnerabilityDB: { Version: 2, UpdatedAt: updatedAt, NextUpdate: nextUpdate },
  });
}

let bin: StandIns;
let warnings: string[];
let sandbox: Sandbox;
let cache: string;
beforeEach(async () => {
  bin = new StandIns();
  warnings = [];
  cache = `${bin.dir}/cache`;
  sandbox = await createSandbox(cache);
});
afterEach(async () => {
  await sandbox.remove();
  bin.remove();
});

/** The flags every trivy command gets: image-gate's empty config and its cache. */
const common = () => `--config ${sandbox.trivyConfig} --cache-dir ${cache}/trivy`;

/**
 * A stand-in trivy: `version` prints $D/version.json, `--download-db-only` runs $D/update.sh,
 * and a scan runs `scanBody`.
 */
function trivy(scanBody: string): string {
  return bin.script(
    'trivy',
    `case "$*" in
  version*) cat "$D/version.json" ;;
  *--download-db-only*) . "$D/update.sh" ;;
  *) ${scanBody} ;;
esac`,
  );
}

function options(extra: Partial<ScannerOptions> = {}): ScannerOptions {
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m) };
  return {
    image: {
      path: '/work/image.tar',
      kind: 'docker-archive',
      platform: 'linux/amd64',
      manifestDigest: `sha256:${'d'.repeat(64)}`,
    },
    cacheDir: cache,
    runner: actionsExecRunner,
    executable: `${bin.dir}/trivy`,
    sandbox,
    now: () => NOW,
    logger,
    ...extra,
  };
}

describe('scanning with Trivy', () => {
  test('scans the image on disk with a fresh DB and parses the report', async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    trivy(`cat "${fixturePath('trivy/golden_alpine-310.json')}"`);
    const report = await scanWithTrivy(options());
    expect(report.findings).toHaveLength(4);
    expect(report.dbUpdatedAt).toBe('2026-08-20T06:00:00.000Z');
    expect(bin.calls()).toEqual([
      `version --format json ${common()}`,
      'image --input /work/image.tar --platform linux/amd64 --format json --scanners vuln ' +
        '--list-all-pkgs --pkg-types os,library --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL ' +
        `--ignorefile ${sandbox.trivyIgnore} --module-dir ${sandbox.trivyModules} ${common()} ` +
        '--skip-db-update --skip-version-check --disable-telemetry --no-progress --timeout 600s',
    ]);
  });

  test('an OCI layout is scanned with --input naming the checked manifest', async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    trivy(`cat "${fixturePath('trivy/golden_alpine-310.json')}"`);
    const digest = `sha256:${'e'.repeat(64)}`;
    await scanWithTrivy(
      options({
        image: {
          path: '/work/layout',
          kind: 'oci-dir',
          platform: 'linux/arm64/v8',
          manifestDigest: digest,
        },
      }),
    );
    expect(bin.calls()[1]).toMatch(
      new RegExp(`^image --input /work/layout@${digest} --platform linux/arm64/v8 `),
    );
  });

  test("runs in its own empty directory, without ambient TRIVY_* settings or the user's HOME", async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    process.env.TRIVY_IGNOREFILE = '/repo/.trivyignore';
    process.env.TRIVY_SEVERITY = 'CRITICAL';
    const sandboxed = await createSandbox(cache);
    delete process.env.TRIVY_IGNOREFILE;
    delete process.env.TRIVY_SEVERITY;
    trivy(
      `env | grep -E '^(TRIVY_|HOME=|XDG_CONFIG_HOME=)' | sort > "$D/env"; pwd > "$D/cwd"; ls -A > "$D/ls"; cat "${fixturePath('trivy/golden_alpine-310.json')}"`,
    );
    await scanWithTrivy(options({ sandbox: sandboxed }));
    expect(bin.read('cwd').trim()).toBe(sandboxed.cwd);
    expect(bin.read('ls')).toBe('');
    expect(bin.read('env').trim().split('\n')).toEqual([
      `HOME=${cache}/home`,
      `XDG_CONFIG_HOME=${cache}/home/.config`,
    ]);
    await sandboxed.remove();
  });

  test('a Trivy outside the supported range, or one that cannot tell its version, is refused', async () => {
    trivy('exit 0');
    for (const [version, why] of [
      [
        '0.75.0',
        /trivy 0\.75\.0 is too new: image-gate reads the report format of trivy >=0\.50\.0 <0\.75\.0/,
      ],
      ['0.40.1', /trivy 0\.40\.1 is too old/],
      ['dev', /cannot tell which trivy release this is \(it reports version "dev"\)/],
    ] as const) {
      bin.file('version.json', JSON.stringify({ Version: version }));
      await expect(scanWithTrivy(options())).rejects.toThrow(why);
    }
  });

  test('downloads the DB when Trivy says a new one is due', async () => {
    bin.file('version.json', versionJson('2026-08-19T06:00:00Z', '2026-08-20T06:00:00Z'));
    bin.file(
      'update.sh',
      `echo '${versionJson('2026-08-20T10:00:00Z', '2026-08-21T10:00:00Z')}' > "$D/version.json"`,
    );
    trivy(`cat "${fixturePath('trivy/golden_alpine-310.json')}"`);
    const report = await scanWithTrivy(options());
    expect(bin.calls()).toContain(
      `image --download-db-only ${common()} --skip-version-check --disable-telemetry --no-progress`,
    );
    expect(report.dbUpdatedAt).toBe('2026-08-20T10:00:00.000Z');
  });

  test('no DB and a failed download fails closed, naming the cause', async () => {
    bin.file('version.json', JSON.stringify({ Version: '0.74.0' }));
    bin.file(
      'update.sh',
      'echo "INFO downloading" >&2; echo "FATAL failed to download vulnerability DB: connection refused" >&2; exit 1',
    );
    trivy('exit 0');
    await expect(scanWithTrivy(options())).rejects.toMatchObject({
      code: 'scanner',
      message:
        'trivy could not download its vulnerability database: trivy exited with code 1: ' +
        'FATAL failed to download vulnerability DB: connection refused',
    });
  });

  test('a failed download with a cached DB still within maxDbAge warns and scans', async () => {
    bin.file('version.json', versionJson('2026-08-20T01:00:00Z', '2026-08-20T07:00:00Z'));
    bin.file('update.sh', 'echo "FATAL rate limited" >&2; exit 1');
    trivy(`cat "${fixturePath('trivy/golden_alpine-310.json')}"`);
    const report = await scanWithTrivy(options());
    expect(report.findings).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/database update failed .*FATAL rate limited/);
  });

  test('a DB older than maxDbAge fails closed even after an update', async () => {
    bin.file('version.json', versionJson('2026-08-10T00:00:00Z', '2026-08-11T00:00:00Z'));
    bin.file('update.sh', 'exit 0'); // "succeeds" without a newer DB, as a stale mirror would
    trivy('exit 0');
    await expect(scanWithTrivy(options({ maxDbAge: '7d' }))).rejects.toThrow(
      /^trivy vulnerability database is stale: built 2026-08-10T00:00:00.000Z \(252h ago\), older than the allowed 7d$/,
    );
  });

  test('a scan that exits non-zero reports the last stderr line only', async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    trivy(
      'echo "INFO a"; echo "INFO b" >&2; echo "FATAL image scan error: unable to open /work/image.tar" >&2; exit 1',
    );
    await expect(scanWithTrivy(options())).rejects.toThrow(
      /^trivy exited with code 1: FATAL image scan error: unable to open \/work\/image.tar$/,
    );
  });

  test('output that is not JSON is refused', async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    trivy('echo "Total: 4 (UNKNOWN: 0, LOW: 0, MEDIUM: 4)"');
    await expect(scanWithTrivy(options())).rejects.toThrow(
      'trivy printed output that is not JSON: "Total: 4 (UNKNOWN: 0, LOW: 0, MEDIUM: 4)"',
    );
  });

  test('a scan that hangs is stopped at the timeout', async () => {
    bin.file('version.json', versionJson('2026-08-20T06:00:00Z', '2026-08-21T06:00:00Z'));
    trivy('sleep 30');
    await expect(scanWithTrivy(options({ timeoutMs: 500 }))).rejects.toThrow(
      'trivy timed out after 1s and was stopped',
    );
  });
});
