import { GateError } from '../errors.js';
import { sha256 } from '../image/digest.js';
import type { RegistryClient, RepositoryRef } from '../image/registry/client.js';
import type { Verdict } from '../policy/verdict.js';
import {
  buildAttLayer,
  buildKeyBundle,
  buildSigLayer,
  checkAttLayer,
  checkSigLayer,
  signatureStatement,
} from './entries.js';
import { Annotations, type Descriptor, PredicateTypes, type Statement } from './formats.js';
import type { KeylessIdentity } from './entries.js';
import { buildKeylessBundle, type KeylessOptions } from './keyless.js';
import type { SigningKey } from './keys.js';
import { SignatureStore, type ReferrersMode } from './store.js';
import { type EntryFormat, verifyImage } from './verify.js';
import { verdictStatement } from './vsa.js';

export interface SignFormats {
  /** `sha256-<hex>.sig` and `.att` (cosign v1-v3, policy-controller, Kyverno). Default true. */
  legacy?: boolean;
  /** sigstore bundle v0.3 referrers (cosign v3's default). Default true. */
  bundle?: boolean;
}

export interface SignRequest {
  client: RegistryClient;
  repo: RepositoryRef;
  /** The gated manifest or index, exactly as the registry stores it (never a tag). */
  subject: Descriptor;
  /** Sign with this key (cosign's key-based flow) ... */
  key?: SigningKey;
  /**
   * ... or keyless: a Fulcio certificate for an OIDC identity, bundles only. `verify` is the
   * identity and trusted root the written bundles are read back and checked against.
   */
  keyless?: KeylessOptions & { verify: KeylessIdentity };
  /** The verdict being signed; it must be a pass. */
  verdict: Verdict;
  formats?: SignFormats;
  /** VSA `verifier.id`; default image-gate's URI. */
  verifierId?: string;
}

/** One thing written to the registry. */
export interface WrittenEntry {
  format: EntryFormat;
  kind: 'signature' | 'attestation';
  /** Digest of the manifest that holds it (`.sig`/`.att` manifest, or the referrer). */
  manifestDigest: string;
  /** false when an identical entry by this key was already there. */
  added: boolean;
}

export interface SignResult {
  digest: string;
  written: WrittenEntry[];
  /** How bundle referrers are found on this registry (bundles only). */
  referrers?: ReferrersMode;
}

/**
 * Signs a gated digest in every requested format, then reads everything back and verifies it
 * with the public key before returning. A verdict that did not pass is refused: nothing is
 * written. Existing entries by other signers are kept.
 */
