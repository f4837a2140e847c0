import { writeFile } from 'node:fs/promises';
import { GateError } from '../errors.js';

/**
 * Writes `<prefix>.key` (cosign's encrypted format, so `cosign sign --key` reads it too) and
 * `<prefix>.pub`. The password is `$COSIGN_PASSWORD` (it may be empty); files are never
 * overwritten.
 */
export async function generateKeyPairFiles(
  prefix: string,
  password: string | undefined = process.env.COSIGN_PASSWORD,
): Promise<{ keyPath: string; pubPath: string }> {
  if (password === undefined) {
    throw new GateError(
      'usage',
      'generate-key-pair: set COSIGN_PASSWORD to the password for the new key (it may be empty)',
    );
  }
  const { generateKeyPair } = await import('../sign/keys.js');
  const { privatePem, publicPem } = generateKeyPair(password);
  const keyPath = `${prefix}.key`;
  const pubPath = `${prefix}.pub`;
  try {
    await writeFile(keyPath, privatePem, { mode: 0o600, flag: 'wx' });
    await writeFile(pubPath, publicPem, { flag: 'wx' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new GateError(
      'usage',
      `generate-key-pair: cannot write ${e.path ?? prefix}: ${e.code === 'EEXIST' ? 'the file exists (not overwritten)' : e.message}`,
    );
  }
  return { keyPath, pubPath };
}
