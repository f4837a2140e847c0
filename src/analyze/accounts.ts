/**
 * The container runtime's user resolution, emulated byte for byte.
 *
 * Docker Engine 20.10 (daemon/oci_linux.go `getUser`) resolves the image's `User` with runc's
 * libcontainer/user `GetExecUser` (runc 1.1.x, the version Debian builds the engine against)
 * over the container's /etc/passwd and /etc/group, then narrows the ids to uint32 and hands
 * "uid:gid" plus the group list to runc, which resolves them once more inside the container
 * (libcontainer/init_linux.go `setupUser`) before setgroups/setgid/setuid.
 *
 * Written by hand on purpose: no library parses these files the way libcontainer does, and a gate
 * that parses them differently can be made to pass an image that runs as root (a broken line
 * before a good one, a uid of 2^32, a name field with no uid). Every quirk here is proven against
 * the real engine by test/itg/non-root-oracle.test.ts.
 *
 * Byte strings are held as latin1 strings (one char per byte), because Go compares names as bytes:
 * decoding UTF-8 would make two different names equal.
 */

/** What opening and reading one account file gives the runtime. */
export type AccountSource =
  /** Opened and read: its bytes. */
  | { kind: 'content'; bytes: Buffer }
  /** `os.Open` failed (no such file): the runtime treats the file as not there at all. */
  | { kind: 'absent' }
  /** Opened but unreadable (a directory: EISDIR): an error whenever the runtime consults it. */
  | { kind: 'unreadable'; reason: string };

/** The files as the engine (dockerd) reads them, and as runc reads them inside the container. */
export interface RuntimeAccountFiles {
  engine: { passwd: AccountSource; group: AccountSource };
  container: { passwd: AccountSource; group: AccountSource };
}

export type RuntimeUser =
  | { ok: true; uid: number; gid: number; groups: number[] }
  /** The runtime refuses to start the container, with (about) the message it gives. */
  | { ok: false; refusal: string };

/** libcontainer's range for a uid/gid that is not found in the files (`1<<31 - 1`). */
const MAX_ID = 2n ** 31n - 1n;
/** bufio.Scanner's default token limit: a longer passwd line makes the whole parse fail. */
const MAX_SCAN_LINE = 64 * 1024;
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** setuid/setgid/setgroups reject (uid_t)-1. */
const INVALID_ID = 2n ** 32n - 1n;

// ---------------------------------------------------------------------------------------------
// Go's strconv.Atoi on a 64-bit platform, with the error libcontainer ignores.
// ---------------------------------------------------------------------------------------------

export interface GoInt {
  value: bigint;
  ok: boolean;
}

/**
 * `strconv.Atoi`: a sign and decimal digits; on a syntax error the value is 0, on overflow it is
 * clamped to the int64 range (and the error is reported). Strings shorter than 19 bytes take
 * Go's fast path, longer ones `ParseInt`, which stops at the first overflowing digit before it
 * sees any later garbage.
 */
export function atoi(s: string): GoInt {
  if (s.length > 0 && s.length < 19) {
    const signed = s[0] === '-' || s[0] === '+';
    const body = signed ? s.slice(1) : s;
    if (!/^[0-9]+$/.test(body)) return { value: 0n, ok: false };
    const n = BigInt(body);
    return { value: s[0] === '-' ? -n : n, ok: true };
  }
  if (s === '') return { value: 0n, ok: false };
  const neg = s[0] === '-';
  const un = parseUint64(s[0] === '+' || neg ? s.slice(1) : s);
  if (un === 'syntax') return { value: 0n, ok: false };
  const cutoff = 2n ** 63n;
  if (!neg && un.value >= cutoff) return { value: INT64_MAX, ok: false };
  if (neg && un.value > cutoff) return { value: -cutoff, ok: false };
  return { value: neg ? -un.value : un.value, ok: true };
}

function parseUint64(s: string): { value: bigint } | 'syntax' {
  if (s === '') return 'syntax';
  const cutoff = UINT64_MAX / 10n + 1n;
  let n = 0n;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return 'syntax';
    if (n >= cutoff) return { value: UINT64_MAX }; // overflow: ErrRange, the value clamped
    n = n * 10n + BigInt(c - 48);
    if (n > UINT64_MAX) return { value: UINT64_MAX };
  }
  return { value: n };
}

/** Go's `uint32(int)`: the low 32 bits, so 2^32 becomes 0 and -1 becomes 4294967295. */
export function narrow32(n: bigint): bigint {
  return BigInt.asUintN(32, n);
}

