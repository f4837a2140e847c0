import { createHash } from 'node:crypto';
import { GateError } from '../errors.js';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws GateError('digest') naming `what` when the bytes do not hash to `expected`. */
export function verifyDigest(bytes: Buffer, expected: string, what: string): void {
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new GateError('digest', `${what}: digest mismatch (expected ${expected}, got ${actual})`);
  }
}

/** `sha256:abc…` → `abc…`, refusing anything that could escape a blobs directory. */
export function digestHex(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new GateError('format', `unsupported digest "${digest}" (only sha256 is accepted)`);
  return m[1]!;
}
