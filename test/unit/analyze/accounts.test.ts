/**
 * The runtime's user resolution, rule by rule. Each case names the rule of runc's
 * libcontainer/user (1.1), Go's strconv or dockerd 20.10 it proves; the same behaviour is
 * checked against the real engine by test/itg/non-root-oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  atoi,
  getExecUser,
  narrow32,
  parseGroupLines,
  parsePasswdLines,
  resolveRuntimeUser,
  trimSpace,
  type AccountSource,
} from '../../../src/analyze/accounts.js';

const text = (s: string | Buffer): AccountSource => ({
  kind: 'content',
  bytes: typeof s === 'string' ? Buffer.from(s) : s,
});
const absent: AccountSource = { kind: 'absent' };
const dir: AccountSource = { kind: 'unreadable', reason: 'read /etc/x: is a directory' };
const ROOT = 'root:x:0:0:root:/root:/bin/sh\n';
const APP = 'app:x:1000:1000::/:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\n';

/** The uid the runtime runs, or 'refused'. */
function run(user: string, passwd: AccountSource, group: AccountSource = text(GROUP)) {
  const r = resolveRuntimeUser(user, {
    engine: { passwd, group },
    container: { passwd, group },
  });
  return r.ok ? r.uid : 'refused';
}

describe('strconv.Atoi (64-bit), errors ignored as libcontainer does', () => {
  it.each([
    ['1000', 1000n, true, 'decimal'],
    ['+1000', 1000n, true, 'a leading + is accepted'],
    ['-1', -1n, true, 'negative numbers parse'],
    ['01000', 1000n, true, 'leading zeros'],
    ['', 0n, false, 'empty is a syntax error: 0'],
    ['+', 0n, false, 'a sign alone is a syntax error'],
    [' 1000', 0n, false, 'no white space'],
    ['1000 ', 0n, false, 'no trailing white space'],
    ['1e3', 0n, false, 'no exponent'],
    ['0x3e8', 0n, false, 'no hex'],
    ['1_000', 0n, false, 'no underscores with base 10'],
    ['0000000000000000001000', 1000n, true, '19 bytes or more take ParseInt, same value'],
    ['99999999999999999999', 2n ** 63n - 1n, false, 'overflow clamps to MaxInt64'],
    ['99999999999999999999zz', 2n ** 63n - 1n, false, 'ParseInt stops at the overflow first'],
    ['-99999999999999999999', -(2n ** 63n), false, 'negative overflow clamps to MinInt64'],
    ['9223372036854775807', 2n ** 63n - 1n, true, 'MaxInt64 itself is fine'],
  ])('%j → %s (%s, %s)', (s, value, ok) => {
    expect(atoi(s)).toEqual({ value, ok });
  });

  it('dockerd narrows to uint32: 2^32 is 0, -1 is 4294967295, MinInt64 is 0', () => {
    expect(narrow32(2n ** 32n)).toBe(0n);
    expect(narrow32(2n ** 32n + 1000n)).toBe(1000n);
    expect(narrow32(-1n)).toBe(4294967295n);
    expect(narrow32(-(2n ** 63n))).toBe(0n);
    expect(narrow32(2n ** 63n - 1n)).toBe(4294967295n);
  });
});

describe('bytes.TrimSpace', () => {
  const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  it.each([
    ['  app ', 'app', 'ASCII spaces'],
    ['\t\v\f\rapp', 'app', 'ASCII white space'],
    ['\u00a0app\u3000', 'app', 'Unicode White_Space (NBSP, ideographic space)'],
    ['\u2028\u0085app', 'app', 'line separator and NEL'],
    ['\u200bapp', '\u200bapp', 'a zero-width space is not white space'],
    ['\u0000app', '\u0000app', 'NUL is not white space'],
  ])('%j → %j (%s)', (input, output) => {
    expect(trimSpace(latin1(input))).toBe(latin1(output));
  });
  it('a lone 0xA0 byte is invalid UTF-8, not a space', () => {
    expect(trimSpace('\xa0app')).toBe('\xa0app');
  });
});

