import type { PasswdFacts } from '../../analyze/types.js';
import type { RuleResult } from '../verdict.js';

export type NonRootResult = RuleResult & { rule: 'non-root' };

/** The largest uid runc accepts; anything above is refused or, worse, wraps around. */
const MAX_UID = 2_147_483_647;

/**
 * The image's configured user must be provably non-root. `user` is the config's `User`
 * (`name`, `uid`, `name:group`, `uid:gid`); only the user part matters, since the group does
 * not grant root. A name is trusted only through the image's own /etc/passwd, because that is
 * what the runtime resolves it with: a name it cannot find, or no passwd at all, fails.
 */
export function evaluateNonRoot(user: string | undefined, passwd: PasswdFacts): NonRootResult {
  const given = user ?? '';
  const result = (status: 'pass' | 'fail', summary: string, uid?: number): NonRootResult => ({
    rule: 'non-root',
    status,
    summary,
    findings: status === 'fail' ? [summary] : [],
    details: { user: given, ...(uid !== undefined ? { uid } : {}) },
  });

  const name = given.split(':')[0]!;
  if (name === '') {
    // `:1000` sets only the group; the runtime then runs as uid 0 like an unset user.
    return result(
      'fail',
      given === ''
        ? 'no user set: the image runs as root'
        : `user "${given}" sets no user, so it runs as root`,
      0,
    );
  }
  if (/^\d+$/.test(name)) {
    const uid = Number(name);
    if (uid === 0) return result('fail', `user "${given}" is uid 0 (root)`, 0);
    if (uid > MAX_UID) return result('fail', `user "${given}": uid ${name} is out of range`);
    return result('pass', `runs as uid ${uid}`, uid);
  }
  if (name === 'root') return result('fail', `user "${given}" is root`, 0);
  if (passwd.status === 'missing') {
    return result(
      'fail',
      `cannot prove non-root: user "${name}" needs /etc/passwd, which is missing (${passwd.reason})`,
    );
  }
  // The first entry wins, as in the C library's getpwnam that runtimes mirror.
  const entry = passwd.entries.find((e) => e.name === name);
  if (!entry) {
    return result('fail', `cannot prove non-root: user "${name}" is not in ${passwd.path}`);
  }
  if (entry.uid === 0) {
    return result('fail', `user "${name}" has uid 0 in ${passwd.path}: it is root`, 0);
  }
  return result('pass', `runs as ${name} (uid ${entry.uid} in ${passwd.path})`, entry.uid);
}
