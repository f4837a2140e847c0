import { GateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ScannerName } from './finding.js';
import type { Sandbox } from './isolation.js';
import type { CommandRunner, RunResult } from './runner.js';
import { lastLine } from './runner.js';

/** The image as the gate has it on disk once, for every scanner to read. */
export interface ImageOnDisk {
  path: string;
  kind: 'oci-dir' | 'docker-archive';
  /** `os/arch[/variant]` of the checked image, passed to the scanners with `--platform`. */
  platform: string;
  /** The checked image's manifest digest: Trivy picks it out of an OCI layout with `@digest`. */
  manifestDigest: string;
}

/** Where the scanners download their databases from; their public defaults when absent. */
export interface DbSource {
  /** Trivy `--db-repository`, e.g. `127.0.0.1:5000/trivy-db:2`. */
  trivyRepository?: string;
  /** Grype's listing URL (`GRYPE_DB_UPDATE_URL`), e.g. `http://127.0.0.1:8080/databases/v6/latest.json`. */
  grypeUpdateUrl?: string;
}

export interface ScannerOptions {
  image: ImageOnDisk;
  /** image-gate's cache; each scanner keeps its database in its own subdirectory. */
  cacheDir: string;
  /** A database built longer ago than this fails the scan (`24h`, `7d`). Default `24h`. */
  maxDbAge?: string;
  /** How long one scanner command may run before it is killed. Default 10 minutes. */
  timeoutMs?: number;
  /** The scanner's path (see plan.ts `locateScanners`). */
  executable: string;
  runner: CommandRunner;
  /** Working directory, environment and config files (see isolation.ts). */
  sandbox: Sandbox;
  db?: DbSource;
  logger?: Logger;
  now?: () => Date;
}

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_DB_AGE = '24h';

/** Runs one scanner command in the sandbox; a timeout or a non-zero exit is a GateError. */
export async function runScannerCommand(
  scanner: ScannerName,
  args: string[],
  options: ScannerOptions & { env?: Record<string, string> },
): Promise<RunResult> {
  const result = await runInSandbox(args, options);
  if (result.timedOut) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    throw new GateError(
      'scanner',
      `${scanner} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`,
    );
  }
  if (result.exitCode !== 0) throw commandFailed(scanner, result);
  return result;
}

/** Runs the scanner with the sandbox's directory and environment, whatever it exits with. */
export function runInSandbox(
  args: string[],
  options: ScannerOptions & { env?: Record<string, string> },
  timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
): Promise<RunResult> {
  options.logger?.debug(`running ${options.executable} ${args.join(' ')}`);
  return options.runner.run(options.executable, args, {
    env: { ...options.sandbox.env, ...options.env },
    cwd: options.sandbox.cwd,
    timeoutMs,
  });
}

export function commandFailed(scanner: ScannerName, result: RunResult): GateError {
  const how = result.exitCode === null ? 'was killed' : `exited with code ${result.exitCode}`;
  return new GateError(
    'scanner',
    `${scanner} ${how}: ${lastLine(result.stderr) || '(no error output)'}`,
  );
}

/** The scanner's stdout as JSON; anything else (a table, a banner, nothing) is a GateError. */
export function parseScannerJson(scanner: ScannerName, stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    const start = stdout.trim().slice(0, 60);
    const shown = start === '' ? 'nothing' : `"${start}${stdout.trim().length > 60 ? '…' : ''}"`;
    throw new GateError('scanner', `${scanner} printed output that is not JSON: ${shown}`);
  }
}
