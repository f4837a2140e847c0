import { once } from 'node:events';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decompressor, MAX_ZSTD_WINDOW_LOG } from '../../../src/layers/decompress.js';
import {
  frameHeader,
  rawBlock,
  rleBlock,
  rleBomb,
  singleSegmentHeader,
  skippableFrame,
} from '../../helpers/zstd-frames.js';

async function inflate(kind: 'gzip' | 'zstd', input: Buffer, chunk = 7): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  const collect = new Writable({
    write(b: Buffer, _enc, done) {
      out.push(b);
      done();
    },
  });
  await pipeline([Readable.from(parts), ...decompressor(kind)!, collect]);
  return Buffer.concat(out);
}

describe('zstd decompression', () => {
  test('decodes raw and RLE blocks, checksummed frames, skippable frames and several frames, split anywhere', async () => {
    const input = Buffer.concat([
      skippableFrame(Buffer.from('ignored')),
      frameHeader(17),
      rawBlock(Buffer.from('abc')),
      rleBlock(0x7a, 5),
      rawBlock(Buffer.alloc(0)),
      rawBlock(Buffer.from('!'), true),
      frameHeader(10),
      rleBlock(0x2e, 3, true),
    ]);
    expect((await inflate('zstd', input)).toString()).toBe('abczzzzz!...');
    expect((await inflate('zstd', input, 1)).toString()).toBe('abczzzzz!...');
    // What `zstd -19` writes: a compressed block, a content size and a checksum.
    const real = Buffer.from(
      '28b52ffd04689d00006868656c6c6f207a7374642c200a0100574a124c24f8ff',
      'hex',
    );
    expect((await inflate('zstd', real, 3)).toString()).toBe(
      'hello zstd, hello zstd, hello zstd\n',
    );
  });

  test('a frame asking for a window above 2^27 is refused before a decoder sees it', async () => {
    const huge = Buffer.concat([frameHeader(31, 7), rleBlock(0, 16, true)]);
    await expect(inflate('zstd', huge)).rejects.toThrow(/window.*more than the 134217728 bytes/);
    const justAbove = Buffer.concat([frameHeader(MAX_ZSTD_WINDOW_LOG, 1), rleBlock(0, 1, true)]);
    await expect(inflate('zstd', justAbove)).rejects.toThrow(/window/);
    const atLimit = Buffer.concat([frameHeader(MAX_ZSTD_WINDOW_LOG), rleBlock(0x61, 2, true)]);
    expect((await inflate('zstd', atLimit)).toString()).toBe('aa');
  });

  test('a single-segment frame declaring a huge content size is refused', async () => {
    const bomb = Buffer.concat([singleSegmentHeader(40n << 30n), rleBlock(0, 128 << 10, true)]);
    await expect(inflate('zstd', bomb)).rejects.toThrow(/window/);
  });

  test('garbage, reserved blocks and truncated frames are errors', async () => {
    await expect(inflate('zstd', Buffer.from('not zstd at all'))).rejects.toThrow(/not a zstd/);
    const reserved = Buffer.concat([frameHeader(20), Buffer.from([0x07, 0, 0])]);
    await expect(inflate('zstd', reserved)).rejects.toThrow(/reserved block/);
    const cut = Buffer.concat([frameHeader(20), rawBlock(Buffer.from('abcdef'))]).subarray(0, 12);
    await expect(inflate('zstd', cut)).rejects.toThrow(/ends inside a frame|invalid zstd/);
  });

  test('an RLE bomb is decoded only as fast as it is read: output waiting in memory stays bounded', async () => {
    // 20,000 RLE blocks: 80 KB of input that expands to 2.5 GiB, handed over as one chunk.
    await expectBoundedBuffering(decompressor('zstd')!, rleBomb(20_000), 8 << 20);
  });

  test('a gzip bomb is inflated only as fast as it is read', async () => {
    const bomb = gzipSync(Buffer.alloc(512 << 20), { level: 9 });
    await expectBoundedBuffering(decompressor('gzip')!, bomb, 40 << 20);
  });
});

/**
 * Writes the whole input at once, reads nothing for a while, then checks how many bytes the
 * stages hold: a decoder without backpressure would have expanded everything by then.
 */
async function expectBoundedBuffering(stages: Transform[], input: Buffer, bound: number) {
  for (let i = 0; i + 1 < stages.length; i++) stages[i]!.pipe(stages[i + 1]!);
  const last = stages[stages.length - 1]!;
  stages[0]!.write(input);
  await new Promise((r) => setTimeout(r, 300));
  const held = stages.reduce((sum, s) => sum + s.readableLength + s.writableLength, 0);
  expect(held).toBeLessThan(bound);
  // Reading resumes the decoder: it goes on producing.
  let read = 0;
  last.on('data', (b: Buffer) => {
    read += b.length;
    if (read > 64 << 20) last.destroy();
  });
  await once(last, 'close');
  expect(read).toBeGreaterThan(64 << 20);
  for (const s of stages) s.destroy();
}
