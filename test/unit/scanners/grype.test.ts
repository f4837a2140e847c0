import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ScannerOptions } from '../../../src/scanners/exec.js';
import { scanWithGrype } from '../../../src/scanners/grype.js';
import { createSandbox, type Sandbox } from '../../../src/scanners/isolation.js';
import { actionsExecRunner } from '../../../src/scanners/runner.js';
import { fixturePath } from './fixtures.js';
import { StandIns } from './stand-in.js';

const NOW = new Date('2026-08-20T12:00:00Z');
const VALID = JSON.stringify({
  schemaVersion: 'v6.1.9',
  built: '2026-08-20T04:00:00Z',
  path: '/cache/grype/6/vulnerability.db',
  valid: true,
});
const MISSING = JSON.stringify({
  schemaVersion: 'v6.1.9',
  path: '/cache/grype/6/vulnerability.db',
  valid: false,
  error: 'database does not exist',
});

let bin: StandIns;
let sandbox: Sandbox;
let cache: string;
beforeEach(async () => {
  bin = new StandIns();
  cache = `${bin.dir}/cache`;
  sandbox = await createSandbox(cache);
  bin.file('version.json', JSON.stringify({ application: 'grype', version: '0.121.3' }));
});
afterEach(async () => {
  await sandbox.remove();
  bin.remove();
});

/** Every grype command ends with image-gate's own config file: no other is searched for. */
const cfg = () => `--config ${sandbox.grypeConfig}`;

/**
 * A stand-in grype: `db status` prints $D/status.json (exit 1 when it is not valid, as grype does),
 * `db update` runs $D/update.sh, and a scan records its environment then runs `scanBody`.
 */
function grype(scanBody: string): string {
  return bin.script(
    'grype',
    `case "$*" in
  "version -o json "*) cat "$D/version.json" ;;
  "db status -o json "*) cat "$D/status.json"; grep -q '"valid":true' "$D/status.json" || exit 1 ;;
  "db update "*) . "$D/update.sh" ;;
  *) env | grep -E '^(GRYPE_|SYFT_|HOME=)' | sort > "$D/env"; pwd > "$D/cwd"; ${scanBody} ;;
esac`,
  );
}

function options(extra: Partial<ScannerOptions> = {}): ScannerOptions {
  return {
    image: {
      path: '/work/layout',
      kind: 'oci-dir',
      platform: 'linux/amd64',
      manifestDigest: `sha256:${'d'.repeat(64)}`,
    },
    cacheDir: cache,
    runner: actionsExecRunner,
    executable: `${bin.dir}/grype`,
    sandbox,
    now: () => NOW,
    ...extra,
  };
}

