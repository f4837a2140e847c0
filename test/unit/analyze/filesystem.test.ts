/**
 * The final filesystem as Docker (overlay2) builds it, and the account files the runtime reads
 * from it. Each case names the rule it proves; test/itg/non-root-oracle.test.ts checks the same
 * tricks against the real engine.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { FilesystemAnalyzer } from '../../../src/analyze/filesystem.js';
import type { AccountFacts } from '../../../src/analyze/types.js';
import { openImage } from '../../../src/image/open.js';
import { walkImage } from '../../../src/layers/walk.js';
import { evaluateNonRoot } from '../../../src/policy/rules/non-root.js';
import { buildOciImage } from '../../../scripts/oci-builder.mjs';

type Member =
  | { path: string; content: string }
  | { path: string; dir: true }
  | { path: string; symlink: string }
  | { path: string; hardlink: string };

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function accounts(...layers: Member[][]): Promise<AccountFacts> {
  const img = await buildOciImage(layers.map((members) => ({ members })));
  dirs.push(img.dir);
  const image = await openImage(img.ref);
  const fs = new FilesystemAnalyzer();
  try {
    await walkImage(image, [fs]);
  } finally {
    await image.close();
  }
  return fs.accounts();
}

/** The uid the non-root rule says the runtime runs `app` as (undefined: fails without one). */
const uidOf = (facts: AccountFacts, user = 'app') => evaluateNonRoot(user, facts).details.uid;

const f = (path: string, content: string): Member => ({ path, content });
const s = (path: string, symlink: string): Member => ({ path, symlink });
const h = (path: string, hardlink: string): Member => ({ path, hardlink });
const d = (path: string): Member => ({ path, dir: true });
const P0 = 'root:x:0:0::/:/bin/sh\napp:x:0:0::/:/bin/sh\n';
const P1000 = 'root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n';
const G = f('etc/group', 'root:x:0:\n');

describe('layers stacked as overlayfs stacks them', () => {
  test('a file written below a lower symlink creates a directory that replaces the link', async () => {
    const facts = await accounts(
      [G, f('real/passwd', P1000), s('acct', '/real'), s('etc/passwd', '/acct/passwd')],
      [f('acct/passwd', P0)],
    );
    expect(facts).toMatchObject({ status: 'known', passwdPath: '/acct/passwd' });
    expect(uidOf(facts)).toBe(0);
  });

  test('the same with /etc itself: a later etc/passwd wins over the /etc symlink', async () => {
    const facts = await accounts(
      [f('etc2/passwd', P1000), f('etc2/group', ''), s('etc', 'etc2')],
      [f('etc/passwd', P0)],
    );
    expect(uidOf(facts)).toBe(0);
  });

  test('a directory over a lower file hides it, and is unreadable as passwd', async () => {
    const facts = await accounts(
      [G, f('etc/passwd', P1000)],
      [d('etc/passwd/'), f('etc/passwd/x', P1000)],
    );
    expect(facts.status === 'known' && facts.files.engine.passwd.kind).toBe('unreadable');
    expect(uidOf(facts, '1000')).toBeUndefined();
  });

  test('a layer repeating a path is refused by the engine: unproven', async () => {
    const facts = await accounts([G, f('etc/passwd', P1000), f('etc/passwd', P0)]);
    expect(facts).toMatchObject({ status: 'unproven' });
    expect(facts.status === 'unproven' && facts.reason).toContain('appears twice');
  });
});

describe('hard links keep the file as it was in their layer', () => {
  test('a later layer rewriting the target does not change the link', async () => {
    const facts = await accounts(
      [G, f('data/p', P0), h('etc/passwd', 'data/p')],
      [f('data/p', P1000)],
    );
    expect(uidOf(facts)).toBe(0);
  });

  test('a later layer deleting the target does not delete the link', async () => {
    const facts = await accounts(
      [G, f('data/p', P1000), h('etc/passwd', 'data/p')],
      [f('data/.wh.p', '')],
    );
    expect(uidOf(facts)).toBe(1000);
  });

  test('a link to a file its layer does not have cannot be proven', async () => {
    const facts = await accounts([G, f('data/p', P1000)], [h('etc/passwd', 'data/p')]);
    expect(facts).toMatchObject({ status: 'unproven' });
  });
});

