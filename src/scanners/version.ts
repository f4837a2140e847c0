import semver from 'semver';
import { GateError } from '../errors.js';
import type { ScannerName } from './finding.js';

/**
 * The releases whose report format the parsers were checked against (the pinned ones included:
 * Trivy 0.74.0, Grype 0.121.3). Outside the range a report could parse "successfully" into
 * something wrong, so it is an error rather than a silent misparse. Widen after checking.
 */
export const SUPPORTED_VERSIONS: Record<ScannerName, string> = {
  trivy: '>=0.50.0 <0.75.0',
  grype: '>=0.80.0 <0.122.0',
};

/** Fails unless `reported` (as the scanner prints it: `0.74.0`, `v0.74.0`) is in the range. */
export function assertSupportedVersion(scanner: ScannerName, reported: string | undefined): string {
  const range = SUPPORTED_VERSIONS[scanner];
  const version = semver.clean(reported ?? '');
  if (version === null) {
    throw new GateError(
      'scanner',
      `cannot tell which ${scanner} release this is (it reports version "${reported ?? ''}"); ` +
        `image-gate supports ${scanner} ${range}`,
    );
  }
  if (!semver.satisfies(version, range)) {
    const side = semver.ltr(version, range) ? 'too old' : 'too new';
    throw new GateError(
      'scanner',
      `${scanner} ${version} is ${side}: image-gate reads the report format of ${scanner} ${range}`,
    );
  }
  return version;
}
