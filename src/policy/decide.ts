import type { LoadedPolicy, Policy } from './types.js';
import { RULE_NAMES } from './verdict.js';
import type { RuleName, RuleResult, Verdict, VerdictImage } from './verdict.js';

/** Fails when any rule fails or could not be evaluated; `warn` and `skipped` do not fail. */
export function decide(rules: readonly RuleResult[]): 'pass' | 'fail' {
  return rules.some((r) => r.status === 'fail' || r.status === 'error') ? 'fail' : 'pass';
}

/** Whether the policy asks for a rule (`non-root: false` and `secrets: false` do not). */
export function ruleEnabled(policy: Policy, rule: RuleName): boolean {
  const config = policy.rules[rule];
  return config !== undefined && config !== false;
}

/** The result of a rule the policy does not ask for. */
export function skippedRule(policy: Policy, rule: RuleName): RuleResult {
  const summary =
    policy.rules[rule] === false ? `disabled in the policy (${rule}: false)` : 'not in the policy';
  return withoutFindings(rule, { status: 'skipped', summary });
}

function notEvaluated(rule: RuleName): RuleResult {
  return withoutFindings(rule, {
    status: 'error',
    summary: 'the policy asks for this rule but it was not evaluated',
    error: 'rule not evaluated',
  });
}

/** A rule result with no findings and empty details, of the shape each rule's result has. */
function withoutFindings(
  rule: RuleName,
  common: { status: 'skipped' | 'error'; summary: string; error?: string },
): RuleResult {
  switch (rule) {
    case 'base-image':
    case 'secrets':
      return { rule, ...common, findings: [], details: {} };
    case 'non-root':
      return { rule, ...common, findings: [], details: { user: '' } };
    case 'vulnerabilities':
      return { rule, ...common, findings: [] };
  }
}

export interface VerdictInput {
  image: VerdictImage;
  policy: LoadedPolicy;
  /** Results of the rules that were evaluated, in any order. */
  results: readonly RuleResult[];
  toolVersion: string;
  checkedAt: Date;
}

/**
 * The verdict, with one result per rule in a fixed order. The policy decides which rules
 * count: a rule it does not ask for is `skipped` whatever was passed in, and a rule it asks for
 * that has no result is an `error` (fail closed: a forgotten rule must not read as a pass).
 */
export function buildVerdict(input: VerdictInput): Verdict {
  const { policy } = input.policy;
  const rules = RULE_NAMES.map((name) => {
    if (!ruleEnabled(policy, name)) return skippedRule(policy, name);
    return input.results.find((r) => r.rule === name) ?? notEvaluated(name);
  });
  return {
    decision: decide(rules),
    image: { ...input.image },
    policy: {
      source: input.policy.source,
      digest: input.policy.digest,
      builtIn: input.policy.builtIn,
    },
    rules,
    tool: { name: 'image-gate', version: input.toolVersion },
    checkedAt: input.checkedAt.toISOString(),
  };
}
