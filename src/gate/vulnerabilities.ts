import { errorMessage, GateError } from '../errors.js';
import type { Image } from '../image/types.js';
import type { Logger } from '../log.js';
import { parseDuration } from '../scanners/duration.js';
import type { DbSource, ImageOnDisk, ScannerOptions } from '../scanners/exec.js';
import { DEFAULT_MAX_DB_AGE } from '../scanners/exec.js';
import type { Finding, ScannerName, ScanReport } from '../scanners/finding.js';
import { scanWithGrype } from '../scanners/grype.js';
import { createSandbox, workspaceScannerFiles } from '../scanners/isolation.js';
import { mergeReports } from '../scanners/merge.js';
import type { Located, ScanPlan } from '../scanners/plan.js';
import { readReport } from '../scanners/read.js';
import { actionsExecRunner, type CommandRunner } from '../scanners/runner.js';
import { scanWithTrivy } from '../scanners/trivy.js';
import type { FreshnessRule, ImageIdentity } from '../scanners/trust.js';
import type { ScannerTool } from '../policy/verdict.js';
import { assertSameImage, checkReportDb, coverage } from '../scanners/trust.js';

export interface ScannerError {
  scanner: string;
  message: string;
}

/** What the vulnerabilities rule judges: merged findings, what could not be scanned, and why. */
export interface VulnerabilityInput {
  findings: Finding[];
  scanners: ScannerName[];
  errors: ScannerError[];
  /** What the verdict must say about how the findings were obtained (never a pass by itself). */
  notes: string[];
  /** Each report's scanner version and database build time, for the verdict. */
  tools: ScannerTool[];
}

export interface CollectOptions {
  image: Image;
  /** From `planScans`: reports to read; or from `locateScanners`: the scanners to run. */
  plan: Extract<ScanPlan, { mode: 'reports' }> | { mode: 'run'; located: Located };
  /** The image once on disk for the scanners; called at most once. */
  imageOnDisk: () => Promise<ImageOnDisk>;
  cacheDir: string;
  maxDbAge?: string;
  /** The policy's `accept-unknown-db-age`. */
  acceptUnknownDbAge?: boolean;
  /** The policy's `fail-on-no-packages`. */
  failOnNoPackages?: boolean;
  timeoutMs?: number;
  db?: DbSource;
  runner?: CommandRunner;
  /** The checked-out repository, searched for scanner config files that are ignored. */
  workspace?: string;
  log: Logger;
  now?: Date;
}

const SCAN: Record<ScannerName, (o: ScannerOptions) => Promise<ScanReport>> = {
  trivy: scanWithTrivy,
  grype: scanWithGrype,
};

/**
 * Reads the reports given, or runs the scanners (both at once, on the one copy of the image).
 * Every report, given or made here, must prove it is about the checked image and say what it
 * could not analyse. Every failure is an error of the rule, never dropped: fail closed.
 */
export async function collectVulnerabilities(o: CollectOptions): Promise<VulnerabilityInput> {
  const identity: ImageIdentity = {
    manifestDigest: o.image.manifestDigest,
    configDigest: o.image.configDigest,
    diffIds: o.image.config.rootfs.diff_ids,
  };
  const out =
    o.plan.mode === 'reports' ? await fromReports(o, identity) : await fromRuns(o, identity);
  const reports = out.reports;
  const errors = [...out.errors];
  const notes = [...out.notes];
  for (const report of reports) {
    const { problems, emptyCatalog } = coverage(report);
    for (const message of problems) errors.push({ scanner: report.scanner, message });
    if (!emptyCatalog) continue;
    const message = `${report.scanner} catalogued no packages in the image`;
    if (o.failOnNoPackages)
      errors.push({ scanner: report.scanner, message: `${message} (fail-on-no-packages)` });
    else notes.push(message);
  }
  return {
    findings: mergeReports(reports, { layerOrder: identity.diffIds as string[] }),
    scanners: [...new Set(reports.map((r) => r.scanner))],
    errors,
    notes,
    tools: reports.map((r) => ({
      scanner: r.scanner,
      ...(r.scannerVersion ? { version: r.scannerVersion } : {}),
      ...(r.dbUpdatedAt ? { dbBuiltAt: r.dbUpdatedAt } : {}),
    })),
  };
}

