import { GateError } from '../errors.js';
import type { ScannerName } from './finding.js';
import { obj, str } from './json.js';

/** What a scanner says about its vulnerability database. */
export interface DbStatus {
  /** When the database was built (not downloaded): what "age" means. */
  builtAt?: Date;
  /** Trivy's own schedule: past this, a newer database is published. */
  nextUpdate?: Date;
  /** Why there is no usable database, when the scanner says. */
  problem?: string;
}

/** From `trivy version --format json`: `VulnerabilityDB` is absent until a DB is downloaded. */
export function trivyDbStatus(json: unknown): DbStatus {
  const db = obj(obj(json).VulnerabilityDB);
  return definedStatus({
    builtAt: date(db.UpdatedAt),
    nextUpdate: date(db.NextUpdate),
    problem: 'VulnerabilityDB' in obj(json) ? undefined : 'no database downloaded yet',
  });
}

/** From `grype db status -o json`: `valid` false with an `error` when the DB is missing. */
export function grypeDbStatus(json: unknown): DbStatus {
  const status = obj(json);
  const valid = status.valid === true;
  return definedStatus({
    builtAt: valid ? date(status.built) : undefined,
    problem: valid ? undefined : (str(status.error) ?? 'database not valid'),
  });
}

export function isFresh(status: DbStatus, maxAgeMs: number, now: Date): boolean {
  return status.builtAt !== undefined && now.getTime() - status.builtAt.getTime() <= maxAgeMs;
}

/** Fails closed: no database, or one older than `maxDbAge`, stops the gate. */
export function assertDbFresh(
  scanner: ScannerName,
  status: DbStatus,
  maxDbAge: string,
  maxAgeMs: number,
  now: Date,
): void {
  if (status.builtAt === undefined) {
    throw new GateError(
      'scanner',
      `${scanner} has no usable vulnerability database: ${status.problem ?? 'no build time'}`,
    );
  }
  if (!isFresh(status, maxAgeMs, now)) {
    const hours = Math.floor((now.getTime() - status.builtAt.getTime()) / 3_600_000);
    throw new GateError(
      'scanner',
      `${scanner} vulnerability database is stale: built ${status.builtAt.toISOString()} ` +
        `(${hours}h ago), older than the allowed ${maxDbAge}`,
    );
  }
}

function date(value: unknown): Date | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  const d = new Date(text);
  // Go writes the zero time (0001-01-01) for "never": not a date to trust.
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2000 ? undefined : d;
}

function definedStatus(s: DbStatus): DbStatus {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as DbStatus;
}
