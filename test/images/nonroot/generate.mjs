#!/usr/bin/env node
// Writes the build contexts of the non-root oracle images: every passwd/group oddity and every
// layering trick, each an image the real Docker engine builds (or loads) and runs with `id`,
// so test/itg/non-root-oracle.test.ts can check that the gate's uid is the uid the engine ran.
//
//   node generate.mjs OUT_DIR BUSYBOX
//
// OUT_DIR/<case>/ is either a Dockerfile context (kind "build": FROM scratch + busybox-static,
// files copied in, RUN steps) or a hand-written docker-archive (kind "load": layers no
// Dockerfile can produce, as a hostile registry could serve them; `docker load` applies them
// exactly like a pull). OUT_DIR/cases.json lists every case: name, kind, the USER, what it
// proves and, for the few cases where the gate deliberately cannot prove the runtime's result,
// `failClosed` (a phrase of the gate's reason). Output is deterministic: same input, same bytes.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import * as tar from 'tar-stream';

const [out, busybox] = process.argv.slice(2);
if (!out || !busybox) {
  console.error('usage: generate.mjs OUT_DIR BUSYBOX');
  process.exit(2);
}

const ROOT = 'root:x:0:0:root:/root:/bin/sh\n';
const APP = 'app:x:1000:1000:app:/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\n';
const APP0 = 'app:x:0:0::/:/bin/sh\n';
const long = (n, c = 'x') => c.repeat(n);
const MTIME = new Date('2026-01-01T00:00:00Z');

/** @type {object[]} */
const cases = [];
/** A Dockerfile image: `files` copied to /, then `run` steps (busybox sh), then USER. */
const build = (name, user, why, { files = {}, run = [], failClosed } = {}) =>
  cases.push({ name, kind: 'build', user, why, files, run, failClosed });
/** A hand-made image: `layers` of tar members over a busybox layer, config User = user. */
const load = (name, user, why, layers, { failClosed } = {}) =>
  cases.push({ name, kind: 'load', user, why, layers, failClosed });
const pw = (passwd, group = GROUP) => ({ files: { 'etc/passwd': passwd, 'etc/group': group } });

// --- USER forms -------------------------------------------------------------------------------
build('user-name', 'app', 'a name resolves through passwd', pw(ROOT + APP));
build('user-uid', '1000', 'a number is a uid', pw(ROOT + APP));
build('user-uid-unlisted', '4242', 'a number not in passwd is used as it is', pw(ROOT + APP));
build('user-name-uid0', 'app', 'a name with uid 0 is root', pw(ROOT + 'app:x:0:0::/:/bin/sh\n'));
build('user-unknown', 'ghost', 'an unknown name: the engine refuses to start', pw(ROOT + APP));
build('user-root', 'root', 'root by name', pw(ROOT + APP));
build(
  'user-root-renamed',
  'root',
  '"root" is whatever passwd says',
  pw('root:x:1000:1000::/:/bin/sh\n'),
);
build('user-group-only', ':1000', 'a group without a user runs as uid 0', pw(ROOT + APP));
build(
  'user-digits-name',
  '1000',
  'a number is never a name (an entry named 1000 is ignored)',
  pw(ROOT + '1000:x:0:0::/:/bin/sh\n'),
);
build('user-leading-zeros', '01000', 'Atoi: leading zeros', pw(ROOT + APP));
build('user-plus-zero', '+0', 'Atoi takes a sign: +0 is uid 0', pw(ROOT + APP));
build('user-minus-one', '-1', 'a negative uid is out of range: refused', pw(ROOT + APP));
build(
  'user-2-32',
  '4294967296',
  'a uid of 2^32 not in passwd: refused by the range check',
  pw(ROOT + APP),
);
build('user-2-31', '2147483648', '2^31 not in passwd: refused', pw(ROOT + APP));
build(
  'user-2-31-listed',
  '2147483648',
  '2^31 in passwd: no range check, it runs',
  pw(ROOT + 'big:x:2147483648:1000::/:/bin/sh\n'),
);
build(
  'user-20-digits',
  '99999999999999999999',
  'Atoi overflows: then it is a name, not found',
  pw(ROOT + APP),
);
build(
  'user-name-group',
  'app:staff',
  'user:group by names',
  pw(ROOT + APP, GROUP + 'staff:x:50:\n'),
);
build('user-name-gid', 'app:50', 'user:gid, gid not in group', pw(ROOT + APP));
build('user-uid-gid', '1000:1000', 'uid:gid', pw(ROOT + APP));
build('user-group-missing', 'app:nogroup', 'an unknown group name: refused', pw(ROOT + APP));
build('user-gid-range', 'app:4294967296', 'a gid out of range: refused', pw(ROOT + APP));
build(
  'user-extra-fields',
  'app:staff:extra',
  'fields after the group are ignored',
  pw(ROOT + APP, GROUP + 'staff:x:50:\n'),
);
build('user-unicode', 'ü', 'names are bytes (UTF-8)', pw(ROOT + 'ü:x:1000:1000::/:/bin/sh\n'));
build(
  'user-hash-name',
  '#app',
  'passwd has no comments: "#app" is an entry',
  pw(ROOT + '#app:x:0:0::/:/bin/sh\n' + APP),
);

