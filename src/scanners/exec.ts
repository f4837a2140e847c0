import { GateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ScannerName } from './finding.js';
import type { CommandRunner, RunResult } from './runner.js';
import { findOnPath, lastLine } from './runner.js';

/** The image as the gate wrote it once to disk, for every scanner to read. */
export interface ImageOnDisk {
  path: string;
  kind: 'oci-dir' | 'docker-archive';
}

export interface ScannerOptions {
  image: ImageOnDisk;
  /** Where the vulnerability database is kept between runs (restored by the action's cache). */
  cacheDir: string;
  /** A database built longer ago than this fails the scan (`24h`, `7d`). Default `24h`. */
  maxDbAge?: string;
  /** How long one scanner command may run before it is killed. Default 10 minutes. */
  timeoutMs?: number;
  /** The scanner's path; found on PATH when absent. */
  executable?: string;
  runner: CommandRunner;
  logger?: Logger;
  now?: () => Date;
  /** PATH to search, for tests; the process's own by default. */
  pathVar?: string;
}

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_DB_AGE = '24h';

/** The scanner's executable: the one given, else the first on PATH. */
export function locateScanner(scanner: ScannerName, options: ScannerOptions): string {
  const found = options.executable ?? findOnPath(scanner, options.pathVar);
  if (found === undefined) {
    throw new GateError(
      'scanner',
      `${scanner} was not found on PATH: install it, or let the action install its pinned release`,
    );
  }
  return found;
}

/** Runs one scanner command; a timeout or a non-zero exit is a GateError naming the scanner. */
export async function runScannerCommand(
  scanner: ScannerName,
  exe: string,
  args: string[],
  options: ScannerOptions & { env?: Record<string, string> },
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  options.logger?.debug(`running ${exe} ${args.join(' ')}`);
  const result = await options.runner.run(exe, args, { env: options.env ?? {}, timeoutMs });
  if (result.timedOut) {
    throw new GateError(
      'scanner',
      `${scanner} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`,
    );
  }
  if (result.exitCode !== 0) throw commandFailed(scanner, result);
  return result;
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
