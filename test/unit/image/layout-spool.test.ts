import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createLayoutSpool } from '../../../src/image/layout-writer.js';
import { openImage } from '../../../src/image/open.js';
import { walkImage } from '../../../src/layers/walk.js';
import { buildOciImage } from '../../../scripts/oci-builder.mjs';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the layout spooled for the scanners', () => {
  test('an image holding the same layer twice gets that blob once, intact', async () => {
    // Big enough to take several writes.
    const content = createHash('sha256').update('seed').digest('hex').repeat(200_000);
    const same = { members: [{ path: 'payload.txt', content }], compression: 'none' as const };
    const built = await buildOciImage([same, { members: [{ path: 'x', content: 'x' }] }, same]);
    dirs.push(built.dir);
    expect(built.layerDigests[0]).toBe(built.layerDigests[2]);
    const image = await openImage(built.ref);
    const spool = await createLayoutSpool(image);
    dirs.push(spool.dir);
    await walkImage(image, [], { blobSink: spool.sink, concurrency: 3 });
    const layout = await spool.finish();
    const blobs = join(layout, 'blobs', 'sha256');
    for (const name of await readdir(blobs)) {
      const bytes = await readFile(join(blobs, name));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(name);
    }
    expect(await readdir(blobs)).toHaveLength(4); // two distinct layers, config, manifest
    await image.close();
  });
});
