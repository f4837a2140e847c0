import { describe, expect, it } from 'vitest';
import type { AccountSource } from '../../../src/analyze/accounts.js';
import type { AccountFacts } from '../../../src/analyze/types.js';
import { evaluateNonRoot } from '../../../src/policy/rules/non-root.js';

const content = (text: string): AccountSource => ({ kind: 'content', bytes: Buffer.from(text) });
const absent: AccountSource = { kind: 'absent' };
const known = (passwd: AccountSource, group: AccountSource = absent): AccountFacts => ({
  status: 'known',
  files: { engine: { passwd, group }, container: { passwd, group } },
  passwdPath: '/etc/passwd',
  groupPath: '/etc/group',
});

const passwd = known(
  content(
    'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\n' +
      'nobody:x:65534:65534::/:/bin/sh\napp:x:0:0::/:/bin/sh\n',
  ),
  content('root:x:0:\napp:x:1000:\n'),
);
const missing = known(absent);

describe('evaluateNonRoot', () => {
  it.each([
    // [user, facts, status, uid, summary]
    [undefined, passwd, 'fail', 0, 'no user set: the image runs as root'],
    ['', passwd, 'fail', 0, 'no user set: the image runs as root'],
    [':1000', passwd, 'fail', 0, 'user ":1000" sets no user, so it runs as root'],
    ['0', passwd, 'fail', 0, 'user "0" runs as uid 0 (root)'],
    ['000', passwd, 'fail', 0, 'user "000" runs as uid 0 (root)'],
    ['0:1000', passwd, 'fail', 0, 'user "0:1000" runs as uid 0 (root)'],
    // Without a passwd entry the runtime cannot resolve even "root": it refuses to start.
    [
      'root',
      missing,
      'fail',
      undefined,
      'user "root": the runtime would refuse to start the image (unable to find user root: no matching entries in passwd file)',
    ],
    ['root:app', passwd, 'fail', 0, 'user "root:app" runs as uid 0 (root)'],
    ['1000', missing, 'pass', 1000, 'runs as uid 1000'],
    ['1000:0', missing, 'pass', 1000, 'runs as uid 1000'],
    ['65534:65534', passwd, 'pass', 65534, 'runs as uid 65534'],
    // Not in passwd and above 2^31-1: runc's range check refuses it.
    [
      '4294967296',
      passwd,
      'fail',
      undefined,
      'user "4294967296": the runtime would refuse to start the image (uids and gids must be in range 0-2147483647)',
    ],
    // The first entry wins.
    ['app', passwd, 'pass', 1000, 'runs as "app" (uid 1000 in /etc/passwd)'],
    ['app:app', passwd, 'pass', 1000, 'runs as "app" (uid 1000 in /etc/passwd)'],
    // A group name needs /etc/group: without it the runtime refuses to start.
    [
      'app:app',
      known(passwd.status === 'known' ? passwd.files.engine.passwd : absent),
      'fail',
      undefined,
      'user "app:app": the runtime would refuse to start the image (unable to find group app: no matching entries in group file)',
    ],
    ['toor', passwd, 'fail', 0, 'user "toor" runs as uid 0 (root)'],
    [
      'ghost',
      passwd,
      'fail',
      undefined,
      'user "ghost": the runtime would refuse to start the image (unable to find user ghost: no matching entries in passwd file)',
    ],
    [
      'app',
      missing,
      'fail',
      undefined,
      'user "app": the runtime would refuse to start the image (unable to find user app: no matching entries in passwd file)',
    ],
    [
      'app',
      { status: 'unproven', reason: '/etc/passwd is a device or FIFO' },
      'fail',
      undefined,
      'cannot prove non-root for user "app": /etc/passwd is a device or FIFO',
    ],
    [
      '1000',
      { status: 'refused', reason: 'evalSymlinksInScope: too many links in /etc/passwd' },
      'fail',
      undefined,
      'the runtime would refuse to start the image: evalSymlinksInScope: too many links in /etc/passwd',
    ],
  ] as const)('%j', (user, facts, status, uid, summary) => {
    const r = evaluateNonRoot(user, facts as AccountFacts);
    expect(r.status).toBe(status);
    expect(r.summary).toBe(summary);
    expect(r.details).toEqual({ user: user ?? '', ...(uid !== undefined ? { uid } : {}) });
    expect(r.findings).toEqual(status === 'fail' ? [summary] : []);
  });
});
