import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { GateError } from '../errors.js';
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

/** Only a regular file, checked for size before it is read. */
async function readBounded(file: string): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the stat below then refuses it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new GateError(
      'not-found',
      `cannot read report ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new GateError('report', `report ${file} is not a regular file`);
    if (stat.size > MAX_REPORT_BYTES) {
      throw new GateError('report', `report ${file} is larger than ${MAX_REPORT_BYTES} bytes`);
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
