import type { Finding, ScanReport } from '../scanners/finding.js';
import { mergeReports } from '../scanners/merge.js';
import { readReport } from '../scanners/read.js';

/** Reads Trivy and Grype reports (the kind is detected from the content) and merges them. */
export async function mergeReportFiles(
  files: string[],
): Promise<{ reports: ScanReport[]; findings: Finding[] }> {
  const reports = await Promise.all(files.map((f) => readReport(f)));
  return { reports, findings: mergeReports(reports) };
}