describe('scanning with Grype', () => {
  test('scans oci-dir:PATH for the platform, DB pinned to our cache, no ambient GRYPE_*/SYFT_*', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('grype/dd_issue_9618.json')}"`);
    process.env.GRYPE_IGNORE = '[{"vulnerability":"CVE-2024-26308"}]';
    process.env.SYFT_EXCLUDE = '/usr';
    process.env.GRYPE_CONFIG = '/repo/.grype.yaml';
    const isolated = await createSandbox(cache);
    delete process.env.GRYPE_IGNORE;
    delete process.env.SYFT_EXCLUDE;
    delete process.env.GRYPE_CONFIG;
    const report = await scanWithGrype(options({ maxDbAge: '2d', sandbox: isolated }));
    await isolated.remove();
    expect(report.findings).toHaveLength(35);
    expect(report.scannerVersion).toBe('0.121.3');
    const config = `--config ${isolated.grypeConfig}`;
    expect(bin.calls()).toEqual([
      `version -o json ${config}`,
      `db status -o json ${config}`,
      `oci-dir:/work/layout --platform linux/amd64 -o json ${config}`,
    ]);
    expect(bin.read('cwd').trim()).toBe(isolated.cwd);
    expect(bin.read('env').trim().split('\n')).toEqual([
      'GRYPE_CHECK_FOR_APP_UPDATE=false',
      'GRYPE_DB_AUTO_UPDATE=false',
      `GRYPE_DB_CACHE_DIR=${cache}/grype`,
      'GRYPE_DB_MAX_ALLOWED_BUILT_AGE=172800s',
      'GRYPE_DB_VALIDATE_AGE=true',
      `HOME=${cache}/home`,
    ]);
  });

  test('the database comes from the update URL given, never from the environment', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('grype/dd_issue_9618.json')}"`);
    const url = 'http://127.0.0.1:9/databases/v6/latest.json';
    await scanWithGrype(options({ db: { grypeUpdateUrl: url } }));
    expect(bin.read('env')).toContain(`GRYPE_DB_UPDATE_URL=${url}\n`);
  });

  test('a Grype outside the supported range is refused before anything else runs', async () => {
    bin.file('version.json', JSON.stringify({ version: '0.122.0' }));
    grype('exit 0');
    await expect(scanWithGrype(options())).rejects.toThrow(
      /^grype 0\.122\.0 is too new: image-gate reads the report format of grype >=0\.80\.0 <0\.122\.0$/,
    );
    expect(bin.calls()).toEqual([`version -o json ${cfg()}`]);
  });

  test('a docker-archive is scanned as docker-archive:PATH', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('grype/golden_TestJsonImgsPresenter.json')}"`);
    await scanWithGrype(
      options({
        image: {
          path: '/work/image.tar',
          kind: 'docker-archive',
          platform: 'linux/arm/v7',
          manifestDigest: `sha256:${'d'.repeat(64)}`,
        },
      }),
    );
    expect(bin.calls().at(-1)).toBe(
      `docker-archive:/work/image.tar --platform linux/arm/v7 -o json ${cfg()}`,
    );
  });

  test('a missing DB is downloaded first', async () => {
    bin.file('status.json', MISSING);
    bin.file('update.sh', `echo '${VALID}' > "$D/status.json"`);
    grype(`cat "${fixturePath('grype/golden_TestJsonImgsPresenter.json')}"`);
    const report = await scanWithGrype(options());
    expect(bin.calls()).toEqual([
      `version -o json ${cfg()}`,
      `db status -o json ${cfg()}`,
      `db update ${cfg()}`,
      `db status -o json ${cfg()}`,
      `oci-dir:/work/layout --platform linux/amd64 -o json ${cfg()}`,
    ]);
    expect(report.dbUpdatedAt).toBe('2026-08-20T04:00:00.000Z'); // the report has none of its own
  });

  test('a missing DB that fails to download fails closed, naming the cause', async () => {
    bin.file('status.json', MISSING);
    bin.file(
      'update.sh',
      'echo "[0000] ERROR unable to update vulnerability database: 503" >&2; exit 1',
    );
    grype('exit 0');
    await expect(scanWithGrype(options())).rejects.toMatchObject({
      code: 'scanner',
      message:
        'grype could not download its vulnerability database: grype exited with code 1: ' +
        '[0000] ERROR unable to update vulnerability database: 503',
    });
  });

  test('a stale DB that stays stale fails closed', async () => {
    const old = JSON.stringify({ built: '2026-08-01T00:00:00Z', valid: true });
    bin.file('status.json', old);
    bin.file('update.sh', 'exit 0');
    grype('exit 0');
    await expect(scanWithGrype(options())).rejects.toThrow(
      /^grype vulnerability database is stale: built 2026-08-01T00:00:00.000Z .* older than the allowed 24h$/,
    );
  });

  test('JSON that is not a Grype report is refused', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('trivy/golden_alpine-310.json')}"`);
    await expect(scanWithGrype(options())).rejects.toThrow(
      'grype printed JSON that is not a Grype report',
    );
  });

  test('a scan that exits non-zero is a scanner error', async () => {
    bin.file('status.json', VALID);
    grype('echo "[0000] ERROR failed to catalog: unable to load image" >&2; exit 1');
    await expect(scanWithGrype(options())).rejects.toThrow(
      'grype exited with code 1: [0000] ERROR failed to catalog: unable to load image',
    );
  });
});
