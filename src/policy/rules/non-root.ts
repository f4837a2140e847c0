import { resolveRuntimeUser } from '../../analyze/accounts.js';
import type { AccountFacts } from '../../analyze/types.js';
import type { RuleResult } from '../verdict.js';

export type NonRootResult = RuleResult & { rule: 'non-root' };

/**
 * The image's configured user must provably run as a uid other than 0. `user` is the config's
 * `User`, resolved exactly as the Docker Engine and runc resolve it (analyze/accounts.ts) against
 * the files the runtime will read (analyze/filesystem.ts). The rule passes only with the uid
 * the runtime would run; it fails when that uid is 0, when the runtime would refuse to start the
 * container, and when the gate cannot prove what the runtime reads.
 */
export function evaluateNonRoot(user: string | undefined, facts: AccountFacts): NonRootResult {
  const given = user ?? '';
  const result = (status: 'pass' | 'fail', summary: string, uid?: number): NonRootResult => ({
    rule: 'non-root',
    status,
    summary,
    findings: status === 'fail' ? [summary] : [],
    details: { user: given, ...(uid !== undefined ? { uid } : {}) },
  });

  if (facts.status === 'unproven') {
    return result('fail', `cannot prove non-root for user "${given}": ${facts.reason}`);
  }
  if (facts.status === 'refused') {
    return result('fail', `the runtime would refuse to start the image: ${facts.reason}`);
  }
  const resolved = resolveRuntimeUser(given, facts.files);
  if (!resolved.ok) {
    return result(
      'fail',
      `user "${given}": the runtime would refuse to start the image (${resolved.refusal})`,
    );
  }
  const uid = resolved.uid;
  const name = given.split(':')[0]!;
  if (uid !== 0) return result('pass', describe(given, uid, facts.passwdPath), uid);
  if (given === '') return result('fail', 'no user set: the image runs as root', 0);
  if (name === '') return result('fail', `user "${given}" sets no user, so it runs as root`, 0);
  return result('fail', `user "${given}" runs as uid 0 (root)`, 0);
}

function describe(user: string, uid: number, passwdPath: string): string {
  const name = user.split(':')[0]!;
  return name === String(uid)
    ? `runs as uid ${uid}`
    : `runs as "${name}" (uid ${uid} in ${passwdPath})`;
}
