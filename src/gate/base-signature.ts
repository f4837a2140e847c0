import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import type { OpenOptions } from '../image/open.js';
import { parseReference } from '../image/reference.js';
import { RegistryClient } from '../image/registry/client.js';
import type { BaseImageResult } from '../policy/rules/base-image.js';

/**
 * `base-image: require-signature`: the base the image was found to be built on must carry a
 * valid signature by the given key (either format; see src/sign/verify.ts). Applied after the
 * layer comparison, so only a pass can change: to a fail when the base is unsigned or signed by
 * another key, to an error when the signature cannot be checked. Fail closed throughout.
 */
export async function requireBaseSignature(
  result: BaseImageResult,
  requirement: { key: string },
  policySource: string | undefined,
  options: OpenOptions,
): Promise<BaseImageResult> {
  if (result.status !== 'pass' || result.rule !== 'base-image') return result;
  const base = result.details.base?.reference ?? '';
  const failWith = (status: 'fail' | 'error', why: string): BaseImageResult => ({
    ...result,
    status,
    summary: `built on ${base}, but ${why}`,
    findings: [why],
    ...(status === 'error' ? { error: why } : {}),
  });
  let ref;
  try {
    ref = parseReference(base);
  } catch {
    ref = undefined;
  }
  if (ref?.transport !== 'docker') {
    return failWith(
      'error',
      'require-signature needs the allowed bases as registry references (a base pinned by diff-ids or read from a file carries no signature)',
    );
  }
  const keyPath = policySource ? resolve(dirname(policySource), requirement.key) : requirement.key;
  const client = new RegistryClient({
    tlsVerify: options.tlsVerify ?? true,
    ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
  });
  try {
    const [{ requireSigningNode }, { loadPublicKey }, { verifyImage }] = await Promise.all([
      import('../sign/node-version.js'),
      import('../sign/keys.js'),
      import('../sign/verify.js'),
    ]);
    requireSigningNode('base-image require-signature');
    const publicKey = loadPublicKey(await readFile(keyPath, 'utf8'), keyPath);
    const verified = await verifyImage(base, { publicKey }, { client });
    switch (verified.status) {
      case 'verified':
        return {
          ...result,
          summary: `${result.summary}; the base is signed by the required key (${verified.signature.format})`,
        };
      case 'error':
        return failWith('error', `its signature could not be checked: ${verified.message}`);
      default:
        return failWith('fail', `the base is not signed by the required key: ${verified.message}`);
    }
  } catch (err) {
    return failWith('error', `its signature could not be checked: ${errorMessage(err)}`);
  } finally {
    await client.close();
  }
}
