import { readFile } from 'node:fs/promises';
import { GateError } from '../errors.js';
import { MANIFEST_ACCEPT } from '../image/manifest.js';
import { parseReference } from '../image/reference.js';
import { RegistryClient, type RepositoryRef } from '../image/registry/client.js';
import type { Logger } from '../log.js';
import type { Verdict } from '../policy/verdict.js';
import type { SigningKey } from '../sign/keys.js';
import { requireSigningNode } from '../sign/node-version.js';
import type { SignFormats, SignResult } from '../sign/sign.js';
import { check, type CheckOptions } from './check.js';

export interface SignOptions extends CheckOptions {
  /** Private key file: cosign's encrypted key or a plain P-256 PEM. */
  keyPath?: string;
  /** The key itself instead of a file (the action's secret input). */
  keyPem?: string;
  /** Keyless instead of a key: bundles signed with a Fulcio certificate (see KeylessCliOptions). */
  keyless?: KeylessSignOptions;
  /** Password of an encrypted cosign key; default `$COSIGN_PASSWORD`. */
  password?: string;
  formats?: SignFormats;
  verifierId?: string;
  /**
   * For a multi-platform index, also sign the platform manifest that was gated (cosign's
   * `--recursive` signs every child; image-gate signs only what it judged: run once per
   * `--platform` to cover each).
   */
  recursive?: boolean;
}

export interface KeylessSignOptions {
  fulcioURL: string;
  tsaURL?: string;
  /** Opt-in transparency log (public Rekor publishes the digest). */
  rekorURL?: string;
  /** trusted_root.json the written bundles are read back and verified against. */
  trustedRootPath: string;
}

export const PUBLIC_GOOD = {
  fulcioURL: 'https://fulcio.sigstore.dev',
  tsaURL: 'https://timestamp.sigstore.dev',
  rekorURL: 'https://rekor.sigstore.dev',
} as const;

export interface SignOutcome {
  verdict: Verdict;
  /** Present only when the verdict passed and everything was written and read back. */
  signed?: SignResult;
  /** With `recursive`: the gated platform manifest's signatures. */
  platform?: SignResult;
}

/**
 * Gate, then sign: the reference is resolved to a digest first, the image is checked pinned to
 * that digest, and exactly that digest (the index, for a multi-platform image) is signed, only
 * if the verdict passed. On a fail or an error nothing is written to the registry.
 */
export async function gateAndSign(options: SignOptions): Promise<SignOutcome> {
  requireSigningNode('signing');
  const signer = options.keyless
    ? { keyless: await keylessSigner(options.keyless) }
    : {
        key: options.keyPem
          ? (await import('../sign/keys.js')).loadSigningKey(
              options.keyPem,
              () => options.password ?? process.env.COSIGN_PASSWORD,
              'the signing key',
            )
          : await readSigningKey(options.keyPath ?? '', options.password),
      };
  const ref = parseReference(options.image);
  if (ref.transport !== 'docker') {
    throw new GateError(
      'usage',
      `signing writes to a registry; ${options.image} is not a registry image (docker://HOST/REPO:TAG)`,
    );
  }
  const repo: RepositoryRef = { registry: ref.name.registry, repository: ref.name.repository };
  const client = new RegistryClient({
    tlsVerify: options.tlsVerify ?? true,
    ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
    log: options.log,
  });
  try {
    const top = await client.getManifest(
      repo,
      ref.name.digest ?? ref.name.tag ?? 'latest',
      MANIFEST_ACCEPT,
    );
    const pinned = `docker://${repo.registry}/${repo.repository}@${top.digest}`;
    const verdict = await check({ ...options, image: pinned });
    if (verdict.decision !== 'pass' || verdict.rules.some((r) => r.status === 'error')) {
      options.log.info(`not signing ${top.digest}: the verdict is ${verdict.decision}`);
      return { verdict };
    }
    const { signVerdict } = await import('../sign/sign.js');
    const sign = (subject: { mediaType: string; digest: string; size: number }) =>
      signVerdict({
        client,
        repo,
        subject,
        ...signer,
        verdict,
        ...(options.formats ? { formats: options.formats } : {}),
        ...(options.verifierId ? { verifierId: options.verifierId } : {}),
      });
    const signed = await sign({
      mediaType: top.mediaType,
      digest: top.digest,
      size: top.bytes.length,
    });
    if (!options.recursive || verdict.image.digest === top.digest) return { verdict, signed };
    const child = await client.getManifest(repo, verdict.image.digest, MANIFEST_ACCEPT);
    const platform = await sign({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
    });
    return { verdict, signed, platform };
  } finally {
    await client.close();
  }
}

/**
 * Keyless: the trusted root is read and the token's presence checked before gating (fail
 * fast); the token itself is fetched when signing starts. The read-back accepts any subject
 * of the token's issuer under the trusted root: it proves the bundles arrived intact.
 */
async function keylessSigner(k: KeylessSignOptions) {
  const { identityToken, tokenIssuer } = await import('../sign/oidc.js');
  let trustedRoot: unknown;
  try {
    trustedRoot = JSON.parse(await readFile(k.trustedRootPath, 'utf8'));
  } catch (err) {
    throw new GateError(
      'usage',
      `cannot read the trusted root ${k.trustedRootPath}: ${(err as Error).message}`,
    );
  }
  if (!process.env.SIGSTORE_ID_TOKEN && !process.env.ACTIONS_ID_TOKEN_REQUEST_URL)
    await identityToken();
  let token: string | undefined;
  const getToken = async () => (token ??= await identityToken());
  return {
    fulcioURL: k.fulcioURL,
    ...(k.tsaURL ? { tsaURL: k.tsaURL } : {}),
    ...(k.rekorURL ? { tlog: { rekorURL: k.rekorURL } } : {}),
    identityToken: getToken,
    get verify() {
      return { trustedRoot, subject: /.*/, issuer: token ? tokenIssuer(token) : '' };
    },
  };
}

/** Reads and decrypts the key before any gating, so a bad key fails fast (exit 2). */
export async function readSigningKey(path: string, password?: string): Promise<SigningKey> {
  const { loadSigningKey } = await import('../sign/keys.js');
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new GateError(
      'not-found',
      `cannot read key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return loadSigningKey(pem, () => password ?? process.env.COSIGN_PASSWORD, path);
}

/** Docker Content Trust is retired; a set DOCKER_CONTENT_TRUST suggests a false sense of safety. */
export function contentTrustWarning(log: Logger, env: NodeJS.ProcessEnv = process.env): void {
  if (env.DOCKER_CONTENT_TRUST === '1') {
    log.warn(
      'DOCKER_CONTENT_TRUST=1 is set, but Docker Content Trust (Notary v1) is retired and image-gate does not use it; verify image-gate signatures with cosign or image-gate verify instead',
    );
  }
}