describe("Docker's init layer", () => {
  test('an /etc symlink is replaced by a new /etc: no passwd, a name is refused', async () => {
    const facts = await accounts([f('etc2/passwd', P1000), s('etc', 'etc2')]);
    expect(facts.status === 'known' && facts.files.engine.passwd).toEqual({ kind: 'absent' });
    expect(uidOf(facts)).toBeUndefined();
    expect(uidOf(facts, '1000')).toBe(1000);
  });

  test('a passwd linked to /etc/hosts (mounted over by the runtime) cannot be proven', async () => {
    const facts = await accounts([G, s('etc/passwd', '/etc/hosts')]);
    expect(facts.status === 'unproven' && facts.reason).toContain('mounts over');
  });
});

describe('symbolic links as dockerd and the kernel follow them', () => {
  const chain = (n: number): Member[] => {
    const m: Member[] = [
      G,
      f('data/passwd', 'app:x:2147483648:1::/:/bin/sh\n'),
      s('l/0', '/data/passwd'),
    ];
    for (let i = 1; i < n; i++) m.push(s(`l/${i}`, `/l/${i - 1}`));
    m.push(s('etc/passwd', `/l/${n - 1}`));
    return m;
  };

  test('dockerd gives up after 255 path steps: every start is refused', async () => {
    const facts = await accounts(chain(130));
    expect(facts.status === 'refused' && facts.reason).toContain('too many links');
  });

  test('runc (the kernel) gives up after 40 links: uid 2^31 is then out of range', async () => {
    expect(uidOf(await accounts(chain(41)))).toBeUndefined();
    expect(uidOf(await accounts(chain(38)))).toBe(2147483648);
  });

  test('links climbing above / stay in the root; a missing element before .. is accepted', async () => {
    expect(
      uidOf(
        await accounts([G, f('data/passwd', P1000), s('etc/passwd', '../../../../data/passwd')]),
      ),
    ).toBe(1000);
    const facts = await accounts([
      G,
      f('etc/real/passwd', P1000),
      s('etc/passwd', 'nothere/../real/passwd'),
    ]);
    expect(facts).toMatchObject({ status: 'known', passwdPath: '/etc/real/passwd' });
  });

  test('a path through a regular file is ENOTDIR for dockerd: refused', async () => {
    const facts = await accounts([G, s('etc/passwd', '/etc/group/x')]);
    expect(facts.status).toBe('refused');
  });
});

describe('content the gate keeps', () => {
  test('a passwd too large to keep cannot be proven', async () => {
    const big = 'u:x:5:5::/:/bin/sh\n'.repeat(60_000) + 'app:x:1000:1000::/:/bin/sh\n';
    const facts = await accounts([G, f('etc/passwd', big)]);
    expect(facts.status === 'unproven' && facts.reason).toContain('too large');
  });

  test('a passwd whose first line has no colon is still read', async () => {
    const facts = await accounts([G, f('etc/passwd', 'app\n' + P1000)]);
    expect(uidOf(facts)).toBe(0);
  });
});

describe('bounded on hostile layers', () => {
  test('paths past the gate budget (deep implicit parents) make the rule fail, not the gate hang', () => {
    const fs = new FilesystemAnalyzer();
    const layer = { index: 0 } as Parameters<FilesystemAnalyzer['onEntry']>[0]['layer'];
    const deep = '/d'.repeat(2000);
    for (let i = 0; i < 100; i++) {
      fs.onEntry({
        layer,
        path: `/x${i}${deep}/f`,
        type: 'file',
        size: 0,
        mode: 0,
        uid: 0,
        gid: 0,
      });
    }
    const facts = fs.accounts();
    expect(facts.status === 'unproven' && facts.reason).toContain('too long');
  });

  test('a path longer than PATH_MAX cannot be created by the engine: unproven', () => {
    const fs = new FilesystemAnalyzer();
    const layer = { index: 0 } as Parameters<FilesystemAnalyzer['onEntry']>[0]['layer'];
    fs.onEntry({
      layer,
      path: '/' + 'a'.repeat(5000),
      type: 'file',
      size: 0,
      mode: 0,
      uid: 0,
      gid: 0,
    });
    expect(fs.accounts()).toMatchObject({ status: 'unproven' });
  });
});
