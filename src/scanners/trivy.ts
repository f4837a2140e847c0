import path from 'node:path';
import { GateError } from '../errors.js';
import type { DbStatus } from './db.js';
import { isFresh, trivyDbStatus } from './db.js';
import { goDuration } from './duration.js';
import type { ImageOnDisk, ScannerOptions } from './exec.js';
import { DEFAULT_TIMEOUT_MS, parseScannerJson, runScannerCommand } from './exec.js';
import type { ScanReport } from './finding.js';
import type { Sandbox } from './isolation.js';
import { isObject, obj, str } from './json.js';
import { ensureFreshDb, statusOrProblem } from './refresh.js';
import { parseTrivyJson } from './trivy-json.js';
import { assertSupportedVersion } from './version.js';

/** Every severity, so no `severity:` setting anywhere can narrow what Trivy reports. */
const ALL_SEVERITIES = 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL';

/**
 * Flags every Trivy command gets: the explicit (empty) config file, so `trivy.yaml` in the
 * working directory is never searched for, and image-gate's cache.
 */
function common(cacheDir: string, sandbox: Sandbox): string[] {
  return ['--config', sandbox.trivyConfig, '--cache-dir', cacheDir];
}

/**
 * `trivy image --input` reads a docker-archive tar and an OCI layout directory; in a layout it
 * takes the first image unless `path@digest` names one, so the checked manifest is named. The
 * scan never touches the network for the main DB (`--skip-db-update`: it was checked just
 * before), looks for vulnerabilities only (secrets are the gate's own rule), lists every package
 * (so an empty catalogue shows), and reads no ignore file, module, VEX or filter.
 */
export function trivyScanArgs(
  image: ImageOnDisk,
  cacheDir: string,
  sandbox: Sandbox,
  timeoutMs: number,
): string[] {
  return [
    'image',
    '--input',
    trivyInput(image),
    '--platform',
    image.platform,
    '--format',
    'json',
    '--scanners',
    'vuln',
    '--list-all-pkgs',
    '--pkg-types',
    'os,library',
    '--severity',
    ALL_SEVERITIES,
    '--ignorefile',
    sandbox.trivyIgnore,
    '--module-dir',
    sandbox.trivyModules,
    ...common(cacheDir, sandbox),
    '--skip-db-update',
    '--skip-version-check',
    '--disable-telemetry',
    '--no-progress',
    '--timeout',
    goDuration(timeoutMs),
  ];
}

function trivyInput(image: ImageOnDisk): string {
  if (image.kind === 'docker-archive') return image.path;
  // Trivy splits `--input` at the first `@`; a path with one would be misread.
  if (image.path.includes('@')) {
    throw new GateError(
      'scanner',
      `trivy cannot read an OCI layout whose path has "@": ${image.path}`,
    );
  }
  return `${image.path}@${image.manifestDigest}`;
}

export function trivyDbUpdateArgs(
  cacheDir: string,
  sandbox: Sandbox,
  repository: string | undefined,
): string[] {
  return [
    'image',
    '--download-db-only',
    ...(repository ? ['--db-repository', repository] : []),
    ...common(cacheDir, sandbox),
    '--skip-version-check',
    '--disable-telemetry',
    '--no-progress',
  ];
}

export function trivyStatusArgs(cacheDir: string, sandbox: Sandbox): string[] {
  return ['version', '--format', 'json', ...common(cacheDir, sandbox)];
}

/** Trivy keeps its DB, Java DB and layer cache here. */
export function trivyCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'trivy');
}

/** Scans the image with Trivy, after checking its version and making sure its DB is fresh. */
export async function scanWithTrivy(options: ScannerOptions): Promise<ScanReport> {
  const { sandbox } = options;
  const cacheDir = trivyCacheDir(options.cacheDir);
  const run = (args: string[]) => runScannerCommand('trivy', args, options);
  const versionJson = parseScannerJson(
    'trivy',
    (await run(trivyStatusArgs(cacheDir, sandbox))).stdout,
  );
  const version = assertSupportedVersion('trivy', str(obj(versionJson).Version));
  let first = true;
  const status = await ensureFreshDb('trivy', options, {
    read: () =>
      statusOrProblem(async () => {
        if (first) {
          first = false;
          return trivyDbStatus(versionJson);
        }
        return trivyDbStatus(
          parseScannerJson('trivy', (await run(trivyStatusArgs(cacheDir, sandbox))).stdout),
        );
      }),
    update: () => run(trivyDbUpdateArgs(cacheDir, sandbox, options.db?.trivyRepository)),
    due: trivyUpdateDue,
  });
  const args = trivyScanArgs(
    options.image,
    cacheDir,
    sandbox,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const json = parseScannerJson('trivy', (await run(args)).stdout);
  if (!isObject(json) || !('SchemaVersion' in json)) {
    throw new GateError('scanner', 'trivy printed JSON that is not a Trivy report');
  }
  const report = parseTrivyJson(json, `trivy output for ${options.image.path}`);
  return {
    ...report,
    scannerVersion: version,
    // --list-all-pkgs: a report without package lists is one that catalogued nothing.
    packageCount: report.packageCount ?? 0,
    ...(status.builtAt ? { dbUpdatedAt: status.builtAt.toISOString() } : {}),
  };
}

/** Trivy publishes a DB every few hours and records when the next is due. */
function trivyUpdateDue(status: DbStatus, now: Date, maxAgeMs: number): boolean {
  if (!isFresh(status, maxAgeMs, now)) return true;
  return status.nextUpdate !== undefined && now > status.nextUpdate;
}
