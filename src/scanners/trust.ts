import { GateError } from '../errors.js';
import { assertDbFresh } from './db.js';
import type { ScanReport } from './finding.js';
import { present } from './json.js';

/** What identifies the image that was checked, as the gate read and verified it. */
export interface ImageIdentity {
  manifestDigest: string;
  configDigest: string;
  /** rootfs.diff_ids of the verified config, bottom first. */
  diffIds: readonly string[];
}

/**
 * A report must prove it is about the checked image: its layer list (diff_ids) equal to the
 * config's, or one of its image ids equal to the config digest (Trivy `ImageID`, Grype
 * `imageID`) or the manifest digest (`RepoDigests`, Grype `manifestDigest`). A report that names
 * no image at all proves nothing and is refused, as is one that names another image.
 */
export function assertSameImage(report: ScanReport, image: ImageIdentity, source: string): void {
  if (report.layerDiffIds) {
    if (report.layerDiffIds.join() === image.diffIds.join()) return;
    throw mismatch(
      source,
      `its layers (${report.layerDiffIds.length}) are not the image's (${image.diffIds.length})`,
    );
  }
  const digests = report.imageIds.map((id) => /sha256:[a-f0-9]{64}$/.exec(id)?.[0]).filter(present);
  if (digests.some((d) => d === image.configDigest || d === image.manifestDigest)) return;
  if (digests.length > 0) throw mismatch(source, `it records ${report.imageIds.join(', ')}`);
  throw new GateError(
    'report',
    `${source} does not say which image it is about (no image id, digest or layer list), ` +
      `so it cannot be matched to ${image.manifestDigest}`,
  );
}

function mismatch(source: string, why: string): GateError {
  return new GateError('report', `${source} is of another image than the one checked: ${why}`);
}

export interface FreshnessRule {
  maxDbAge: string;
  maxAgeMs: number;
  /** The policy's `accept-unknown-db-age`: a report without a DB build time is let through. */
  acceptUnknownDbAge: boolean;
  now: Date;
}

/**
 * `max-db-age` for a report made elsewhere, from the database build time it records (Grype
 * JSON `descriptor.db.status.built`; Trivy JSON and both SARIF formats record none). Returns the
 * note for the verdict when the age is unknown and the policy accepts that; throws otherwise.
 */
export function checkReportDb(
  report: ScanReport,
  source: string,
  rule: FreshnessRule,
): string | undefined {
  const built = report.dbUpdatedAt === undefined ? undefined : new Date(report.dbUpdatedAt);
  if (built === undefined || Number.isNaN(built.getTime()) || built.getUTCFullYear() < 2000) {
    if (rule.acceptUnknownDbAge) {
      return `${source} does not record its database age: accepted (accept-unknown-db-age)`;
    }
    throw new GateError(
      'report',
      `${source} does not record when its ${report.scanner} vulnerability database was built, ` +
        `so max-db-age ${rule.maxDbAge} cannot be checked: give a report that records it ` +
        `(Grype JSON), let image-gate run the scanner, or set accept-unknown-db-age: true`,
    );
  }
  try {
    assertDbFresh(report.scanner, { builtAt: built }, rule.maxDbAge, rule.maxAgeMs, rule.now);
  } catch (err) {
    throw new GateError('report', `${source}: ${(err as Error).message}`, { cause: err });
  }
  return undefined;
}

/**
 * What a scan could not cover. `problems` fail closed (the caller names the scanner);
 * `emptyCatalog` is for the policy.
 */
export interface Coverage {
  problems: string[];
  emptyCatalog: boolean;
}

/**
 * "Could not analyse" must never read as "clean": an OS the scanner has no data for, or one past
 * its end of life (its advisories stop), is a problem; a scan that catalogued no package at all
 * is reported, and the policy decides whether it fails.
 */
export function coverage(report: ScanReport): Coverage {
  const problems: string[] = [];
  const os = report.os;
  if (os && !os.analysed) {
    problems.push(`cannot analyse ${os.name} (unsupported OS): its OS packages were not checked`);
  }
  if (os?.endOfLife) {
    problems.push(
      `${os.name} is end-of-life: its vulnerability data is incomplete, so finding nothing ` +
        `proves nothing`,
    );
  }
  return { problems, emptyCatalog: report.packageCount === 0 };
}