interface Collected {
  reports: ScanReport[];
  errors: ScannerError[];
  notes: string[];
}

async function fromReports(o: CollectOptions, identity: ImageIdentity): Promise<Collected> {
  const out: Collected = { reports: [], errors: [], notes: [] };
  if (o.plan.mode !== 'reports') return out;
  const maxDbAge = o.maxDbAge ?? DEFAULT_MAX_DB_AGE;
  const rule: FreshnessRule = {
    maxDbAge,
    maxAgeMs: parseDuration(maxDbAge),
    acceptUnknownDbAge: o.acceptUnknownDbAge ?? false,
    now: o.now ?? new Date(),
  };
  const found = o.workspace ? workspaceScannerFiles(o.workspace) : [];
  if (found.length > 0) {
    out.notes.push(
      `scanner configuration in the workspace: ${found.join(', ')}; a report made with it ` +
        `may leave findings out, which image-gate cannot tell (its own runs ignore it)`,
    );
  }
  for (const scanner of o.plan.missing) {
    out.errors.push({
      scanner,
      message: `the policy wants ${scanner}, but no ${scanner} report was given (--${scanner}-report)`,
    });
  }
  for (const { scanner, file } of o.plan.reports) {
    try {
      const report = await readReport(file, scanner);
      assertSameImage(report, identity, `report ${file}`);
      const note = checkReportDb(report, `report ${file}`, rule);
      if (note) out.notes.push(note);
      out.reports.push(report);
    } catch (err) {
      out.errors.push({ scanner, message: errorMessage(err) });
    }
  }
  return out;
}

async function fromRuns(o: CollectOptions, identity: ImageIdentity): Promise<Collected> {
  const out: Collected = { reports: [], errors: [], notes: [] };
  if (o.plan.mode !== 'run') return out;
  const runner = o.runner ?? actionsExecRunner;
  const located = o.plan.located;
  out.errors.push(...located.errors);
  if (located.found.length === 0) return out;
  const ignored = o.workspace ? workspaceScannerFiles(o.workspace) : [];
  if (ignored.length > 0) {
    out.notes.push(
      `scanner configuration in the workspace ignored: ${ignored.join(', ')} ` +
        `(scanners run isolated; waivers belong in the policy)`,
    );
  }
  const sandbox = await createSandbox(o.cacheDir);
  try {
    const image = await o.imageOnDisk();
    // Both at once: each reads the same files, and the slower one sets the pace.
    const settled = await Promise.allSettled(
      located.found.map(async ({ scanner, executable }) => {
        const report = await SCAN[scanner]({
          image,
          cacheDir: o.cacheDir,
          executable,
          runner,
          sandbox,
          logger: o.log,
          ...(o.db ? { db: o.db } : {}),
          ...(o.maxDbAge ? { maxDbAge: o.maxDbAge } : {}),
          ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
          ...(o.now ? { now: () => o.now! } : {}),
        });
        assertSameImage(report, identity, `${scanner}'s report`);
        return report;
      }),
    );
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') out.reports.push(s.value);
      else out.errors.push({ scanner: located.found[i]!.scanner, message: errorMessage(s.reason) });
    });
  } catch (err) {
    // Writing the image for the scanners failed: no scanner could run.
    const message = errorMessage(err);
    for (const { scanner } of located.found) out.errors.push({ scanner, message });
    if (!(err instanceof GateError)) o.log.debug(String(err));
  } finally {
    await sandbox.remove();
  }
  return out;
}
