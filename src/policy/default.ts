import { createHash } from 'node:crypto';
import { parsePolicy } from './parse.js';
import type { LoadedPolicy } from './types.js';

/**
 * The policy used when none is given: the checks that need no configuration. No base-image rule
 * (there is no sensible default base) and only critical vulnerabilities, so that a first run on
 * an existing image is useful rather than a wall of red.
 *
 * Kept as policy text, parsed like a file, so that the default is validated by the same schema
 * and its digest identifies exactly this text in reports and attestations.
 */
export const BUILT_IN_POLICY_TEXT = `apiVersion: image-gate/v1
rules:
  non-root: true
  secrets: true
  vulnerabilities:
    severity: critical
`;

export const BUILT_IN_SOURCE = 'built-in default';

export function builtInPolicy(): LoadedPolicy {
  return {
    policy: parsePolicy(BUILT_IN_POLICY_TEXT, BUILT_IN_SOURCE),
    source: BUILT_IN_SOURCE,
    digest: sha256(Buffer.from(BUILT_IN_POLICY_TEXT, 'utf8')),
    builtIn: true,
  };
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
