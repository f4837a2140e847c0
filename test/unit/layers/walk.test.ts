import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { FilesystemAnalyzer } from '../../../src/analyze/filesystem.js';
import { openImage } from '../../../src/image/open.js';
import type { Analyzer, FileEntry } from '../../../src/layers/types.js';
import { walkImage } from '../../../src/layers/walk.js';
import { evaluateNonRoot } from '../../../src/policy/rules/non-root.js';
import { buildOciImage as build, sha256 } from '../../../scripts/oci-builder.mjs';

const dirs: string[] = [];
const buildOciImage: typeof build = async (...args) => {
  const img = await build(...args);
  dirs.push(img.dir);
  return img;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function walk(ref: string, analyzers: Analyzer[] = []) {
  const image = await openImage(ref);
  try {
    return await walkImage(image, analyzers);
  } finally {
    await image.close();
  }
}

function recorder(): Analyzer & { entries: FileEntry[]; contents: Map<string, string> } {
  const entries: FileEntry[] = [];
  const contents = new Map<string, string>();
  return {
    name: 'recorder',
    entries,
    contents,
    onEntry(e) {
      entries.push(e);
      return e.type === 'file';
    },
    onContent(e, chunk) {
      contents.set(
        `${e.layer.index}:${e.path}`,
        (contents.get(`${e.layer.index}:${e.path}`) ?? '') + chunk.toString(),
      );
    },
  };
}

describe('the layer walk', () => {
  test('verifies each layer and reports its sizes and file count', async () => {
    const img = await buildOciImage([
      {
        members: [
          { path: 'etc/', dir: true },
          { path: 'etc/hostname', content: 'box\n' },
        ],
      },
      { members: [{ path: 'app/run.sh', content: '#!/bin/sh\n' }], compression: 'none' },
    ]);
    const stats = await walk(img.ref);
    expect(stats.map((s) => s.diffId)).toEqual(img.diffIds);
    expect(stats.map((s) => s.digest)).toEqual(img.layerDigests);
    expect(stats.map((s) => s.fileCount)).toEqual([2, 1]);
    expect(stats[1]!.compressedSize).toBe(stats[1]!.uncompressedSize);
  });

  test('streams file content to the analyzers that ask, with normalised paths', async () => {
    const img = await buildOciImage([
      {
        members: [
          { path: './a/../b/c.txt', content: 'hello' },
          { path: '../../escape', content: 'x' },
        ],
      },
    ]);
    const rec = recorder();
    await walk(img.ref, [rec]);
    expect(rec.entries.map((e) => e.path)).toEqual(['/b/c.txt', '/escape']);
    expect(rec.contents.get('0:/b/c.txt')).toBe('hello');
  });

  test('reads whiteouts, opaque directories, long names and links', async () => {
    const long = 'd/' + 'x'.repeat(150) + '.txt';
    const img = await buildOciImage([
      {
        members: [
          { path: long, content: '1' },
          { path: 'd/sub/f', content: '2' },
          { path: 'h', hardlink: long },
          { path: 's', symlink: '/d' },
        ],
      },
      {
        members: [
          { path: 'd/.wh..wh..opq', content: '' },
          { path: '.wh.h', content: '' },
        ],
      },
    ]);
    const rec = recorder();
    await walk(img.ref, [rec]);
    expect(rec.entries.find((e) => e.path === '/' + long)?.type).toBe('file');
    expect(rec.entries.find((e) => e.path === '/h' && !e.whiteout)).toMatchObject({
      type: 'hardlink',
      linkTarget: '/' + long,
    });
    expect(rec.entries.find((e) => e.path === '/s')).toMatchObject({
      type: 'symlink',
      linkTarget: '/d',
    });
    expect(rec.entries.find((e) => e.opaque)).toMatchObject({ path: '/d', layer: { index: 1 } });
    expect(rec.entries.find((e) => e.whiteout)).toMatchObject({ path: '/h' });
  });

  test('a corrupted blob is an error that names the layer', async () => {
    const img = await buildOciImage([
      { members: [{ path: 'a', content: 'a' }] },
      { members: [{ path: 'b', content: 'b' }] },
    ]);
    const blob = join(img.dir, 'blobs', 'sha256', img.layerDigests[1]!.slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 12] ^= 0xff; // inside the deflate stream, before the gzip trailer
    await writeFile(blob, bytes);
    await expect(walk(img.ref)).rejects.toThrow(`layer 1 (${img.layerDigests[1]})`);
  });

  test('a layer whose tar does not match its diffID is an error, never a result', async () => {
    const wrong = sha256('another layer');
    const img = await buildOciImage([{ members: [{ path: 'a', content: 'a' }] }], {
      diffIds: [wrong],
    });
    await expect(walk(img.ref)).rejects.toThrow(
      `layer 0 (${img.layerDigests[0]}): diffID mismatch (config says ${wrong}`,
    );
  });

  test('a decompression bomb stops at the bound and names the layer', async () => {
    const img = await buildOciImage([
      { members: [{ path: 'zeros', content: Buffer.alloc(8 << 20) }] },
    ]);
    const image = await openImage(img.ref);
    await expect(walkImage(image, [], { maxLayerBytes: 1 << 20 })).rejects.toThrow(
      /layer 0 .*decompresses to more than 1048576 bytes/,
    );
    await image.close();
  });
});

describe('the merged filesystem', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';

  test('follows a symlinked /etc/passwd and honours later layers', async () => {
    const img = await buildOciImage([
      {
        members: [
          { path: 'opt/accounts/passwd', content: passwd },
          { path: 'etc/passwd', symlink: '../opt/accounts/passwd' },
        ],
      },
      {
        members: [
          { path: 'opt/accounts/passwd', content: 'root:x:0:0::/:/bin/sh\napp:x:0:0::/:/bin/sh\n' },
        ],
      },
    ]);
    const fs = new FilesystemAnalyzer();
    await walk(img.ref, [fs]);
    const facts = fs.accounts();
    expect(facts).toMatchObject({ status: 'known', passwdPath: '/opt/accounts/passwd' });
    expect(evaluateNonRoot('app', facts).details.uid).toBe(0);
  });

  test('a passwd deleted by a whiteout, or hidden by an opaque directory, is missing', async () => {
    for (const hide of [
      { path: 'etc/.wh.passwd', content: '' },
      { path: 'etc/.wh..wh..opq', content: '' },
    ]) {
      const img = await buildOciImage([
        { members: [{ path: 'etc/passwd', content: passwd }] },
        { members: [hide] },
      ]);
      const fs = new FilesystemAnalyzer();
      await walk(img.ref, [fs]);
      const facts = fs.accounts();
      expect(facts.status === 'known' && facts.files.engine.passwd).toEqual({ kind: 'absent' });
    }
  });

  test('a symlink loop is reported, not followed forever', async () => {
    const img = await buildOciImage([
      {
        members: [
          { path: 'etc/passwd', symlink: '/etc/loop' },
          { path: 'etc/loop', symlink: '/etc/passwd' },
        ],
      },
    ]);
    const fs = new FilesystemAnalyzer();
    await walk(img.ref, [fs]);
    // dockerd gives up resolving (and so refuses to start any container of the image).
    const facts = fs.accounts();
    expect(facts.status === 'refused' && facts.reason).toContain('too many links');
  });

  test('the layout and the digests agree with what was built', async () => {
    const img = await buildOciImage([{ members: [{ path: 'a', content: 'a' }] }]);
    const image = await openImage(img.ref);
    expect(image.manifestDigest).toBe(img.manifestDigest);
    expect(image.configDigest).toBe(img.configDigest);
    expect(sha256(image.manifestBytes)).toBe(img.manifestDigest);
    await image.close();
  });
});