describe('ParsePasswdFilter', () => {
  it('every non-blank line is an entry: no comments, missing numbers are 0', () => {
    expect(parsePasswdLines(Buffer.from('#c:x:5:5\napp\n\n  \nb:x\n c:x:7:8 \n'))).toEqual([
      { name: '#c', uid: 5n, gid: 5n },
      { name: 'app', uid: 0n, gid: 0n },
      { name: 'b', uid: 0n, gid: 0n },
      { name: 'c', uid: 7n, gid: 8n },
    ]);
  });
  it('CRLF and a missing final newline', () => {
    expect(parsePasswdLines(Buffer.from('a:x:1:1\r\nb:x:2:2'))).toEqual([
      { name: 'a', uid: 1n, gid: 1n },
      { name: 'b', uid: 2n, gid: 2n },
    ]);
  });
  it('bufio.Scanner: a line of 65536 bytes or more fails the whole parse', () => {
    expect(parsePasswdLines(Buffer.from('x'.repeat(65535) + '\n' + APP))).toHaveLength(2);
    expect(parsePasswdLines(Buffer.from('x'.repeat(65536) + '\n' + APP))).toEqual({
      error: 'bufio.Scanner: token too long',
    });
    expect(parsePasswdLines(Buffer.from(APP + 'x'.repeat(65536)))).toHaveProperty('error');
  });
});

describe('ParseGroupFilter (runc 1.1)', () => {
  it('trims lines, skips blank lines and # comments, splits members', () => {
    expect(
      parseGroupLines(Buffer.from('  staff:x:50:a,b\n#g:x:1:\n\nempty:x:7:\nshort\n')),
    ).toEqual([
      { name: 'staff', gid: 50n, members: ['a', 'b'] },
      { name: 'empty', gid: 7n, members: [] },
      { name: 'short', gid: 0n, members: [] },
    ]);
  });
});

describe('GetExecUser', () => {
  it('the first matching entry wins', () => {
    expect(getExecUser('app', text('app:x:0:0\n' + APP), absent)).toMatchObject({ uid: 0n });
  });
  it('a number is always a uid, never a name; its entry gives the gid', () => {
    expect(getExecUser('1000', text('1000:x:0:0\nb:x:1000:5\n'), absent)).toMatchObject({
      uid: 1000n,
      gid: 5n,
    });
  });
  it('an Atoi overflow is not a number: it is looked up as a name', () => {
    expect(getExecUser('99999999999999999999', text(ROOT), absent)).toEqual({
      refusal: 'unable to find user 99999999999999999999: no matching entries in passwd file',
    });
  });
  it('a number not in passwd must be in 0..2^31-1', () => {
    expect(getExecUser('2147483647', text(ROOT), absent)).toMatchObject({ uid: 2147483647n });
    expect(getExecUser('2147483648', text(ROOT), absent)).toHaveProperty('refusal');
    expect(getExecUser('-1', text(ROOT), absent)).toHaveProperty('refusal');
  });
  it('a number found in passwd is not range-checked', () => {
    expect(getExecUser('2147483648', text('big:x:2147483648:1\n'), absent)).toMatchObject({
      uid: 2147483648n,
    });
  });
  it('no passwd: numbers run, names are refused', () => {
    expect(getExecUser('1000:50', absent, absent)).toMatchObject({ uid: 1000n, gid: 50n });
    expect(getExecUser('app', absent, absent)).toHaveProperty('refusal');
  });
  it('an unreadable passwd is refused even for a number or no user', () => {
    expect(getExecUser('1000', dir, absent)).toHaveProperty('refusal');
    expect(getExecUser('', dir, absent)).toHaveProperty('refusal');
  });
  it('no user: the first uid-0 entry, with its supplementary groups', () => {
    expect(getExecUser('', text(ROOT), text('wheel:x:10:root\n'))).toEqual({
      uid: 0n,
      gid: 0n,
      sgids: [10n],
    });
  });
  it('groups: by name, by number, unknown name refused, number out of range refused', () => {
    const p = text(ROOT + APP);
    expect(getExecUser('app:staff', p, text('staff:x:50:\n'))).toMatchObject({ gid: 50n });
    expect(getExecUser('app:77', p, absent)).toMatchObject({ gid: 77n });
    expect(getExecUser('app:nogroup', p, text(GROUP))).toHaveProperty('refusal');
    expect(getExecUser('app:4294967296', p, absent)).toHaveProperty('refusal');
  });
  it('only the first two fields of the spec count', () => {
    expect(getExecUser('app:staff:x', text(APP), text('staff:x:50:\n'))).toMatchObject({
      uid: 1000n,
      gid: 50n,
    });
  });
  it('an unreadable group file is refused when groups are looked up', () => {
    expect(getExecUser('app', text(APP), dir)).toHaveProperty('refusal');
    expect(getExecUser('4242', text(APP), dir)).toMatchObject({ uid: 4242n });
  });
});

