import { GateError } from '../errors.js';
import { openRegular } from '../image/sources/regular-file.js';
import { parseReportText } from './detect.js';
import type { ScannerName, ScanReport } from './finding.js';

/** Larger than any real report we have seen by two orders of magnitude; bounds memory. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a report file (the kind is detected from its content). When `expected` is given (the
 * report came with `--trivy-report` or `--grype-report`), a report of the other scanner is an
 * error: it would be merged under the wrong name, and the scanner asked for never ran.
 */
export async function readReport(file: string, expected?: ScannerName): Promise<ScanReport> {
  const report = parseReportText(await readBounded(file), file);
  if (expected !== undefined && report.scanner !== expected) {
    throw new GateError(
      'report',
      `${file} is a ${report.scanner} report, given as the ${expected} report`,
    );
  }
  return report;
}

/** Only a regular file (a FIFO or /dev/zero is refused before any read), size checked first. */
async function readBounded(file: string): Promise<string> {
  const { fh, stat } = await openRegular(file, `report ${file}`, true);
  try {
    if (stat.size > MAX_REPORT_BYTES) {
      throw new GateError('report', `report ${file} is larger than ${MAX_REPORT_BYTES} bytes`);
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
