import { GateError } from '../errors.js';
import type { DbStatus } from './db.js';
import { isFresh, trivyDbStatus } from './db.js';
import { goDuration } from './duration.js';
import type { ImageOnDisk, ScannerOptions } from './exec.js';
import { DEFAULT_TIMEOUT_MS, locateScanner, parseScannerJson, runScannerCommand } from './exec.js';
import type { ScanReport } from './finding.js';
import { isObject } from './json.js';
import { ensureFreshDb, statusOrProblem } from './refresh.js';
import { parseTrivyJson } from './trivy-json.js';

/**
 * `trivy image --input` reads both a docker-archive tar and an OCI layout directory. The scan
 * never touches the network for the main DB (`--skip-db-update`: the DB was checked just before),
 * and looks for vulnerabilities only: secrets are the gate's own rule.
 */
export function trivyScanArgs(image: ImageOnDisk, cacheDir: string, timeoutMs: number): string[] {
  return [
    'image',
    '--input',
    image.path,
    '--format',
    'json',
    '--scanners',
    'vuln',
    '--cache-dir',
    cacheDir,
    '--skip-db-update',
    '--skip-version-check',
    '--no-progress',
    '--timeout',
    goDuration(timeoutMs),
  ];
}

export function trivyDbUpdateArgs(cacheDir: string): string[] {
  return ['image', '--download-db-only', '--cache-dir', cacheDir, '--no-progress'];
}

export function trivyStatusArgs(cacheDir: string): string[] {
  return ['version', '--format', 'json', '--cache-dir', cacheDir];
}

/** Scans the image with Trivy, after making sure its database is fresh enough. */
export async function scanWithTrivy(options: ScannerOptions): Promise<ScanReport> {
  const exe = locateScanner('trivy', options);
  const run = (args: string[]) => runScannerCommand('trivy', exe, args, options);
  const status = await ensureFreshDb('trivy', options, {
    read: () =>
      statusOrProblem(async () =>
        trivyDbStatus(
          parseScannerJson('trivy', (await run(trivyStatusArgs(options.cacheDir))).stdout),
        ),
      ),
    update: () => run(trivyDbUpdateArgs(options.cacheDir)),
    due: trivyUpdateDue,
  });
  const args = trivyScanArgs(
    options.image,
    options.cacheDir,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const json = parseScannerJson('trivy', (await run(args)).stdout);
  if (!isObject(json) || !('SchemaVersion' in json)) {
    throw new GateError('scanner', 'trivy printed JSON that is not a Trivy report');
  }
  const report = parseTrivyJson(json, `trivy output for ${options.image.path}`);
  return { ...report, dbUpdatedAt: status.builtAt?.toISOString() };
}

/** Trivy publishes a DB every few hours and records when the next is due. */
function trivyUpdateDue(status: DbStatus, now: Date, maxAgeMs: number): boolean {
  if (!isFresh(status, maxAgeMs, now)) return true;
  return status.nextUpdate !== undefined && now > status.nextUpdate;
}
