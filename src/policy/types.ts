import type { Severity } from '../scanners/finding.js';

/** An allowed base: an image reference to resolve, or diff_ids pinned offline. */
export type AllowedBase =
  { reference: string } | { digest?: string; diffIds: string[]; name?: string };

export interface Waiver {
  id: string;
  package?: string;
  reason: string;
  /** ISO date (YYYY-MM-DD): the last day the waiver applies. */
  expires: string;
}

/** A validated policy. A rule that is absent is not evaluated. */
export interface Policy {
  apiVersion: 'image-gate/v1';
  rules: {
    'base-image'?: {
      allowed: AllowedBase[];
      /** The matched base must be signed by this key (path relative to the policy file). */
      requireSignature?: { key: string };
    };
    'non-root'?: boolean;
    secrets?:
      | {
          allowPaths: string[];
          /** `default-allow-rules: false`: the built-in test-fixture rules are off. */
          defaultAllowRules?: false;
          /** Detectors allowed by name, with the reason (`ssh-host-key`). */
          allowDetectors?: { detector: string; reason: string }[];
        }
      | boolean;
    vulnerabilities?: {
      severity: Severity;
      ignoreUnfixed: boolean;
      ignore: Waiver[];
      scanners?: ('trivy' | 'grype')[];
      scope: 'all' | 'own-layers';
      /** e.g. `24h`; a scanner database older than this fails closed. */
      maxDbAge?: string;
      /** Seconds a scanner may run before it is killed. */
      timeout?: number;
      /** A report that does not record its database's build time is accepted (and says so). */
      acceptUnknownDbAge: boolean;
      /** A scan that catalogued no packages at all fails instead of being noted. */
      failOnNoPackages: boolean;
    };
  };
}

/** A policy with where it came from, for the report. */
export interface LoadedPolicy {
  policy: Policy;
  /** File path, or `built-in default`. */
  source: string;
  /** sha256 of the file bytes (or of the canonical built-in text). */
  digest: string;
  builtIn: boolean;
}
