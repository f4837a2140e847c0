/**
 * Hand-built zstd frames (RFC 8878) for tests: raw and RLE blocks are simple enough to write
 * directly, which lets a test declare any window or block layout, hostile ones included.
 */

/** Frame header with a window descriptor (not single-segment), no checksum, no content size. */
export function frameHeader(windowLog: number, mantissa = 0, checksum = false): Buffer {
  const fhd = checksum ? 0x04 : 0x00;
  return Buffer.from([0x28, 0xb5, 0x2f, 0xfd, fhd, ((windowLog - 10) << 3) | mantissa]);
}

/** Single-segment frame header: the window is the declared content size (8-byte field). */
export function singleSegmentHeader(contentSize: bigint): Buffer {
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(contentSize);
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs]);
}

function blockHeader(last: boolean, type: number, size: number): Buffer {
  const v = (size << 3) | (type << 1) | (last ? 1 : 0);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

export function rawBlock(data: Buffer, last = false): Buffer {
  return Buffer.concat([blockHeader(last, 0, data.length), data]);
}

/** `size` copies of `byte` from four bytes of input. */
export function rleBlock(byte: number, size: number, last = false): Buffer {
  return Buffer.concat([blockHeader(last, 1, size), Buffer.from([byte])]);
}

export function skippableFrame(payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x184d2a5a, 0);
  h.writeUInt32LE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** A frame whose RLE blocks expand `blocks` * 128 KiB from ~4 bytes each. */
export function rleBomb(blocks: number, windowLog = 20): Buffer {
  const parts = [frameHeader(windowLog)];
  for (let i = 0; i < blocks; i++) parts.push(rleBlock(0x41, 128 << 10, i === blocks - 1));
  return Buffer.concat(parts);
}
