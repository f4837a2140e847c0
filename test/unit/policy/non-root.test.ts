import { describe, expect, it } from 'vitest';
import type { PasswdFacts } from '../../../src/analyze/types.js';
import { evaluateNonRoot } from '../../../src/policy/rules/non-root.js';

const passwd: PasswdFacts = {
  status: 'found',
  path: '/etc/passwd',
  entries: [
    { name: 'root', uid: 0, gid: 0 },
    { name: 'app', uid: 1000, gid: 1000 },
    { name: 'toor', uid: 0, gid: 0 },
    { name: 'nobody', uid: 65534, gid: 65534 },
    { name: 'app', uid: 0, gid: 0 },
  ],
};
const missing: PasswdFacts = { status: 'missing', reason: 'no /etc/passwd in the image' };

describe('evaluateNonRoot', () => {
  it.each([
    // [user, passwd, status, uid, summary]
    [undefined, passwd, 'fail', 0, 'no user set: the image runs as root'],
    ['', passwd, 'fail', 0, 'no user set: the image runs as root'],
    [':1000', passwd, 'fail', 0, 'user ":1000" sets no user, so it runs as root'],
    ['0', passwd, 'fail', 0, 'user "0" is uid 0 (root)'],
    ['000', passwd, 'fail', 0, 'user "000" is uid 0 (root)'],
    ['0:1000', passwd, 'fail', 0, 'user "0:1000" is uid 0 (root)'],
    ['root', missing, 'fail', 0, 'user "root" is root'],
    ['root:app', passwd, 'fail', 0, 'user "root:app" is root'],
    ['1000', missing, 'pass', 1000, 'runs as uid 1000'],
    ['1000:0', missing, 'pass', 1000, 'runs as uid 1000'],
    ['65534:65534', passwd, 'pass', 65534, 'runs as uid 65534'],
    ['4294967296', passwd, 'fail', undefined, 'user "4294967296": uid 4294967296 is out of range'],
    ['app', passwd, 'pass', 1000, 'runs as app (uid 1000 in /etc/passwd)'],
    ['app:app', passwd, 'pass', 1000, 'runs as app (uid 1000 in /etc/passwd)'],
    ['toor', passwd, 'fail', 0, 'user "toor" has uid 0 in /etc/passwd: it is root'],
    [
      'ghost',
      passwd,
      'fail',
      undefined,
      'cannot prove non-root: user "ghost" is not in /etc/passwd',
    ],
    [
      'app',
      missing,
      'fail',
      undefined,
      'cannot prove non-root: user "app" needs /etc/passwd, which is missing (no /etc/passwd in the image)',
    ],
  ] as const)('%j', (user, facts, status, uid, summary) => {
    const r = evaluateNonRoot(user, facts);
    expect(r.status).toBe(status);
    expect(r.summary).toBe(summary);
    expect(r.details).toEqual({ user: user ?? '', ...(uid !== undefined ? { uid } : {}) });
    expect(r.findings).toEqual(status === 'fail' ? [summary] : []);
  });
});
