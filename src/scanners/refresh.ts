import { GateError, errorMessage } from '../errors.js';
import type { DbStatus } from './db.js';
import { assertDbFresh, isFresh } from './db.js';
import { parseDuration } from './duration.js';
import type { ScannerOptions } from './exec.js';
import { DEFAULT_MAX_DB_AGE } from './exec.js';
import type { ScannerName } from './finding.js';

export interface DbAccess {
  read(): Promise<DbStatus>;
  update(): Promise<unknown>;
  /** Whether to try a download before scanning, given the cached database. */
  due(status: DbStatus, now: Date, maxAgeMs: number): boolean;
}

/**
 * Makes sure the scanner has a database no older than `maxDbAge`, downloading one when due. A
 * failed download is fatal when the cached database is missing or too old; when the cached one is
 * still within `maxDbAge` the scan goes on with it, with a warning, because the policy allows it.
 */
export async function ensureFreshDb(
  scanner: ScannerName,
  options: ScannerOptions,
  db: DbAccess,
): Promise<DbStatus> {
  const maxDbAge = options.maxDbAge ?? DEFAULT_MAX_DB_AGE;
  const maxAgeMs = parseDuration(maxDbAge);
  const now = (options.now ?? (() => new Date()))();
  let status = await db.read();
  if (db.due(status, now, maxAgeMs)) {
    options.logger?.info(`${scanner}: updating the vulnerability database in ${options.cacheDir}`);
    try {
      await db.update();
    } catch (err) {
      if (!isFresh(status, maxAgeMs, now)) {
        throw new GateError(
          'scanner',
          `${scanner} could not download its vulnerability database: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      options.logger?.warn(
        `${scanner}: database update failed (${errorMessage(err)}); ` +
          `using the cached one built ${status.builtAt?.toISOString()}`,
      );
    }
    status = await db.read();
  }
  assertDbFresh(scanner, status, maxDbAge, maxAgeMs, now);
  return status;
}

/** Reads a status with `read`, turning any failure into "no usable database". */
export async function statusOrProblem(read: () => Promise<DbStatus>): Promise<DbStatus> {
  try {
    return await read();
  } catch (err) {
    return { problem: errorMessage(err) };
  }
}
