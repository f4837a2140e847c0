import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import {
  Annotations,
  type DsseEnvelope,
  MediaTypes,
  pae,
  PredicateTypes,
  simpleSigningPayload,
  type SimpleSigningPayload,
  type Statement,
  STATEMENT_TYPES,
  statement,
} from './formats.js';
import type { SigningKey } from './keys.js';
import type { StoredBundle, StoredLayer } from './store.js';

/**
 * Building and checking the signed entries one by one: the `.sig` layer (simple signing), the
 * `.att` layer (DSSE in-toto) and the sigstore bundle (DSSE in-toto, key or keyless). Checking an
 * entry means: the signature verifies under the key over exactly the stored bytes, and what
 * those bytes say is about `digest`. @sigstore/verify does not check the subject; this does.
 */

/** ECDSA P-256 / SHA-256, ASN.1 DER, as cosign writes and every verifier reads. */
export function signBytes(key: SigningKey, data: Buffer): Buffer {
  return sign('sha256', data, key.privateKey);
}

/** DER first (what cosign writes), then IEEE P1363 `r||s` (what sigstore's verifier also takes). */
export function verifyBytes(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (verify('sha256', data, key, signature)) return true;
  } catch {
    // not DER: try P1363 below
  }
  try {
    return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** `base64(sha256(SPKI DER))`: the key hint put in bundles and DSSE key ids. */
export function keyHint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

export function buildSigLayer(
  key: SigningKey,
  repository: string,
  digest: string,
  optional: Record<string, string>,
) {
  const blob = simpleSigningPayload(repository, digest, optional);
  return {
    blob,
    mediaType: MediaTypes.simpleSigning,
    annotations: { [Annotations.signature]: signBytes(key, blob).toString('base64') },
  };
}

export function buildAttLayer(key: SigningKey, stmt: Statement) {
  const payload = Buffer.from(JSON.stringify(stmt));
  const envelope: DsseEnvelope = {
    payloadType: MediaTypes.inToto,
    payload: payload.toString('base64'),
    signatures: [
      { keyid: '', sig: signBytes(key, pae(MediaTypes.inToto, payload)).toString('base64') },
    ],
  };
  return {
    blob: Buffer.from(JSON.stringify(envelope)),
    mediaType: MediaTypes.dsse,
    annotations: { [Annotations.signature]: '', [Annotations.predicateType]: stmt.predicateType },
  };
}

/** The statement cosign v3 signs as an image signature in the bundle format. */
export function signatureStatement(name: string, digest: string): Statement {
  return statement(name, digest, PredicateTypes.cosignSign, {});
}

/** A sigstore bundle v0.3 (DSSE, key-signed, no tlog) built by @sigstore/sign, loaded lazily. */
export async function buildKeyBundle(key: SigningKey, stmt: Statement): Promise<Buffer> {
  const [{ DSSEBundleBuilder }, { bundleToJSON }] = await Promise.all([
    import('@sigstore/sign'),
    import('@sigstore/bundle'),
  ]);
  const hint = keyHint(key.publicKey);
  const builder = new DSSEBundleBuilder({
    witnesses: [],
    signer: {
      sign: async (data: Buffer) => ({
        signature: signBytes(key, data),
        key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint },
      }),
    },
  });
  const bundle = await builder.create({
    data: Buffer.from(JSON.stringify(stmt)),
    type: MediaTypes.inToto,
  });
  const json = bundleToJSON(bundle) as { dsseEnvelope?: { signatures?: { keyid?: string }[] } };
  // The hint stays in verificationMaterial (cosign writes it there), but not as the DSSE keyid:
  // cosign's DSSE verifier skips a signature whose keyid differs from its key's (empty) id, so
  // a keyid there makes `cosign verify` find no signature. cosign itself writes none.
  for (const s of json.dsseEnvelope?.signatures ?? []) delete s.keyid;
  return Buffer.from(JSON.stringify(json));
}

/** The outcome of checking one entry: ok with what it says, or the reason it does not count. */
export type EntryOutcome =
  | { ok: true; statement?: Statement; payload?: SimpleSigningPayload }
  | { ok: false; reason: string };

export function checkSigLayer(layer: StoredLayer, key: KeyObject, digest: string): EntryOutcome {
  if (layer.descriptor.mediaType !== MediaTypes.simpleSigning)
    return { ok: false, reason: `unexpected layer type ${layer.descriptor.mediaType}` };
  const sig = layer.descriptor.annotations?.[Annotations.signature];
  if (!sig) return { ok: false, reason: 'no signature annotation' };
  if (!verifyBytes(key, layer.blob, Buffer.from(sig, 'base64')))
    return { ok: false, reason: 'the signature does not verify with this key' };
  let payload: SimpleSigningPayload;
  try {
    payload = JSON.parse(layer.blob.toString('utf8')) as SimpleSigningPayload;
  } catch {
    return { ok: false, reason: 'the signed payload is not JSON' };
  }
  const signed = payload?.critical?.image?.['docker-manifest-digest'];
  if (signed !== digest) return { ok: false, reason: `it signs ${String(signed)}, not ${digest}` };
  return { ok: true, payload };
}

export function checkAttLayer(layer: StoredLayer, key: KeyObject, digest: string): EntryOutcome {
  if (layer.descriptor.mediaType !== MediaTypes.dsse)
    return { ok: false, reason: `unexpected layer type ${layer.descriptor.mediaType}` };
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(layer.blob.toString('utf8')) as DsseEnvelope;
  } catch {
    return { ok: false, reason: 'the DSSE envelope is not JSON' };
  }
  return checkEnvelope(envelope, (data, sig) => verifyBytes(key, data, sig), digest);
}

