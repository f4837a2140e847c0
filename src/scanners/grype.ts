import { GateError } from '../errors.js';
import type { DbStatus } from './db.js';
import { grypeDbStatus, isFresh } from './db.js';
import { goDuration, parseDuration } from './duration.js';
import type { ImageOnDisk, ScannerOptions } from './exec.js';
import { DEFAULT_MAX_DB_AGE, locateScanner, parseScannerJson, runScannerCommand } from './exec.js';
import type { ScanReport } from './finding.js';
import { parseGrypeJson } from './grype-json.js';
import { isObject } from './json.js';
import { ensureFreshDb, statusOrProblem } from './refresh.js';

/** Grype checks for a newer DB when the local one is older than this; we do the same. */
const REFRESH_AFTER_MS = 12 * 3_600_000;

/** `oci-dir:PATH` or `docker-archive:PATH`: grype's source schemes for images on disk. */
export function grypeScanArgs(image: ImageOnDisk): string[] {
  return [`${image.kind}:${image.path}`, '-o', 'json'];
}

/**
 * Environment for every grype command: the DB lives in our cache directory, the scan never
 * updates it on its own (we did, just before), and grype itself refuses a DB older than maxDbAge.
 */
export function grypeEnv(cacheDir: string, maxAgeMs: number): Record<string, string> {
  return {
    GRYPE_DB_CACHE_DIR: cacheDir,
    GRYPE_DB_AUTO_UPDATE: 'false',
    GRYPE_DB_VALIDATE_AGE: 'true',
    GRYPE_DB_MAX_ALLOWED_BUILT_AGE: goDuration(maxAgeMs),
    GRYPE_CHECK_FOR_APP_UPDATE: 'false',
  };
}

/** Scans the image with Grype, after making sure its database is fresh enough. */
export async function scanWithGrype(options: ScannerOptions): Promise<ScanReport> {
  const exe = locateScanner('grype', options);
  const env = grypeEnv(options.cacheDir, parseDuration(options.maxDbAge ?? DEFAULT_MAX_DB_AGE));
  const run = (args: string[]) => runScannerCommand('grype', exe, args, { ...options, env });
  const status = await ensureFreshDb('grype', options, {
    read: () => statusOrProblem(() => readStatus(options, exe, env)),
    update: () => run(['db', 'update']),
    due: (s: DbStatus, now: Date, maxAgeMs: number) =>
      !isFresh(s, Math.min(maxAgeMs, REFRESH_AFTER_MS), now),
  });
  const json = parseScannerJson('grype', (await run(grypeScanArgs(options.image))).stdout);
  if (!isObject(json) || !('matches' in json)) {
    throw new GateError('scanner', 'grype printed JSON that is not a Grype report');
  }
  const report = parseGrypeJson(json, `grype output for ${options.image.path}`);
  return { ...report, dbUpdatedAt: report.dbUpdatedAt ?? status.builtAt?.toISOString() };
}

/** `grype db status` exits 1 when there is no DB, yet still prints its JSON: read it anyway. */
async function readStatus(
  options: ScannerOptions,
  exe: string,
  env: Record<string, string>,
): Promise<DbStatus> {
  const result = await options.runner.run(exe, ['db', 'status', '-o', 'json'], {
    env,
    timeoutMs: 60_000,
  });
  return grypeDbStatus(parseScannerJson('grype', result.stdout));
}
