import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { directoryStore } from '../../../src/image/sources/store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-layout-files-'));
  await writeFile(join(dir, 'regular'), 'twelve bytes');
  await symlink('/dev/zero', join(dir, 'to-dev-zero'));
  await symlink('regular', join(dir, 'to-regular'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  await mkdir(join(dir, 'sub'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a layout is read only through regular files', () => {
  test('a regular file is read, within its limit', async () => {
    const store = directoryStore(dir);
    expect((await store.read('regular', 12)).toString()).toBe('twelve bytes');
    await expect(store.read('regular', 11)).rejects.toThrow(
      /regular is 12 bytes, more than the 11 allowed/,
    );
    expect(await store.size('regular')).toBe(12);
  });

  test.for([
    ['to-dev-zero', /to-dev-zero is a symbolic link; only regular files are read/],
    ['to-regular', /to-regular is a symbolic link/],
    ['fifo', /fifo is a FIFO, not a regular file/],
    ['sub', /sub is a directory, not a regular file/],
    ['missing', /missing does not exist/],
  ] as [string, RegExp][])(
    '%s: every way of reading it is a clear error, never a hang',
    async ([name, message]) => {
      const store = directoryStore(dir);
      await expect(store.read(name, 1 << 20)).rejects.toThrow(message);
      await expect(store.size(name)).rejects.toThrow(message);
      await expect(store.head(name, 4)).rejects.toThrow(message);
      await expect(store.stream(name)).rejects.toThrow(message);
      expect(await store.exists(name)).toBe(false);
    },
  );

  test('a name that climbs out of the layout is refused', async () => {
    await expect(directoryStore(join(dir, 'sub')).read('../regular', 100)).rejects.toThrow(
      /outside the layout/,
    );
  });
});
