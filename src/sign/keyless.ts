import type { Statement } from './formats.js';
import { MediaTypes } from './formats.js';

/**
 * Keyless signing: a short-lived certificate from a Fulcio CA for the caller's OIDC identity,
 * with an RFC 3161 timestamp proving the signature was made while the certificate was valid.
 * No transparency log unless asked (`tlog`): a public log would publish a private image's
 * digest. All URLs are the caller's (GitHub's Sigstore instance, the public-good one, or a
 * private deployment).
 */
export interface KeylessOptions {
  fulcioURL: string;
  /** Timestamp authority; without a tlog a timestamp is the only proof of signing time. */
  tsaURL?: string;
  /** Opt in to a Rekor transparency log entry (public Rekor makes the digest public). */
  tlog?: { rekorURL: string };
  /** The OIDC identity token (audience `sigstore`), e.g. from GitHub Actions' token endpoint. */
  identityToken: () => Promise<string>;
}

/** A DSSE bundle v0.3 signed with a Fulcio certificate, built by @sigstore/sign (loaded lazily). */
export async function buildKeylessBundle(
  stmt: Statement,
  options: KeylessOptions,
): Promise<Buffer> {
  if (!options.tsaURL && !options.tlog) {
    throw new Error('keyless signing needs a timestamp authority or a transparency log');
  }
  const [{ DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness }, { bundleToJSON }] =
    await Promise.all([import('@sigstore/sign'), import('@sigstore/bundle')]);
  const witnesses = [
    ...(options.tsaURL ? [new TSAWitness({ tsaBaseURL: options.tsaURL })] : []),
    // intoto entries: Rekor v1 stores them with the envelope, which verifiers re-derive.
    ...(options.tlog
      ? [new RekorWitness({ rekorBaseURL: options.tlog.rekorURL, entryType: 'intoto' as const })]
      : []),
  ];
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({
      fulcioBaseURL: options.fulcioURL,
      identityProvider: { getToken: options.identityToken },
    }),
    witnesses,
  });
  const bundle = await builder.create({
    data: Buffer.from(JSON.stringify(stmt)),
    type: MediaTypes.inToto,
  });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}
