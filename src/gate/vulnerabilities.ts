import { readReport } from '../commands/merge.js';
import { errorMessage, GateError } from '../errors.js';
import type { Image } from '../image/types.js';
import type { Logger } from '../log.js';
import type { ImageOnDisk, ScannerOptions } from '../scanners/exec.js';
import type { Finding, ScannerName, ScanReport } from '../scanners/finding.js';
import { scanWithGrype } from '../scanners/grype.js';
import { mergeReports } from '../scanners/merge.js';
import { childProcessRunner, type CommandRunner, findOnPath } from '../scanners/runner.js';
import { scanWithTrivy } from '../scanners/trivy.js';

export interface ScannerError {
  scanner: string;
  message: string;
}

/** What the vulnerabilities rule judges: merged findings, and what could not be scanned. */
export interface VulnerabilityInput {
  findings: Finding[];
  scanners: ScannerName[];
  errors: ScannerError[];
}

export interface CollectOptions {
  image: Image;
  reportFiles: Partial<Record<ScannerName, string>>;
  /** Scanners the policy asks for; default: every one installed. */
  scanners?: ScannerName[];
  /** Writes the image once for the scanners; called at most once. */
  imageOnDisk: () => Promise<ImageOnDisk>;
  cacheDir: string;
  maxDbAge?: string;
  timeoutMs?: number;
  runner?: CommandRunner;
  log: Logger;
}

const SCAN: Record<ScannerName, (o: ScannerOptions) => Promise<ScanReport>> = {
  trivy: scanWithTrivy,
  grype: scanWithGrype,
};

/**
 * Reads the reports given, or runs the scanners on the image the gate already read. Every
 * failure is returned as an error of the rule, never dropped: a scanner that could not run
 * proves nothing, so the verdict fails closed.
 */
export async function collectVulnerabilities(o: CollectOptions): Promise<VulnerabilityInput> {
  const given = Object.entries(o.reportFiles).filter(([, f]) => f) as [ScannerName, string][];
  const reports: ScanReport[] = [];
  const errors: ScannerError[] = [];
  if (given.length > 0) {
    for (const [scanner, file] of given) {
      try {
        const report = await readReport(file);
        assertSameImage(report, o.image, file);
        reports.push(report);
      } catch (err) {
        errors.push({ scanner, message: errorMessage(err) });
      }
    }
  } else {
    const wanted =
      o.scanners ?? (['trivy', 'grype'] as const).filter((s) => findOnPath(s) !== undefined);
    if (wanted.length === 0) {
      errors.push({
        scanner: 'trivy/grype',
        message:
          'no vulnerability scanner found on PATH: install trivy or grype, or pass --trivy-report/--grype-report',
      });
    }
    for (const scanner of wanted) {
      try {
        const image = await o.imageOnDisk();
        reports.push(
          await SCAN[scanner]({
            image,
            cacheDir: o.cacheDir,
            runner: o.runner ?? childProcessRunner,
            logger: o.log,
            ...(o.maxDbAge ? { maxDbAge: o.maxDbAge } : {}),
            ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
          }),
        );
      } catch (err) {
        errors.push({ scanner, message: errorMessage(err) });
      }
    }
  }
  return {
    findings: mergeReports(reports, { layerOrder: o.image.config.rootfs.diff_ids }),
    scanners: [...new Set(reports.map((r) => r.scanner))],
    errors,
  };
}

/**
 * A report of another image must not judge this one. Layer diffIDs are compared when the report
 * has them; otherwise its image ID (config digest) or repo digests (manifest digest).
 */
export function assertSameImage(report: ScanReport, image: Image, file: string): void {
  const diffIds = image.config.rootfs.diff_ids;
  if (report.layerDiffIds) {
    if (report.layerDiffIds.join() === diffIds.join()) return;
    throw mismatch(
      file,
      `its layers (${report.layerDiffIds.length}) are not the image's (${diffIds.length})`,
    );
  }
  const digests = report.imageIds.map((id) => /sha256:[a-f0-9]{64}$/.exec(id)?.[0]).filter(Boolean);
  if (digests.length === 0) return;
  if (digests.includes(image.configDigest) || digests.includes(image.manifestDigest)) return;
  throw mismatch(file, `it records ${report.imageIds.join(', ')}`);
}

function mismatch(file: string, why: string): GateError {
  return new GateError('report', `report ${file} is of another image than the one checked: ${why}`);
}
