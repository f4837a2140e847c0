import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TarArchive } from '../../../src/image/sources/tar-index.js';

type Member =
  | { name: string; content: string }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; fifo: true };

async function archive(members: Member[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) {
    if ('content' in m) pack.entry({ name: m.name }, m.content);
    else if ('symlink' in m) pack.entry({ name: m.name, type: 'symlink', linkname: m.symlink });
    else if ('hardlink' in m) pack.entry({ name: m.name, type: 'link', linkname: m.hardlink });
    else pack.entry({ name: m.name, type: 'fifo' });
  }
  pack.finalize();
  await done;
  const file = join(dir, `a${++n}.tar`);
  await writeFile(file, Buffer.concat(chunks));
  return file;
}

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-tar-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('archive members', () => {
  test('a symlinked layer (classic docker save) reads as the member it points to', async () => {
    const file = await archive([
      { name: 'aaa/layer.tar', content: 'first copy' },
      { name: 'bbb/layer.tar', symlink: '../aaa/layer.tar' },
      { name: 'ccc/layer.tar', hardlink: 'bbb/layer.tar' },
    ]);
    const a = await TarArchive.open(file);
    expect((await a.readBytes('bbb/layer.tar', 100)).toString()).toBe('first copy');
    expect((await a.readBytes('./ccc/layer.tar', 100)).toString()).toBe('first copy');
  });

  test('links out of the archive, loops and special files are errors, never followed', async () => {
    const file = await archive([
      { name: 'abs', symlink: '/dev/zero' },
      { name: 'up/x', symlink: '../../etc/passwd' },
      { name: 'loop1', symlink: 'loop2' },
      { name: 'loop2', symlink: 'loop1' },
      { name: 'pipe', fifo: true },
      { name: 'to-pipe', symlink: 'pipe' },
    ]);
    const a = await TarArchive.open(file);
    await expect(a.readBytes('abs', 10)).rejects.toThrow(/member abs links outside the archive/);
    await expect(a.readBytes('up/x', 10)).rejects.toThrow(/links outside the archive/);
    await expect(a.readBytes('loop1', 10)).rejects.toThrow(/a chain of too many links/);
    await expect(a.readBytes('to-pipe', 10)).rejects.toThrow(
      /to-pipe is a FIFO, not a regular file/,
    );
    expect(a.has('missing')).toBe(false);
  });

  test('a later member of the same name replaces an earlier one, as extraction would', async () => {
    const file = await archive([
      { name: 'manifest.json', content: 'old' },
      { name: 'manifest.json', symlink: '/dev/zero' },
    ]);
    const a = await TarArchive.open(file);
    await expect(a.readBytes('manifest.json', 10)).rejects.toThrow(/links outside/);
  });
});
