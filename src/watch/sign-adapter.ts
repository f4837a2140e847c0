import type { KeyObject } from 'node:crypto';
import type { RegistryClient } from '../image/registry/client.js';
import type { VerifyResult } from '../sign/verify.js';
import type { DigestRef, VerifyDigest, VerifyOutcome } from './verify.js';

export interface SignVerifierOptions {
  publicKey: KeyObject;
  /** Refuse verdicts older than this (by their signed time). */
  maxAgeMs?: number;
  /** Require the verdict to be for the policy with this digest. */
  policyDigest?: string;
  client: RegistryClient;
}

/**
 * Adapts the signing module's `verifyImage` to watch's port. watch always requires the signed
 * verdict attestation besides the signature: a signature alone says who pushed, not that the
 * image passed the gate. Loaded lazily because sigstore's packages need a newer Node.
 */
export async function signVerifier(options: SignVerifierOptions): Promise<VerifyDigest> {
  const { verifyImage } = await import('../sign/verify.js');
  return async (ref: DigestRef) => {
    const name = splitRepository(ref.repository);
    const result = await verifyImage(
      { registry: name.registry, repository: name.repository, digest: ref.digest },
      {
        publicKey: options.publicKey,
        requireAttestation: true,
        ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
        ...(options.policyDigest !== undefined ? { policyDigest: options.policyDigest } : {}),
      },
      { client: options.client },
    );
    return toOutcome(result);
  };
}

export function toOutcome(result: VerifyResult): VerifyOutcome {
  const issued = 'attestation' in result ? result.attestation?.verdict?.timeVerified : undefined;
  const at = issued !== undefined ? { verdictIssuedAt: issued } : {};
  switch (result.status) {
    case 'verified':
    case 'verdict-failed':
    case 'verdict-stale':
      return { state: result.status, detail: result.message, ...at };
    case 'unsigned':
    case 'invalid-signature':
    case 'error':
      return { state: result.status, detail: result.message };
  }
}

/**
 * `host[:port]/path` as the engine writes it in RepoDigests → registry and repository. The
 * engine always writes the registry for non-Hub images; Hub ones appear as `name` or
 * `user/name`, which docker expands to docker.io (and library/ for a single component).
 */
export function splitRepository(repository: string): { registry: string; repository: string } {
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, repository: repository.slice(slash + 1) };
  }
  return {
    registry: 'docker.io',
    repository: slash < 0 ? `library/${repository}` : repository,
  };
}
