import semver from 'semver';
import { GateError } from '../errors.js';

/**
 * The Node versions sigstore's npm packages declare. Signing and verifying load them, so those
 * commands refuse older runtimes up front with a clear message instead of failing half-way;
 * `check` without `--sign` never loads them and keeps running on Node 20.
 */
export const SIGNING_NODE_RANGE = '^22.22.2 || ^24.15.0 || >=26.0.0';

/** Throws GateError('usage') (exit 2) when this Node cannot run sigstore's packages. */
export function requireSigningNode(what: string, version: string = process.versions.node): void {
  if (semver.satisfies(version, SIGNING_NODE_RANGE)) return;
  throw new GateError(
    'usage',
    `${what} needs Node.js ${SIGNING_NODE_RANGE.replace(/ \|\| /g, ', ')} (sigstore's packages require it); this is Node.js ${version}. The gate itself (check without --sign) runs on Node.js 20`,
  );
}