// --- passwd lines -----------------------------------------------------------------------------
const first = (bad) => pw(ROOT + bad + APP);
build(
  'pw-leading-space',
  'app',
  'lines are trimmed: "  app" is app',
  first('  app:x:0:0::/:/bin/sh\n'),
);
build('pw-leading-tab', 'app', 'a leading tab is trimmed', first('\tapp:x:0:0::/:/bin/sh\n'));
build(
  'pw-leading-vt',
  'app',
  'a leading vertical tab is trimmed',
  first('\vapp:x:0:0::/:/bin/sh\n'),
);
build(
  'pw-leading-nbsp',
  'app',
  'U+00A0 is trimmed (Unicode white space)',
  first('\u00a0app:x:0:0::/:/bin/sh\n'),
);
build('pw-leading-ideographic', 'app', 'U+3000 is trimmed', first('\u3000app:x:0:0::/:/bin/sh\n'));
build(
  'pw-leading-zwsp',
  'app',
  'U+200B is not white space: not app',
  first('\u200bapp:x:0:0::/:/bin/sh\n'),
);
// Every white space Go's unicode.IsSpace knows, leading a line that would make app uid 0; and
// look-alikes that are not white space (the line then names someone else).
for (const [cp, why] of [
  [0x0c, 'form feed'],
  [0x0d, 'carriage return'],
  [0x85, 'NEL'],
  [0x1680, 'Ogham space mark'],
  ...Array.from({ length: 11 }, (_, i) => [0x2000 + i, 'a general-punctuation space']),
  [0x2028, 'line separator'],
  [0x2029, 'paragraph separator'],
  [0x202f, 'narrow no-break space'],
  [0x205f, 'medium mathematical space'],
  [0x180e, 'Mongolian vowel separator (no longer white space)'],
  [0xfeff, 'byte order mark (not white space)'],
]) {
  const hex = cp.toString(16).padStart(4, '0');
  build(
    `pw-ws-${hex}`,
    'app',
    `U+${hex.toUpperCase()} ${why} before a name`,
    first(String.fromCodePoint(cp) + 'app:x:0:0::/:/bin/sh\n'),
  );
}
build('pw-name-only', 'app', 'a bare name is an entry with uid 0', first('app\n'));
build('pw-short-line', 'app', 'missing uid field is 0', first('app:x\n'));
build('pw-uid-empty', 'app', 'an empty uid is 0', first('app:x::1000::/:/bin/sh\n'));
build('pw-uid-exp', 'app', '1e3 is not a number: 0', first('app:x:1e3:1000::/:/bin/sh\n'));
build('pw-uid-hex', 'app', '0x3e8 is not a number: 0', first('app:x:0x3e8:1000::/:/bin/sh\n'));
build('pw-uid-space', 'app', '" 1000" is not a number: 0', first('app:x: 1000:1000::/:/bin/sh\n'));
build(
  'pw-uid-trailing-space',
  'app',
  '"1000 " is not a number: 0',
  first('app:x:1000 :1000::/:/bin/sh\n'),
);
build(
  'pw-uid-underscore',
  'app',
  '1_000 is not a number: 0',
  first('app:x:1_000:1000::/:/bin/sh\n'),
);
build('pw-uid-plus', 'app', '+1000 is 1000', pw(ROOT + 'app:x:+1000:1000::/:/bin/sh\n'));
build(
  'pw-uid-long-zeros',
  'app',
  'a 22-digit 1000 (slow path) is 1000',
  pw(ROOT + 'app:x:0000000000000000001000:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-2-32',
  'app',
  'uid 2^32 is narrowed to 0',
  pw(ROOT + 'app:x:4294967296:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-2-32-plus-1000',
  'app',
  'uid 2^32+1000 is narrowed to 1000',
  pw(ROOT + 'app:x:4294968296:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-minus-one',
  'app',
  'uid -1 narrows to 4294967295: refused',
  pw(ROOT + 'app:x:-1:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-max',
  'app',
  'uid 4294967295 listed: setuid(-1) is refused',
  pw(ROOT + 'app:x:4294967295:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-4294967294',
  'app',
  'uid 2^32-2 is a valid uid',
  pw(ROOT + 'app:x:4294967294:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-overflow',
  'app',
  '20 digits clamp to MaxInt64, narrowed to 4294967295: refused',
  pw(ROOT + 'app:x:99999999999999999999:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-overflow-garbage',
  'app',
  'ParseInt stops at the overflow before the garbage',
  pw(ROOT + 'app:x:99999999999999999999zz:1000::/:/bin/sh\n'),
);
build(
  'pw-uid-neg-overflow',
  'app',
  'a huge negative clamps to MinInt64, narrowed to 0',
  pw(ROOT + 'app:x:-99999999999999999999:1000::/:/bin/sh\n'),
);
build('pw-duplicate', 'app', 'the first entry wins', pw(ROOT + 'app:x:0:0::/:/bin/sh\n' + APP));
build(
  'pw-duplicate-uid',
  '1000',
  'numeric: the first entry with the uid gives the gid',
  pw(ROOT + 'a:x:1000:0::/:/bin/sh\nb:x:1000:5::/:/bin/sh\n'),
);
build('pw-crlf', 'app', 'CRLF line ends', pw((ROOT + APP).replaceAll('\n', '\r\n')));
build('pw-no-final-newline', 'app', 'the last line needs no newline', pw(ROOT + APP.trimEnd()));
build('pw-empty', 'app', 'an empty passwd: a name is refused', pw(''));
build('pw-empty-numeric', '1000', 'an empty passwd: a number runs', pw(''));
build(
  'pw-comment-first',
  'app',
  'a comment line is an entry named "# app"',
  first('# app:x:0:0::/:/bin/sh\n'),
);
build(
  'pw-name-trailing-space',
  'app',
  '"app " is not app',
  pw(ROOT + 'app :x:1000:1000::/:/bin/sh\n'),
);
build(
  'pw-long-line-numeric',
  '1000',
  'a line of 64 KiB makes the parse fail even for a number',
  pw(ROOT + long(65536) + '\n' + APP),
);
build(
  'pw-line-65535',
  'app',
  'a line of 65535 bytes still parses',
  pw(ROOT + long(65535) + '\n' + APP),
);
build(
  'pw-line-65536',
  'app',
  'a line of 65536 bytes fails the parse',
  pw(ROOT + long(65536) + '\n' + APP),
);
build(
  'pw-invalid-utf8',
  '\ufffd',
  'names compare as bytes: 0xFF is not U+FFFD',
  pw(
    Buffer.concat([
      Buffer.from(ROOT),
      Buffer.from([0xff]),
      Buffer.from(':x:1000:1000::/:/bin/sh\n\ufffd:x:0:0::/:/bin/sh\n'),
    ]),
  ),
);
build(
  'pw-huge',
  'app',
  'a 2 MiB passwd: the gate keeps at most 1 MiB',
  pw(ROOT + 'u:x:5:5::/:/bin/sh\n'.repeat(110_000) + APP),
);
cases.at(-1).failClosed = 'too large';

// --- group ------------------------------------------------------------------------------------
build(
  'gr-leading-space',
  'app:staff',
  'group lines are trimmed (runc 1.1)',
  pw(ROOT + APP, GROUP + '  staff:x:50:\n'),
);
build(
  'gr-comment',
  'app:#staff',
  'group comments are skipped (runc 1.1): refused',
  pw(ROOT + APP, GROUP + '#staff:x:50:\n'),
);
build(
  'gr-gid-minus-one',
  'app',
  'passwd gid -1 narrows to 4294967295: refused',
  pw(ROOT + 'app:x:1000:-1::/:/bin/sh\n'),
);
build(
  'gr-gid-2-32',
  'app',
  'passwd gid 2^32 narrows to 0',
  pw(ROOT + 'app:x:1000:4294967296::/:/bin/sh\n'),
);
build(
  'gr-sgid-negative',
  'app',
  'a supplementary gid -5 narrows out of range: refused',
  pw(ROOT + APP, GROUP + 'neg:x:-5:app\n'),
);
build(
  'gr-sgid-big-listed',
  'app',
  'a supplementary gid above 2^31 found in group is fine',
  pw(ROOT + APP, GROUP + 'big:x:3000000000:app\n'),
);
build(
  'gr-long-line',
  'app:staff',
  'group lines have no length limit (runc 1.1)',
  pw(ROOT + APP, GROUP + 'big:x:7:' + long(70_000, 'a,') + '\nstaff:x:50:\n'),
);
build('user-empty-group', 'app:', 'an empty group is no group', pw(ROOT + APP));
build('gr-missing', 'app:50', 'no group file: a numeric group runs', {
  files: { 'etc/passwd': ROOT + APP },
});
build('gr-directory', '1000', '/etc/group a directory: runc cannot read it, refused', {
  files: { 'etc/passwd': ROOT + APP },
  run: ['mkdir -p /etc/group'],
});
build('pw-directory', '1000', '/etc/passwd a directory: refused even for a number', {
  files: { 'etc/group': GROUP },
  run: ['rm -f /etc/passwd', 'mkdir -p /etc/passwd'],
});
build('pw-missing-numeric', '1000', 'no passwd: a number runs', { files: { 'etc/group': GROUP } });
build('pw-missing-name', 'app', 'no passwd: a name is refused', { files: { 'etc/group': GROUP } });

// --- symlinks (Dockerfile) -------------------------------------------------------------------
const accounts = { 'data/passwd': ROOT + APP, 'etc/group': GROUP };
build('ln-absolute', 'app', 'passwd an absolute symlink', {
  files: accounts,
  run: ['ln -s /data/passwd /etc/passwd'],
});
build('ln-relative', 'app', 'passwd a relative symlink', {
  files: accounts,
  run: ['ln -s ../data/passwd /etc/passwd'],
});
build('ln-escaping', 'app', 'a relative link climbing above / stays in the root', {
  files: accounts,
  run: ['ln -s ../../../../../data/passwd /etc/passwd'],
});
build('ln-chain', 'app', 'a chain of links across layers', {
  files: { ...accounts, 'data/real': ROOT + 'app:x:0:0::/:/bin/sh\n' },
  run: [
    'ln -s /a/p1 /etc/passwd',
    'mkdir -p /a /b && ln -s ../b/p2 /a/p1',
    'ln -s /data/passwd /b/p2',
  ],
});
build('ln-dir-component', 'app', 'a symlinked directory in the path', {
  files: accounts,
  run: ['ln -s /data /acct && ln -s /acct/passwd /etc/passwd'],
});
build('ln-loop', '1000', 'a symlink loop: the engine refuses every start', {
  files: accounts,
  run: ['ln -s /etc/loop /etc/passwd && ln -s /etc/passwd /etc/loop'],
});
build('ln-to-dir', '1000', 'passwd links to a directory: unreadable, refused', {
  files: accounts,
  run: ['ln -s /data /etc/passwd'],
});
build('ln-dangling', '1000', 'a dangling link: no passwd, a number runs', {
  files: accounts,
  run: ['ln -s /nowhere /etc/passwd'],
});
build('ln-missing-dotdot', 'app', 'dockerd accepts a missing element before ".."', {
  files: { 'etc/real/passwd': ROOT + APP, 'etc/group': GROUP },
  run: ['ln -s nothere/../real/passwd /etc/passwd'],
});
build('ln-through-file', 'app', 'a path through a regular file: ENOTDIR, refused', {
  files: accounts,
  run: ['ln -s /etc/group/x /etc/passwd'],
});
const chain = (n, passwd = ROOT + APP) => {
  const steps = ['mkdir -p /l', `ln -s /data/passwd /l/0`];
  let s = '';
  for (let i = 1; i < n; i++) s += `ln -s /l/${i - 1} /l/${i} && `;
  steps.push(s + `ln -s /l/${n - 1} /etc/passwd`);
  return { files: { ...accounts, 'data/passwd': passwd }, run: steps };
};
const BIG = ROOT + 'app:x:2147483648:1000::/:/bin/sh\n';
build(
  'ln-chain-41',
  'app',
  '42 links: dockerd follows them, runc (kernel, 40) does not, so uid 2^31 is out of range',
  chain(41, BIG),
);
build('ln-chain-38', 'app', '39 links: runc finds uid 2^31 in passwd, so it runs', chain(38, BIG));
build(
  'ln-chain-39',
  'app',
  '40 links: the most the kernel (runc) follows; uid 2^31 found, it runs',
  chain(39, BIG),
);
build(
  'ln-chain-40',
  'app',
  '41 links: one too many for the kernel; uid 2^31 is then out of range',
  chain(40, BIG),
);
build(
  'ln-chain-83',
  'app',
  'the longest chain of this shape dockerd resolves in 255 steps',
  chain(83),
);
build('ln-chain-84', 'app', 'one link more: dockerd gives up, every start is refused', chain(84));
build('ln-chain-130', 'app', 'too many steps for dockerd: refused', chain(130));
build('ln-to-hosts', '1000', "/etc/hosts is Docker's: empty for dockerd, mounted for runc", {
  files: accounts,
  run: ['rm -f /etc/passwd && ln -s /etc/hosts /etc/passwd'],
  failClosed: 'mounts over',
});
build('ln-later-target', 'app', 'a link written before its target', {
  files: { 'etc/group': GROUP, 'src/passwd': ROOT + APP },
  run: ['ln -s /data/passwd /etc/passwd', 'mkdir -p /data && cp /src/passwd /data/passwd'],
});

// --- layering (Dockerfile) -------------------------------------------------------------------
build('layer-rewritten', 'app', 'a later layer rewrites passwd', {
  files: {
    'etc/passwd': ROOT + 'app:x:0:0::/:/bin/sh\n',
    'etc/group': GROUP,
    'src/passwd': ROOT + APP,
  },
  run: ['cat /src/passwd > /etc/passwd'],
});
build('layer-deleted', 'app', 'a later layer deletes passwd (whiteout)', {
  files: { 'etc/passwd': ROOT + APP },
  run: ['rm /etc/passwd'],
});
build('layer-opaque', 'app', 'a directory re-created (opaque) hides the lower passwd', {
  files: {
    'acct/passwd': ROOT + 'app:x:0:0::/:/bin/sh\n',
    'acct/other': 'x\n',
    'etc/group': GROUP,
    'src/passwd': 'app:x:1000:1000::/:/bin/sh\n',
  },
  run: [
    'ln -s /acct/passwd /etc/passwd',
    'rm -rf /acct && mkdir /acct && cp /src/passwd /acct/passwd',
  ],
});
build('hl-target-rewritten', 'app', 'a hard-linked passwd keeps the content of its layer', {
  files: { 'etc/group': GROUP, 'data/p': ROOT + APP0, 'src/passwd': ROOT + APP },
  run: ['ln /data/p /etc/passwd', 'cat /src/passwd > /data/p'],
});
build('hl-target-replaced', 'app', 'a hard-linked passwd whose target is replaced by rename', {
  files: { 'etc/group': GROUP, 'data/p': ROOT + APP0, 'src/passwd': ROOT + APP },
  run: ['ln /data/p /etc/passwd', 'cp /src/passwd /data/p.new && mv /data/p.new /data/p'],
});
build('hl-target-deleted', 'app', 'a hard link outlives its target', {
  files: { 'etc/group': GROUP, 'data/p': ROOT + APP },
  run: ['ln /data/p /etc/passwd', 'rm /data/p'],
});
build('hl-later-layer', 'app', "a hard link made to a lower layer's file", {
  files: { 'data/p': 'app:x:1000:1000::/:/bin/sh\n', 'etc/group': GROUP },
  run: ['ln /data/p /etc/passwd'],
});

// --- layering (hand-made layers) -------------------------------------------------------------
const f = (path, content) => ({ path, content });
const d = (path) => ({ path, dir: true });
const s = (path, target) => ({ path, symlink: target });
const h = (path, target) => ({ path, hardlink: target });
load(
  'x-implicit-dir-over-symlink',
  'app',
  'etc/passwd written under a path a lower layer made a symlink: the new directory wins',
  [
    [
      f('etc/group', GROUP),
      f('real/passwd', ROOT + APP),
      s('accounts', '/real'),
      s('etc/passwd', '/accounts/passwd'),
    ],
    [f('accounts/passwd', ROOT + APP0)],
  ],
);
load(
  'x-implicit-etc-over-symlink',
  'app',
  '/etc a symlink, then a layer with etc/passwd and no etc/ entry',
  [
    [f('etc2/group', GROUP), f('etc2/passwd', ROOT + APP), s('etc', 'etc2')],
    [f('etc/passwd', ROOT + APP0), f('etc/group', GROUP)],
  ],
);
load('x-etc-symlink', 'app', "/etc a symlink: Docker's init layer replaces it with an empty /etc", [
  [f('etc2/group', GROUP), f('etc2/passwd', ROOT + APP), s('etc', 'etc2')],
]);
load('x-etc-symlink-numeric', '1000', '/etc a symlink, a numeric user', [
  [f('etc2/group', GROUP), f('etc2/passwd', ROOT + APP0), s('etc', 'etc2')],
]);
load(
  'x-hardlink-same-layer-rewrite',
  'app',
  'a hard link keeps the inode its target had when linked, in the same layer',
  [
    [
      f('etc/group', GROUP),
      f('data/p', ROOT + APP0),
      h('etc/passwd', 'data/p'),
      f('data/p', ROOT + APP),
    ],
  ],
);
load('x-hardlink-later-rewrite', 'app', 'a hard link whose target a later layer rewrites', [
  [f('etc/group', GROUP), f('data/p', ROOT + APP0), h('etc/passwd', 'data/p')],
  [f('data/p', ROOT + APP)],
]);
load('x-whiteout-readd', 'app', 'a whiteout and a new file in one layer', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
  [f('etc/.wh.passwd', ''), f('etc/passwd', ROOT + APP0)],
]);
load('x-opaque-marker', 'app', "an opaque marker hides the lower passwd, the layer's own stays", [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP0)],
  [d('etc/'), f('etc/.wh..wh..opq', ''), f('etc/passwd', ROOT + APP), f('etc/group', GROUP)],
]);
load('x-device-whiteout', 'app', 'a 0/0 character device is a whiteout', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
  [{ path: 'etc/passwd', device: true }],
]);
load('x-duplicate-entry', 'app', 'the later of two entries in one layer wins', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP), f('etc/passwd', ROOT + APP0)],
]);
load(
  'x-dir-replaces-file',
  'app',
  'a directory replaces a lower passwd file; passwd inside it is not read',
  [
    [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
    [d('etc/passwd/'), f('etc/passwd/x', ROOT + APP)],
  ],
);
load('x-symlink-parent-replaced', 'app', 'a lower symlinked directory replaced by a real one', [
  [
    f('etc/group', GROUP),
    f('real/passwd', ROOT + APP0),
    s('acct', '/real'),
    s('etc/passwd', '/acct/passwd'),
  ],
  [d('acct/'), f('acct/passwd', ROOT + APP)],
]);
load(
  'x-xattr-opaque',
  'app',
  'an opaque directory by extended attribute',
  [
    [f('etc/group', GROUP), f('etc/passwd', ROOT + APP0)],
    [
      { path: 'etc/', dir: true, pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      f('etc/passwd', ROOT + APP),
      f('etc/group', GROUP),
    ],
  ],
  { failClosed: 'overlayfs attributes' },
);
load('x-dotdot-name', 'app', 'a member named ../../etc/passwd lands at /etc/passwd', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
  [f('../../etc/passwd', ROOT + APP0)],
]);
load('x-absolute-name', 'app', 'a member named /etc/passwd', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
  [f('/etc/passwd', ROOT + APP0)],
]);
load(
  'x-whiteout-under-symlink',
  'app',
  'a whiteout below a lower symlinked directory makes it a new, empty directory',
  [
    [
      f('etc/group', GROUP),
      f('real/passwd', ROOT + APP),
      s('acct', '/real'),
      s('etc/passwd', '/acct/passwd'),
    ],
    [f('acct/.wh.other', '')],
  ],
);
load(
  'x-hardlink-to-symlink',
  'app',
  'a hard link to a symlink is a symlink, followed from where the link is',
  [
    [
      f('etc/group', GROUP),
      f('etc/p2', ROOT + APP),
      f('data/p2', ROOT + APP0),
      s('data/l', 'p2'),
      h('etc/passwd', 'data/l'),
    ],
  ],
);
load(
  'x-opaque-over-symlink',
  'app',
  'an opaque marker below a lower symlink makes a new directory',
  [
    [
      f('etc/group', GROUP),
      f('real/passwd', ROOT + APP0),
      s('acct', '/real'),
      s('etc/passwd', '/acct/passwd'),
    ],
    [f('acct/.wh..wh..opq', ''), f('acct/passwd', ROOT + APP)],
  ],
);
load('x-user-space-number', ' 1000', 'USER " 1000" is not a number: a name, not found', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
]);
load('x-user-leading-space', ' app', 'USER is not trimmed: " app" is not app', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
]);
load('x-user-trailing-nul', 'app\u0000', 'USER bytes are compared as they are', [
  [f('etc/group', GROUP), f('etc/passwd', ROOT + APP)],
]);

