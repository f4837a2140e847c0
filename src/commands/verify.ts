import { readFile } from 'node:fs/promises';
import { GateError } from '../errors.js';
import { RegistryClient } from '../image/registry/client.js';
import type { Logger } from '../log.js';
import { parseDuration } from '../scanners/duration.js';
import { requireSigningNode } from '../sign/node-version.js';
import type { VerifyResult } from '../sign/verify.js';

export interface VerifyCommandOptions {
  image: string;
  /** Exactly one of keyPath and keyless. */
  keyPath?: string;
  keyless?: {
    trustedRoot: string;
    identity?: string;
    identityRegexp?: string;
    issuer: string;
    workflowRepository?: string;
  };
  maxAge?: string;
  policyDigest?: string;
  requireAttestation: boolean;
  tlsVerify: boolean;
  dockerConfigDir?: string;
  log: Logger;
}

/** `image-gate verify`: reads the key, then calls the library function `verifyImage`. */
export async function verifyCommand(options: VerifyCommandOptions): Promise<VerifyResult> {
  requireSigningNode('verify');
  const maxAgeMs = options.maxAge !== undefined ? parseDuration(options.maxAge) : undefined;
  if (
    options.policyDigest !== undefined &&
    !/^(sha256:)?[a-f0-9]{64}$/.test(options.policyDigest)
  ) {
    throw new GateError(
      'usage',
      `--policy-digest takes sha256:<64 hex> (got "${options.policyDigest}")`,
    );
  }
  const [{ loadPublicKey }, { verifyImage }] = await Promise.all([
    import('../sign/keys.js'),
    import('../sign/verify.js'),
  ]);
  const who = options.keyPath
    ? { publicKey: loadPublicKey(await readText(options.keyPath, 'key'), options.keyPath) }
    : { keyless: await keylessIdentity(options.keyless!) };
  const client = new RegistryClient({
    tlsVerify: options.tlsVerify,
    ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
    log: options.log,
  });
  try {
    return await verifyImage(
      options.image,
      {
        ...who,
        requireAttestation: options.requireAttestation,
        ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
        ...(options.policyDigest ? { policyDigest: options.policyDigest } : {}),
      },
      { client },
    );
  } finally {
    await client.close();
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new GateError(
      'not-found',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

async function keylessIdentity(k: NonNullable<VerifyCommandOptions['keyless']>) {
  let trustedRoot: unknown;
  try {
    trustedRoot = JSON.parse(await readText(k.trustedRoot, 'trusted root'));
  } catch (err) {
    if (err instanceof GateError) throw err;
    throw new GateError('format', `${k.trustedRoot} is not JSON (a sigstore trusted_root.json)`);
  }
  let subject: string | RegExp = k.identity ?? '';
  if (k.identityRegexp) {
    try {
      subject = new RegExp(k.identityRegexp);
    } catch (err) {
      throw new GateError('usage', `--certificate-identity-regexp: ${(err as Error).message}`);
    }
  }
  return {
    trustedRoot,
    subject,
    issuer: k.issuer,
    ...(k.workflowRepository ? { workflowRepository: k.workflowRepository } : {}),
  };
}

/** Text for people: the verdict line, then each entry examined. */
export function renderVerifyResult(result: VerifyResult): string {
  const head =
    result.status === 'verified'
      ? '✔ VERIFIED'
      : result.status === 'error'
        ? '✖ ERROR'
        : `✖ NOT VERIFIED (${result.status})`;
  const lines = [`${head}  ${result.message}`];
  for (const e of result.entries) {
    lines.push(
      `  ${e.ok ? '✔' : '✖'} ${e.format} ${e.kind}  ${e.where}${e.ok ? '' : `: ${e.reason}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
