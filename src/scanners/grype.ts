import path from 'node:path';
import { GateError } from '../errors.js';
import type { DbStatus } from './db.js';
import { grypeDbStatus, isFresh } from './db.js';
import { goDuration, parseDuration } from './duration.js';
import type { ImageOnDisk, ScannerOptions } from './exec.js';
import { DEFAULT_MAX_DB_AGE, parseScannerJson, runInSandbox, runScannerCommand } from './exec.js';
import type { ScanReport } from './finding.js';
import { parseGrypeJson } from './grype-json.js';
import { isObject, obj, str } from './json.js';
import { ensureFreshDb, statusOrProblem } from './refresh.js';
import { assertSupportedVersion } from './version.js';

/** Grype checks for a newer DB when the local one is older than this; we do the same. */
const REFRESH_AFTER_MS = 12 * 3_600_000;

/**
 * `oci-dir:PATH` or `docker-archive:PATH` (grype's schemes for images on disk), the checked
 * platform (grype picks it out of a multi-platform layout, and refuses an image that is not of
 * it), and the explicit config file: with `--config` grype searches no other location.
 */
export function grypeScanArgs(image: ImageOnDisk, config: string): string[] {
  return [
    `${image.kind}:${image.path}`,
    '--platform',
    image.platform,
    '-o',
    'json',
    '--config',
    config,
  ];
}

/**
 * Environment for every grype command: the DB lives in image-gate's cache, the scan never
 * updates it on its own (we did, just before), and grype itself refuses a DB older than maxDbAge.
 */
export function grypeEnv(
  cacheDir: string,
  maxAgeMs: number,
  updateUrl?: string,
): Record<string, string> {
  return {
    GRYPE_DB_CACHE_DIR: cacheDir,
    GRYPE_DB_AUTO_UPDATE: 'false',
    GRYPE_DB_VALIDATE_AGE: 'true',
    GRYPE_DB_MAX_ALLOWED_BUILT_AGE: goDuration(maxAgeMs),
    GRYPE_CHECK_FOR_APP_UPDATE: 'false',
    ...(updateUrl ? { GRYPE_DB_UPDATE_URL: updateUrl } : {}),
  };
}

export function grypeCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'grype');
}

/** Scans the image with Grype, after checking its version and making sure its DB is fresh. */
export async function scanWithGrype(options: ScannerOptions): Promise<ScanReport> {
  const config = options.sandbox.grypeConfig;
  const env = grypeEnv(
    grypeCacheDir(options.cacheDir),
    parseDuration(options.maxDbAge ?? DEFAULT_MAX_DB_AGE),
    options.db?.grypeUpdateUrl,
  );
  const withEnv = { ...options, env };
  const run = (args: string[]) =>
    runScannerCommand('grype', [...args, '--config', config], withEnv);
  const versionJson = parseScannerJson('grype', (await run(['version', '-o', 'json'])).stdout);
  const version = assertSupportedVersion('grype', str(obj(versionJson).version));
  const status = await ensureFreshDb('grype', options, {
    read: () => statusOrProblem(() => readStatus(withEnv, config)),
    update: () => run(['db', 'update']),
    due: (s: DbStatus, now: Date, maxAgeMs: number) =>
      !isFresh(s, Math.min(maxAgeMs, REFRESH_AFTER_MS), now),
  });
  const result = await runScannerCommand('grype', grypeScanArgs(options.image, config), withEnv);
  const json = parseScannerJson('grype', result.stdout);
  if (!isObject(json) || !('matches' in json)) {
    throw new GateError('scanner', 'grype printed JSON that is not a Grype report');
  }
  const report = parseGrypeJson(json, `grype output for ${options.image.path}`);
  return {
    ...report,
    scannerVersion: version,
    dbUpdatedAt: report.dbUpdatedAt ?? status.builtAt?.toISOString(),
  };
}

/** `grype db status` exits 1 when there is no DB, yet still prints its JSON: read it anyway. */
async function readStatus(
  options: ScannerOptions & { env: Record<string, string> },
  config: string,
): Promise<DbStatus> {
  const result = await runInSandbox(
    ['db', 'status', '-o', 'json', '--config', config],
    options,
    60_000,
  );
  return grypeDbStatus(parseScannerJson('grype', result.stdout));
}
