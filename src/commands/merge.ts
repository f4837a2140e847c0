import { readFile } from 'node:fs/promises';
import { GateError } from '../errors.js';
import type { Finding, ScanReport } from '../scanners/finding.js';
import { parseReportText } from '../scanners/detect.js';
import { mergeReports } from '../scanners/merge.js';

/** Reads Trivy and Grype reports (the kind is detected from the content) and merges them. */
export async function mergeReportFiles(
  files: string[],
): Promise<{ reports: ScanReport[]; findings: Finding[] }> {
  const reports = await Promise.all(files.map(readReport));
  return { reports, findings: mergeReports(reports) };
}

export async function readReport(file: string): Promise<ScanReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GateError(
      'not-found',
      `cannot read report ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  return parseReportText(text, file);
}
