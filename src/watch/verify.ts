/**
 * The port through which watch verifies an image: it knows nothing of signatures itself. The
 * signing module's verify function is adapted to it (sign-adapter.ts); tests may pass a fake.
 */

/** A registry digest to verify: `repository` (host/path) and the manifest or index digest. */
export interface DigestRef {
  repository: string;
  digest: string;
}

export type VerifyOutcome =
  | { state: 'verified'; detail: string; verdictIssuedAt?: string }
  | { state: 'unsigned'; detail: string }
  | { state: 'invalid-signature'; detail: string }
  | { state: 'verdict-failed'; detail: string; verdictIssuedAt?: string }
  | { state: 'verdict-stale'; detail: string; verdictIssuedAt?: string }
  | { state: 'error'; detail: string };

export type VerifyDigest = (ref: DigestRef) => Promise<VerifyOutcome>;

export function formatDigestRef(ref: DigestRef): string {
  return `${ref.repository}@${ref.digest}`;
}

/** `host/repo@sha256:…` → its parts; undefined for anything else. */
export function parseDigestRef(text: string): DigestRef | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const digest = text.slice(at + 1);
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
  return { repository: text.slice(0, at), digest };
}