// ---------------------------------------------------------------------------------------------

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const index = [];
for (const c of cases) {
  const dir = join(out, c.name);
  mkdirSync(dir, { recursive: true });
  if (c.kind === 'build') writeBuild(dir, c);
  else await writeLoad(dir, c);
  index.push({
    name: c.name,
    kind: c.kind,
    user: c.user,
    why: c.why,
    ...(c.failClosed ? { failClosed: c.failClosed } : {}),
  });
}
writeFileSync(join(out, 'cases.json'), JSON.stringify(index, null, 1) + '\n');
console.log(`${cases.length} cases in ${out}`);

function writeBuild(dir, c) {
  copyFileSync(busybox, join(dir, 'busybox'));
  const lines = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  ];
  if (Object.keys(c.files).length > 0) {
    for (const [p, content] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, 'rootfs', p)), { recursive: true });
      writeFileSync(join(dir, 'rootfs', p), content);
    }
    lines.push('COPY rootfs/ /');
  }
  for (const r of c.run) lines.push(`RUN ${r}`);
  lines.push(`USER ${c.user}`);
  writeFileSync(join(dir, 'Dockerfile'), lines.join('\n') + '\n');
}

async function tarOf(members) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (b) => chunks.push(b));
  const done = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) {
    const base = { name: m.path, mtime: MTIME, uid: 0, gid: 0 };
    if ('content' in m) pack.entry({ ...base, mode: m.mode ?? 0o644 }, Buffer.from(m.content));
    else if (m.dir)
      pack.entry({ ...base, type: 'directory', mode: 0o755, ...(m.pax ? { pax: m.pax } : {}) });
    else if ('symlink' in m) pack.entry({ ...base, type: 'symlink', linkname: m.symlink });
    else if ('hardlink' in m) pack.entry({ ...base, type: 'link', linkname: m.hardlink });
    else if (m.device)
      pack.entry({ ...base, type: 'character-device', mode: 0o644, devmajor: 0, devminor: 0 });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function writeLoad(dir, c) {
  const bin = await tarOf([{ path: 'bin/busybox', content: readFileSync(busybox), mode: 0o755 }]);
  const layers = [bin, ...(await Promise.all(c.layers.map(tarOf)))];
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: c.user, Env: ['PATH=/bin'], Cmd: ['/bin/busybox', 'id'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
      history: layers.map((_, i) => ({
        created: MTIME.toISOString(),
        created_by: `image-gate-test nonroot ${c.name} layer ${i}`,
      })),
    }),
  );
  const manifest = [
    {
      Config: `${sha(config)}.json`,
      RepoTags: [`image-gate-test/nonroot-${c.name}:latest`],
      Layers: layers.map((l) => `${sha(l)}/layer.tar`),
    },
  ];
  const members = [
    { path: `${sha(config)}.json`, content: config },
    ...layers.map((l) => ({ path: `${sha(l)}/layer.tar`, content: l })),
    { path: 'manifest.json', content: JSON.stringify(manifest) },
  ];
  writeFileSync(join(dir, 'archive.tar'), await tarOf(members));
}
