import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ScannerOptions } from '../../../src/scanners/exec.js';
import { scanWithGrype } from '../../../src/scanners/grype.js';
import { childProcessRunner } from '../../../src/scanners/runner.js';
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
beforeEach(() => {
  bin = new StandIns();
});
afterEach(() => bin.remove());

/**
 * A stand-in grype: `db status` prints $D/status.json (exit 1 when it is not valid, as grype does),
 * `db update` runs $D/update.sh, and a scan records its environment then runs `scanBody`.
 */
function grype(scanBody: string): string {
  return bin.script(
    'grype',
    `case "$*" in
  "db status -o json") cat "$D/status.json"; grep -q '"valid":true' "$D/status.json" || exit 1 ;;
  "db update") . "$D/update.sh" ;;
  *) env | grep ^GRYPE_ | sort > "$D/env"; ${scanBody} ;;
esac`,
  );
}

function options(extra: Partial<ScannerOptions> = {}): ScannerOptions {
  return {
    image: { path: '/work/layout', kind: 'oci-dir' },
    cacheDir: '/cache/grype',
    runner: childProcessRunner,
    pathVar: bin.dir,
    now: () => NOW,
    ...extra,
  };
}

describe('scanning with Grype', () => {
  test('scans oci-dir:PATH with the DB pinned to our cache and never auto-updated', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('grype/dd_issue_9618.json')}"`);
    const report = await scanWithGrype(options({ maxDbAge: '2d' }));
    expect(report.findings).toHaveLength(35);
    expect(bin.calls()).toEqual(['db status -o json', 'oci-dir:/work/layout -o json']);
    expect(bin.read('env').trim().split('\n')).toEqual([
      'GRYPE_CHECK_FOR_APP_UPDATE=false',
      'GRYPE_DB_AUTO_UPDATE=false',
      'GRYPE_DB_CACHE_DIR=/cache/grype',
      'GRYPE_DB_MAX_ALLOWED_BUILT_AGE=172800s',
      'GRYPE_DB_VALIDATE_AGE=true',
    ]);
  });

  test('a docker-archive is scanned as docker-archive:PATH', async () => {
    bin.file('status.json', VALID);
    grype(`cat "${fixturePath('grype/golden_TestJsonImgsPresenter.json')}"`);
    await scanWithGrype(options({ image: { path: '/work/image.tar', kind: 'docker-archive' } }));
    expect(bin.calls().at(-1)).toBe('docker-archive:/work/image.tar -o json');
  });

  test('a missing DB is downloaded first', async () => {
    bin.file('status.json', MISSING);
    bin.file('update.sh', `echo '${VALID}' > "$D/status.json"`);
    grype(`cat "${fixturePath('grype/golden_TestJsonImgsPresenter.json')}"`);
    const report = await scanWithGrype(options());
    expect(bin.calls()).toEqual([
      'db status -o json',
      'db update',
      'db status -o json',
      'oci-dir:/work/layout -o json',
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
