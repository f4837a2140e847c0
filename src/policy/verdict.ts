import type { SecretFinding } from '../analyze/types.js';
import type { Finding, Severity } from '../scanners/finding.js';

export const RULE_NAMES = ['base-image', 'non-root', 'secrets', 'vulnerabilities'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/**
 * `error` means the rule could not be evaluated (a base that cannot be resolved, a scanner that
 * crashed). It fails the verdict: an error is never a pass.
 */
export type RuleStatus = 'pass' | 'fail' | 'warn' | 'skipped' | 'error';

export interface BaseImageDetails {
  /** The base whose diff_ids the image starts with (pass), or the closest one (fail). */
  base?: { reference: string; digest?: string; layers: number };
  /** Number of leading layers the image shares with that base. */
  sharedLayers?: number;
  /** 0-based index of the first image layer that differs from the closest base (fail). */
  firstDifferentLayer?: number;
  imageDiffId?: string;
  baseDiffId?: string;
}

/** What the secrets rule skipped and why: counts for the report. */
export interface SecretsDetails {
  /** Findings skipped by each built-in allow rule (`go-toolchain-tests`, …). */
  skippedByDefaultRule?: Record<string, number>;
  /** Findings allowed by detector id (`ssh-host-key`) in the policy. */
  allowedByDetector?: Record<string, number>;
}

export interface WaivedFinding {
  finding: Finding;
  waiver: { id: string; package?: string; reason: string; expires: string };
  expiringSoon: boolean;
}

export interface ScannerTool {
  scanner: string;
  version?: string;
  /** When the vulnerability database was built (RFC 3339). */
  dbBuiltAt?: string;
}

export interface VulnerabilityDetails {
  threshold: Severity;
  scope: 'all' | 'own-layers';
  /** Counts of all merged findings by severity, before waivers and threshold. */
  counts: Record<Severity, number>;
  /** Findings at or above the threshold that fail the rule. */
  failing: Finding[];
  waived: WaivedFinding[];
  /** Waivers whose date has passed: they no longer apply. */
  expiredWaivers: { id: string; package?: string; reason: string; expires: string }[];
  /** Findings only one scanner reported, by scanner. */
  onlyIn: Partial<Record<'trivy' | 'grype', number>>;
  scanners: string[];
  /** Each scanner's version and its database's build time, as its report records them. */
  tools?: ScannerTool[];
  /**
   * What the scan could not prove or chose to ignore, stated so it is never mistaken for a clean
   * result: workspace scanner config ignored, a report of unknown DB age accepted, no packages.
   */
  notes?: string[];
}

interface RuleResultBase {
  status: RuleStatus;
  /** One line a developer can act on. */
  summary: string;
  /** For `error`: what went wrong. */
  error?: string;
}

export type RuleResult =
  | (RuleResultBase & { rule: 'base-image'; findings: string[]; details: BaseImageDetails })
  | (RuleResultBase & {
      rule: 'non-root';
      findings: string[];
      details: { user: string; uid?: number };
    })
  | (RuleResultBase & {
      rule: 'secrets';
      findings: SecretFinding[];
      details: SecretsDetails;
    })
  | (RuleResultBase & {
      rule: 'vulnerabilities';
      findings: Finding[];
      details?: VulnerabilityDetails;
    });

export interface VerdictImage {
  reference: string;
  digest: string;
  configDigest: string;
  platform: string;
}

/**
 * The outcome of `check`: a plain, JSON-serialisable value. It is what the reports render and
 * what release-time signing will attest to, so it carries no functions or class instances.
 */
export interface Verdict {
  decision: 'pass' | 'fail';
  image: VerdictImage;
  policy: { source: string; digest: string; builtIn: boolean };
  rules: RuleResult[];
  tool: { name: 'image-gate'; version: string };
  /** ISO 8601 time the check ran. */
  checkedAt: string;
}
