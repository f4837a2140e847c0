/**
 * The wire formats cosign, policy-controller and Kyverno read (see
 * ../shared/notes/signing-formats.md): the simple-signing payload of `.sig`, in-toto
 * statements and DSSE envelopes of `.att` and bundles, and the media types and annotation keys
 * that name them. Pure functions: no I/O, no keys.
 */

export const MediaTypes = {
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
  inToto: 'application/vnd.in-toto+json',
  bundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const Annotations = {
  signature: 'dev.cosignproject.cosign/signature',
  predicateType: 'predicateType',
  bundleContent: 'dev.sigstore.bundle.content',
  bundlePredicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const;

export const PredicateTypes = {
  /** What cosign v3 signs as "the image signature" in the bundle format. */
  cosignSign: 'https://sigstore.dev/cosign/sign/v1',
  vsa: 'https://slsa.dev/verification_summary/v1',
} as const;

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** cosign attest (legacy) still writes v0.1 statements; readers accept both. */
export const STATEMENT_TYPES = [STATEMENT_TYPE, 'https://in-toto.io/Statement/v0.1'];

/** The `{}` blob every artifact manifest uses as its config. */
export const EMPTY_JSON = Buffer.from('{}');

/** `sha256:abc…` → `sha256-abc…`, the prefix of cosign's tags and of the referrers fallback tag. */
export function digestTag(digest: string, suffix: '' | '.sig' | '.att'): string {
  return `${digest.replace(':', '-')}${suffix}`;
}

export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, string> | null;
}

export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

/** The payload a `.sig` layer signs, byte for byte as cosign's Go encoder writes it. */
export function simpleSigningPayload(
  repository: string,
  digest: string,
  optional: Record<string, string>,
): Buffer {
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: Object.keys(optional).length > 0 ? optional : null,
  };
  return Buffer.from(JSON.stringify(payload));
}

export interface Statement {
  _type: string;
  subject: {
    name?: string;
    digest: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** An in-toto Statement v1 about one image digest; only the fields cosign's protojson accepts. */
export function statement(
  name: string,
  digest: string,
  predicateType: string,
  predicate: Record<string, unknown>,
): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType,
    predicate,
  };
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the statement bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** DSSE's pre-authentication encoding: what the signature covers. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** The go-containerregistry "empty image" config cosign writes for `.sig`/`.att` manifests. */
export function signatureConfig(layerDigests: string[]): Buffer {
  const epoch = '0001-01-01T00:00:00Z';
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: epoch,
      history: layerDigests.map(() => ({ created: epoch })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDigests },
      config: {},
    }),
  );
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}