describe('the whole runtime: dockerd, then runc inside the container', () => {
  it.each([
    ['app', ROOT + APP, 1000, 'a name'],
    ['app', ROOT + '  app:x:0:0\n' + APP, 0, 'a trimmed line before the good one'],
    ['app', ROOT + 'app\n' + APP, 0, 'a broken line before the good one is uid 0'],
    ['app', ROOT + 'app:x: 1000:1000\n', 0, 'an unparsable uid is 0'],
    ['app', ROOT + 'app:x:4294967296:1000\n', 0, 'uid 2^32 narrows to 0'],
    ['app', ROOT + 'app:x:4294968296:1000\n', 1000, 'uid 2^32+1000 narrows to 1000'],
    ['app', ROOT + 'app:x:-99999999999999999999:1\n', 0, 'MinInt64 narrows to 0'],
    ['app', ROOT + 'app:x:-1:1000\n', 'refused', '-1 → 4294967295, out of range in runc'],
    ['app', ROOT + 'app:x:4294967295:1000\n', 'refused', 'setuid(-1) is EINVAL'],
    ['app', ROOT + 'app:x:4294967294:1000\n', 4294967294, 'the largest valid uid'],
    ['app', ROOT + 'app:x:1000:-1\n', 'refused', 'gid -1 → out of range in runc'],
    ['+0', ROOT, 0, 'a signed number'],
    [':1000', ROOT, 0, 'a group without a user'],
    ['root', 'root:x:1000:1000\n', 1000, '"root" is only a name'],
  ] as const)('USER %j over %j → %s (%s)', (user, passwd, uid, _why) => {
    expect(run(user, text(passwd))).toBe(uid);
  });

  it('USER is compared as UTF-8 bytes: 0xFF in passwd is not U+FFFD', () => {
    const passwd = Buffer.concat([
      Buffer.from([0xff]),
      Buffer.from(':x:1000:1000\n\ufffd:x:0:0\n'),
    ]);
    expect(run('\ufffd', text(passwd))).toBe(0);
  });

  it('a supplementary gid that narrows out of range is refused by runc', () => {
    expect(run('app', text(ROOT + APP), text(GROUP + 'neg:x:-5:app\n'))).toBe('refused');
    expect(run('app', text(ROOT + APP), text(GROUP + 'big:x:3000000000:app\n'))).toBe(1000);
  });

  it('runc reads its own view: a passwd it cannot see makes uid 2^31 out of range', () => {
    const passwd = text(ROOT + 'app:x:2147483648:1000\n');
    const seen = resolveRuntimeUser('app', {
      engine: { passwd, group: text(GROUP) },
      container: { passwd: absent, group: text(GROUP) },
    });
    expect(seen).toEqual({ ok: false, refusal: 'uids and gids must be in range 0-2147483647' });
    expect(run('app', passwd)).toBe(2147483648);
  });
});

describe('messages', () => {
  it('a refusal names the user as the text it was given', () => {
    const r = resolveRuntimeUser('ü', {
      engine: { passwd: absent, group: absent },
      container: { passwd: absent, group: absent },
    });
    expect(r).toEqual({
      ok: false,
      refusal: 'unable to find user ü: no matching entries in passwd file',
    });
  });
});
