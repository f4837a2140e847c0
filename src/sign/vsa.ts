import type { RuleResult, Verdict } from '../policy/verdict.js';
import { VERSION } from '../version.js';
import { PredicateTypes, statement, type Statement } from './formats.js';
import { safeText } from '../redact.js';

/** Where image-gate puts its own facts inside the VSA predicate (SLSA: extensions are URI-keyed). */
export const VERDICT_KEY = 'https://github.com/image-gate/image-gate/verdict/v1';
export const DEFAULT_VERIFIER_ID = 'https://github.com/image-gate/image-gate';
/** image-gate's own level names (SLSA forbids custom values starting with `SLSA_`). */
export const LEVEL_PREFIX = 'IMAGE_GATE_';

/** The VSA predicate fields image-gate writes and `verify` reads back. */
export interface VsaPredicate {
  verifier: { id: string; version: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: { uri: string; digest: Record<string, string> };
  verificationResult: 'PASSED' | 'FAILED';
  verifiedLevels: string[];
  slsaVersion: string;
  [VERDICT_KEY]: {
    decision: Verdict['decision'];
    platform: string;
    gatedManifest: string;
    rules: { rule: string; status: string; summary: string }[];
    vulnerabilities?: {
      counts: Record<string, number>;
      threshold: string;
      scanners: string[];
      /** Scanner versions and database build times. */
      tools: { scanner: string; version?: string; dbBuiltAt?: string }[];
      waived: number;
    };
  };
}

export interface VsaSubject {
  /** `registry/repository`, the subject's name. */
  name: string;
  /** The digest signed: the index digest for a multi-platform image. */
  digest: string;
}

/**
 * The verdict as a SLSA Verification Summary statement about `subject`. A failing verdict
 * yields FAILED; the signer refuses to sign it (cosign verify accepts bundles of any predicate,
 * so a signed FAILED summary would read as an approval).
 */
export function verdictStatement(
  verdict: Verdict,
  subject: VsaSubject,
  verifierId: string = DEFAULT_VERIFIER_ID,
): Statement {
  const vulns = verdict.rules.find(
    (r): r is Extract<RuleResult, { rule: 'vulnerabilities' }> => r.rule === 'vulnerabilities',
  );
  const passed = verdict.decision === 'pass';
  const predicate: VsaPredicate = {
    verifier: { id: verifierId, version: { 'image-gate': verdict.tool.version || VERSION } },
    timeVerified: verdict.checkedAt,
    resourceUri: `oci://${subject.name}@${subject.digest}`,
    policy: {
      uri: verdict.policy.builtIn ? `${DEFAULT_VERIFIER_ID}/policy/default` : verdict.policy.source,
      digest: { sha256: verdict.policy.digest.replace(/^sha256:/, '') },
    },
    verificationResult: passed ? 'PASSED' : 'FAILED',
    verifiedLevels: passed ? levels(verdict) : [],
    slsaVersion: '1.1',
    [VERDICT_KEY]: {
      decision: verdict.decision,
      platform: verdict.image.platform,
      gatedManifest: verdict.image.digest,
      // A summary quotes image text (a user name, a path): the signed statement is published in
      // the registry, so it gets the same masking as every other output.
      rules: verdict.rules.map((r) => ({
        rule: r.rule,
        status: r.status,
        summary: safeText(r.summary),
      })),
      ...(vulns?.details
        ? {
            vulnerabilities: {
              counts: { ...vulns.details.counts },
              threshold: vulns.details.threshold,
              scanners: [...vulns.details.scanners],
              tools: (vulns.details.tools ?? []).map((t) => ({ ...t })),
              waived: vulns.details.waived.length,
            },
          }
        : {}),
    },
  };
  return statement(
    subject.name,
    subject.digest,
    PredicateTypes.vsa,
    predicate as unknown as Record<string, unknown>,
  );
}

/** `IMAGE_GATE_POLICY_PASSED` plus one level per rule that passed, e.g. `IMAGE_GATE_NON_ROOT`. */
function levels(verdict: Verdict): string[] {
  return [
    `${LEVEL_PREFIX}POLICY_PASSED`,
    ...verdict.rules
      .filter((r) => r.status === 'pass')
      .map((r) => `${LEVEL_PREFIX}${r.rule.toUpperCase().replace(/-/g, '_')}`),
  ];
}