// ---------------------------------------------------------------------------------------------
// Lines, as bufio.Scanner / bufio.Reader and bytes.TrimSpace give them.
// ---------------------------------------------------------------------------------------------

const ASCII_SPACE = new Set(['\t', '\n', '\v', '\f', '\r', ' ']);
/** Unicode White_Space outside ASCII, UTF-8 encoded, as latin1 byte strings. */
const UNICODE_SPACE = [
  '\u0085',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
].map((c) => Buffer.from(c, 'utf8').toString('latin1'));

/** `bytes.TrimSpace`: ASCII white space and the Unicode White_Space runes, valid UTF-8 only. */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  for (;;) {
    if (start < end && ASCII_SPACE.has(s[start]!)) start++;
    else {
      const w = UNICODE_SPACE.find((u) => s.startsWith(u, start) && start + u.length <= end);
      if (!w) break;
      start += w.length;
    }
  }
  for (;;) {
    if (end > start && ASCII_SPACE.has(s[end - 1]!)) end--;
    else {
      const w = UNICODE_SPACE.find((u) => end - u.length >= start && s.endsWith(u, end));
      if (!w) break;
      end -= w.length;
    }
  }
  return s.slice(start, end);
}

/** bufio.Scanner with ScanLines: `\n` ends a line, one trailing `\r` is dropped. */
function scannerLines(bytes: Buffer): string[] | { error: string } {
  const lines: string[] = [];
  for (let start = 0; start < bytes.length;) {
    const nl = bytes.indexOf(10, start);
    const end = nl === -1 ? bytes.length : nl;
    if (end - start >= MAX_SCAN_LINE) return { error: 'bufio.Scanner: token too long' };
    const line = bytes.toString('latin1', start, end);
    lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    start = end + 1;
  }
  return lines;
}