/**
 * A bundle: @sigstore/verify checks the signature (against the key; no tlog or timestamp is
 * required for a key-signed bundle), then this checks the statement's subject.
 */
/** Who may have signed a bundle: a public key, or a keyless identity under a trusted root. */
export type BundleTrust =
  { kind: 'key'; key: KeyObject } | { kind: 'keyless'; identity: KeylessIdentity };

export interface KeylessIdentity {
  /** A sigstore trusted root (`trusted_root.json`): Fulcio CAs, CT logs, TSAs, Rekor logs. */
  trustedRoot: unknown;
  /** The certificate's subject (SAN): exact text, or a RegExp (`--certificate-identity-regexp`). */
  subject: string | RegExp;
  /** The OIDC issuer (`--certificate-oidc-issuer`), e.g. https://token.actions.githubusercontent.com. */
  issuer: string;
  /** GitHub's workflow repository claim (`owner/repo`), when it must match too. */
  workflowRepository?: string;
}

/** Fulcio's certificate extension holding the GitHub workflow repository (legacy OID). */
const WORKFLOW_REPOSITORY_OID = '1.3.6.1.4.1.57264.1.5';

export async function checkBundle(
  stored: StoredBundle,
  trust: BundleTrust,
  digest: string,
): Promise<EntryOutcome> {
  const [{ bundleFromJSON }, { Verifier, toSignedEntity, toTrustMaterial }] = await Promise.all([
    import('@sigstore/bundle'),
    import('@sigstore/verify'),
  ]);
  let bundle;
  try {
    bundle = bundleFromJSON(JSON.parse(stored.blob.toString('utf8')));
  } catch (err) {
    return { ok: false, reason: `not a valid sigstore bundle: ${(err as Error).message}` };
  }
  if (bundle.content.$case !== 'dsseEnvelope')
    return { ok: false, reason: 'not a DSSE bundle (image signatures are DSSE statements)' };
  const isKeyless = bundle.verificationMaterial.content.$case !== 'publicKey';
  if (isKeyless !== (trust.kind === 'keyless')) {
    return {
      ok: false,
      reason: isKeyless
        ? 'signed keyless (a certificate), but a key was given'
        : 'signed with a key, but a keyless identity was asked for',
    };
  }
  try {
    if (trust.kind === 'key') {
      const material = toTrustMaterial(EMPTY_TRUSTED_ROOT, () => ({
        publicKey: trust.key,
        validFor: () => true,
      }));
      new Verifier(material, {
        tlogThreshold: 0,
        ctlogThreshold: 0,
        timestampThreshold: 0,
      }).verify(toSignedEntity(bundle));
    } else {
      const { TrustedRoot } = await import('@sigstore/protobuf-specs');
      const root = TrustedRoot.fromJSON(trust.identity.trustedRoot);
      // A certificate lives minutes: a timestamp (TSA or tlog) must prove when it signed.
      new Verifier(toTrustMaterial(root), {
        tlogThreshold: 0,
        ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0,
        timestampThreshold: 1,
      }).verify(toSignedEntity(bundle), {
        subjectAlternativeName: trust.identity.subject,
        extensions: { issuer: trust.identity.issuer },
        ...(trust.identity.workflowRepository
          ? {
              oids: [
                {
                  oid: { id: oidArcs(WORKFLOW_REPOSITORY_OID) },
                  value: Buffer.from(trust.identity.workflowRepository),
                },
              ],
            }
          : {}),
      });
    }
  } catch (err) {
    return {
      ok: false,
      reason: `the bundle does not verify ${trust.kind === 'key' ? 'with this key' : 'for this identity'}: ${(err as Error).message}`,
    };
  }
  const env = bundle.content.dsseEnvelope;
  if (env.payloadType !== MediaTypes.inToto)
    return { ok: false, reason: `payload type ${env.payloadType} is not in-toto` };
  return statementAbout(env.payload, digest);
}

function oidArcs(oid: string): number[] {
  return oid.split('.').map(Number);
}

const EMPTY_TRUSTED_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

function checkEnvelope(
  envelope: DsseEnvelope,
  verifySig: (data: Buffer, sig: Buffer) => boolean,
  digest: string,
): EntryOutcome {
  if (envelope?.payloadType !== MediaTypes.inToto)
    return { ok: false, reason: `payload type ${String(envelope?.payloadType)} is not in-toto` };
  const payload = Buffer.from(String(envelope.payload), 'base64');
  const data = pae(envelope.payloadType, payload);
  const sigs = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  if (!sigs.some((s) => verifySig(data, Buffer.from(String(s?.sig), 'base64'))))
    return { ok: false, reason: 'the DSSE signature does not verify with this key' };
  return statementAbout(payload, digest);
}

/** The statement in a verified payload, if it is an in-toto statement about `digest`. */
function statementAbout(payload: Buffer, digest: string): EntryOutcome {
  let stmt: Statement;
  try {
    stmt = JSON.parse(payload.toString('utf8')) as Statement;
  } catch {
    return { ok: false, reason: 'the signed statement is not JSON' };
  }
  if (!STATEMENT_TYPES.includes(stmt?._type))
    return { ok: false, reason: `not an in-toto statement (_type ${String(stmt?._type)})` };
  const hex = digest.slice('sha256:'.length);
  const subjects = Array.isArray(stmt.subject) ? stmt.subject : [];
  if (!subjects.some((s) => s?.digest?.sha256 === hex)) {
    const about = subjects.map((s) => `sha256:${String(s?.digest?.sha256)}`).join(', ');
    return { ok: false, reason: `the statement is about ${about || 'nothing'}, not ${digest}` };
  }
  return { ok: true, statement: stmt };
}
