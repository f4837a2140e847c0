import { readFile } from 'node:fs/promises';
import { GateError, errorMessage } from '../errors.js';
import { builtInPolicy, sha256 } from './default.js';
import { parsePolicy } from './parse.js';
import type { LoadedPolicy } from './types.js';

/**
 * Reads and validates a policy file; without a path, the built-in default. The digest is of the
 * file's bytes exactly as read, so a report names the policy that was actually applied.
 */
export async function loadPolicy(path?: string): Promise<LoadedPolicy> {
  if (path === undefined) return builtInPolicy();
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : errorMessage(err);
    throw new GateError('policy', `cannot read policy file ${path}: ${why}`, {
      cause: err,
      location: { file: path },
    });
  }
  let text: string;
  try {
    // Fatal decoding: a policy that is not UTF-8 would otherwise validate as mojibake.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new GateError('policy', `${path}: the policy file is not valid UTF-8 text`, {
      cause: err,
      location: { file: path },
    });
  }
  return { policy: parsePolicy(text, path), source: path, digest: sha256(bytes), builtIn: false };
}