export async function signVerdict(req: SignRequest): Promise<SignResult> {
  const { verdict, subject, key, keyless } = req;
  if (!key === !keyless) throw new GateError('usage', 'signing needs either a key or keyless');
  if (verdict.decision !== 'pass' || verdict.rules.some((r) => r.status === 'error')) {
    throw new GateError(
      'internal',
      `refusing to sign ${subject.digest}: the verdict is not a pass`,
    );
  }
  // Keyless entries are bundles: the legacy tags would need the certificate in annotations.
  if (keyless && req.formats?.legacy)
    throw new GateError('usage', 'the legacy .sig/.att formats need a key; keyless writes bundles');
  const formats = {
    legacy: key ? (req.formats?.legacy ?? true) : false,
    bundle: req.formats?.bundle ?? true,
  };
  if (!formats.legacy && !formats.bundle)
    throw new GateError('usage', 'no signature format selected (both legacy and bundle are off)');
  const store = new SignatureStore(req.client, req.repo);
  const name = `${req.repo.registry}/${req.repo.repository}`;
  const vsa = verdictStatement(verdict, { name, digest: subject.digest }, req.verifierId);
  const written: WrittenEntry[] = [];
  // Bundles first: cosign v3 ignores `.sig` as soon as any bundle referrer exists, so a
  // legacy signature alone could be shadowed by another tool's bundle.
  if (formats.bundle) {
    const created = verdict.checkedAt;
    const bundleOf = (stmt: Statement) =>
      key ? buildKeyBundle(key, stmt) : buildKeylessBundle(stmt, keyless!);
    const sigBundle = await bundleOf(signatureStatement(name, subject.digest));
    written.push({
      format: 'bundle',
      kind: 'signature',
      manifestDigest: await store.pushBundle(
        subject,
        sigBundle,
        PredicateTypes.cosignSign,
        created,
      ),
      added: true,
    });
    const attBundle = await bundleOf(vsa);
    written.push({
      format: 'bundle',
      kind: 'attestation',
      manifestDigest: await store.pushBundle(subject, attBundle, PredicateTypes.vsa, created),
      added: true,
    });
  }
  if (formats.legacy && key) {
    const sig = buildSigLayer(key, name, subject.digest, {
      'dev.image-gate/policy-digest': verdict.policy.digest,
      'dev.image-gate/result': 'PASSED',
    });
    const sigWrite = await store.appendLayer(
      subject.digest,
      '.sig',
      sig,
      (l) => sameSigLayer(l.descriptor, sig) && checkSigLayer(l, key.publicKey, subject.digest).ok,
    );
    written.push({ format: 'legacy-sig', kind: 'signature', ...sigWrite });
    const att = buildAttLayer(key, vsa);
    // Each verdict has its own timeVerified, so a new attestation is never a duplicate.
    const attWrite = await store.appendLayer(
      subject.digest,
      '.att',
      att,
      (l) => l.blob.equals(att.blob) && checkAttLayer(l, key.publicKey, subject.digest).ok,
    );
    written.push({ format: 'legacy-att', kind: 'attestation', ...attWrite });
  }
  await confirm(req, written, vsa.predicate['timeVerified'] as string);
  return {
    digest: subject.digest,
    written,
    ...(formats.bundle ? { referrers: await store.referrersMode(subject.digest) } : {}),
  };
}

/**
 * cosign's duplicate rule: the same payload, media type and annotations (the signature aside),
 * and a signature that verifies under this key (ECDSA signatures differ on every run).
 */
function sameSigLayer(
  existing: Descriptor,
  ours: { blob: Buffer; mediaType: string; annotations: Record<string, string> },
): boolean {
  const others = (a: Record<string, string> | undefined) =>
    JSON.stringify(
      Object.entries(a ?? {})
        .filter(([k]) => k !== Annotations.signature)
        .sort(),
    );
  return (
    existing.digest === sha256(ours.blob) &&
    existing.mediaType === ours.mediaType &&
    others(existing.annotations) === others(ours.annotations)
  );
}

/** Reads back what was written and verifies every format with the public key. */
async function confirm(
  req: SignRequest,
  written: WrittenEntry[],
  timeVerified: string,
): Promise<void> {
  const result = await verifyImage(
    { ...req.repo, digest: req.subject.digest },
    {
      ...(req.key ? { publicKey: req.key.publicKey } : { keyless: req.keyless!.verify }),
      requireAttestation: true,
    },
    { client: req.client },
  );
  const problem = (why: string) =>
    new GateError(
      'registry',
      `signed ${req.subject.digest}, but reading it back from registry ${req.repo.registry} failed: ${why}`,
    );
  if (result.status === 'error') throw problem(result.message);
  for (const w of written) {
    const found = result.entries.some(
      (e) =>
        e.ok &&
        e.format === w.format &&
        e.kind === w.kind &&
        (w.kind === 'signature' || e.verdict?.timeVerified === timeVerified),
    );
    if (!found) {
      const why = result.entries
        .filter((e) => !e.ok && e.format === w.format)
        .map((e) => `${e.where}: ${e.reason}`);
      throw problem(
        `no valid ${w.format} ${w.kind} by this signer was found${why.length ? ` (${why.join('; ')})` : ''}`,
      );
    }
  }
  if (result.status !== 'verified') throw problem(result.message);
}