/** bufio.Reader.ReadLine: no length limit. */
function readerLines(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

export interface PasswdLine {
  name: string;
  uid: bigint;
  gid: bigint;
}

export interface GroupLine {
  name: string;
  gid: bigint;
  members: string[];
}

/**
 * `ParsePasswdFilter`: every non-blank line is an entry, trimmed of white space. There are no
 * comments, and missing or unparsable numeric fields are 0: the line `app` is app with uid 0.
 */
export function parsePasswdLines(bytes: Buffer): PasswdLine[] | { error: string } {
  const lines = scannerLines(bytes);
  if ('error' in lines) return lines;
  const out: PasswdLine[] = [];
  for (const raw of lines) {
    const line = trimSpace(raw);
    if (line === '') continue;
    const f = line.split(':');
    out.push({ name: f[0]!, uid: atoi(f[2] ?? '').value, gid: atoi(f[3] ?? '').value });
  }
  return out;
}

/** `ParseGroupFilter` (runc 1.1): trimmed lines; blank lines and `#` comments are skipped. */
export function parseGroupLines(bytes: Buffer): GroupLine[] {
  const out: GroupLine[] = [];
  for (const raw of readerLines(bytes)) {
    const line = trimSpace(raw);
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const list = f[3];
    out.push({
      name: f[0]!,
      gid: atoi(f[2] ?? '').value,
      members: list === undefined || list === '' ? [] : list.split(','),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GetExecUser
// ---------------------------------------------------------------------------------------------

interface ExecUser {
  uid: bigint;
  gid: bigint;
  sgids: bigint[];
}

type Exec = ExecUser | { refusal: string };

/** libcontainer's `GetExecUser(spec, defaults{0, 0}, passwd, group)`, spec as a byte string. */
export function getExecUser(spec: string, passwd: AccountSource, group: AccountSource): Exec {
  const parts = spec.split(':');
  const userArg = parts[0]!;
  const groupArg = parts[1] ?? '';
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);
  const user: ExecUser = { uid: 0n, gid: 0n, sgids: [] };

  let matched: PasswdLine | undefined;
  if (passwd.kind === 'unreadable') {
    return { refusal: `unable to find user ${userArg || '0'}: ${passwd.reason}` };
  }
  if (passwd.kind === 'content') {
    const entries = parsePasswdLines(passwd.bytes);
    if ('error' in entries)
      return { refusal: `unable to find user ${userArg || '0'}: ${entries.error}` };
    // The first match wins, even when there are more.
    matched = entries.find((u) =>
      userArg === '' ? u.uid === user.uid : uidArg.ok ? u.uid === uidArg.value : u.name === userArg,
    );
  }
  if (matched) {
    user.uid = matched.uid;
    user.gid = matched.gid;
  } else if (userArg !== '') {
    // Only a number may be missing from passwd; it must then be in range.
    if (!uidArg.ok) {
      return { refusal: `unable to find user ${userArg}: no matching entries in passwd file` };
    }
    user.uid = uidArg.value;
    if (user.uid < 0n || user.uid > MAX_ID) return { refusal: rangeError() };
  }

  const matchedName = matched?.name ?? '';
  if (groupArg === '' && matchedName === '') return user;
  if (group.kind === 'unreadable') {
    return { refusal: `unable to find groups for spec ${matchedName}: ${group.reason}` };
  }
  const groups = group.kind === 'content' ? parseGroupLines(group.bytes) : [];
  const hits = groups.filter((g) =>
    groupArg === ''
      ? g.members.includes(matchedName)
      : gidArg.ok
        ? g.gid === gidArg.value
        : g.name === groupArg,
  );
  if (groupArg !== '') {
    if (hits.length > 0) {
      user.gid = hits[0]!.gid;
    } else {
      if (!gidArg.ok) {
        return { refusal: `unable to find group ${groupArg}: no matching entries in group file` };
      }
      user.gid = gidArg.value;
      if (user.gid < 0n || user.gid > MAX_ID) return { refusal: rangeError() };
    }
  } else if (hits.length > 0) {
    user.sgids = hits.map((g) => g.gid);
  }
  return user;
}

/** `GetAdditionalGroups`: each id by name or number in group, else a number in range. */
function additionalGroups(ids: string[], group: AccountSource): bigint[] | { refusal: string } {
  if (group.kind === 'unreadable') {
    return { refusal: `Unable to find additional groups ${ids.join(' ')}: ${group.reason}` };
  }
  const groups = group.kind === 'content' ? parseGroupLines(group.bytes) : [];
  const hits = groups.filter((g) => ids.some((id) => g.name === id || g.gid.toString() === id));
  const seen = new Set<bigint>();
  for (const id of ids) {
    // A group already taken does not count as found: the id is then parsed as a number.
    const hit = hits.find((g) => (g.name === id || g.gid.toString() === id) && !seen.has(g.gid));
    if (hit) {
      seen.add(hit.gid);
      continue;
    }
    const n = atoi(id);
    if (!n.ok) return { refusal: `Unable to find group ${id}: no matching entries in group file` };
    if (n.value < 0n || n.value > MAX_ID) return { refusal: rangeError() };
    seen.add(n.value);
  }
  return [...seen];
}

function rangeError(): string {
  return `uids and gids must be in range 0-${MAX_ID}`;
}

// ---------------------------------------------------------------------------------------------
// The whole path: dockerd, then runc in the container.
// ---------------------------------------------------------------------------------------------

/**
 * The uid the container runs as for the image's `User` (a JavaScript string from the config,
 * compared as its UTF-8 bytes), or the runtime's refusal to start it.
 */
export function resolveRuntimeUser(user: string, files: RuntimeAccountFiles): RuntimeUser {
  const spec = Buffer.from(user, 'utf8').toString('latin1');
  const engine = getExecUser(spec, files.engine.passwd, files.engine.group);
  if ('refusal' in engine) return refused(engine.refusal);
  // dockerd: usr.UID = uint32(execUser.Uid), AdditionalGids = [GID, Sgids...] as uint32.
  const uid = narrow32(engine.uid);
  const gid = narrow32(engine.gid);
  const extra = [gid, ...engine.sgids.map(narrow32)];

  // runc: the same resolution of "UID:GID" inside the container, then the group list.
  const inside = files.container;
  const runc = getExecUser(`${uid}:${gid}`, inside.passwd, inside.group);
  if ('refusal' in runc) return refused(runc.refusal);
  const groups = additionalGroups(
    extra.map((g) => g.toString()),
    inside.group,
  );
  if ('refusal' in groups) return refused(groups.refusal);
  if (runc.uid === INVALID_ID || runc.gid === INVALID_ID || groups.includes(INVALID_ID)) {
    return { ok: false, refusal: 'setuid/setgid: invalid argument' };
  }
  return {
    ok: true,
    uid: Number(runc.uid),
    gid: Number(runc.gid),
    groups: groups.map(Number),
  };
}

/** A refusal message names the user as bytes: shown again as the UTF-8 text it came from. */
function refused(message: string): RuntimeUser {
  return { ok: false, refusal: Buffer.from(message, 'latin1').toString('utf8') };
}
