import type { KeyObject } from 'node:crypto';
import { GateError, errorMessage } from '../errors.js';
import { MANIFEST_ACCEPT } from '../image/manifest.js';
import { parseReference } from '../image/reference.js';
import type { RegistryClient, RepositoryRef } from '../image/registry/client.js';
import {
  type BundleTrust,
  checkAttLayer,
  checkBundle,
  checkSigLayer,
  type EntryOutcome,
  type KeylessIdentity,
} from './entries.js';
export type { KeylessIdentity } from './entries.js';
import { Annotations, digestTag, PredicateTypes, type Statement } from './formats.js';
import { SignatureStore } from './store.js';
import type { VsaPredicate } from './vsa.js';

/** Where an entry was found, e.g. `.sig layer 2` or `bundle referrer sha256:…`. */
export type EntryFormat = 'legacy-sig' | 'legacy-att' | 'bundle';

/** What verify concluded about one signed entry found for the digest. */
export interface EntryReport {
  format: EntryFormat;
  /** `signature` (the image is signed) or `attestation` (a VSA about it). */
  kind: 'signature' | 'attestation' | 'other';
  /** Human-readable location: `127.0.0.1:5391/app:sha256-….sig layer 1`. */
  where: string;
  ok: boolean;
  /** Why it does not count (ok === false). */
  reason?: string;
  /** For attestations: the signed VSA facts. */
  verdict?: { result: string; timeVerified?: string; policyDigest?: string };
}

/** Exactly one of `publicKey` and `keyless` says whose signature counts. */
export interface VerifyOptions {
  /** The verification key (`cosign.pub`): SPKI P-256, see `loadPublicKey`. */
  publicKey?: KeyObject;
  /** A keyless identity (certificate subject and issuer) under a sigstore trusted root. */
  keyless?: KeylessIdentity;
  /** Refuse a verdict whose signed `timeVerified` is older than this. Implies an attestation. */
  maxAgeMs?: number;
  /** Require the verdict's policy to have this digest (`sha256:<hex>` or `<hex>`). Implies an attestation. */
  policyDigest?: string;
  /** Require a valid, PASSED image-gate verdict attestation besides the signature. */
  requireAttestation?: boolean;
  /** Clock for max-age; default now. */
  now?: Date;
}

export interface VerifyDeps {
  client: RegistryClient;
}

/** The image to verify: a reference (a tag is resolved to its current digest) or a digest. */
export type VerifyTarget = string | (RepositoryRef & { digest: string });

interface Base {
  /** The digest that was checked (the tag's current digest when a tag was given). */
  digest: string;
  /** Every entry examined, with the reason each failed. */
  entries: EntryReport[];
  /** One line for people. */
  message: string;
}

/**
 * The outcome of `verifyImage`. `watch` and `image-gate verify` branch on `status`:
 * - `verified`: a signature by the key over this digest, and (when asked) a fresh PASSED verdict;
 * - `unsigned`: nothing signed for this digest (or no attestation when one is required);
 * - `invalid-signature`: entries exist but none verifies with the key for this digest;
 * - `verdict-failed`: the newest signed verdict is not PASSED, or is for another policy;
 * - `verdict-stale`: the newest signed verdict is older than `maxAgeMs`;
 * - `error`: the registry could not be read (never a pass).
 */
export type VerifyResult =
  | (Base & { status: 'verified'; signature: EntryReport; attestation?: EntryReport })
  | (Base & { status: 'unsigned' })
  | (Base & { status: 'invalid-signature' })
  | (Base & { status: 'verdict-failed'; attestation: EntryReport })
  | (Base & { status: 'verdict-stale'; attestation: EntryReport; ageMs: number })
  | { status: 'error'; digest?: string; entries: EntryReport[]; message: string; error: unknown };

/** Clock skew tolerated for a `timeVerified` in the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Verifies the cosign-compatible signatures and image-gate verdict attestations of an image in
 * a registry, in both formats (legacy `.sig`/`.att` tags and sigstore bundle referrers). Offline
 * with a key: no transparency log is consulted. Never throws: failures come back as `error`.
 */
export async function verifyImage(
  target: VerifyTarget,
  options: VerifyOptions,
  deps: VerifyDeps,
): Promise<VerifyResult> {
  const entries: EntryReport[] = [];
  let digest: string | undefined;
  try {
    const resolved = await resolveTarget(target, deps.client);
    digest = resolved.digest;
    if (!options.publicKey === !options.keyless) {
      throw new GateError('usage', 'verify needs either a public key or a keyless identity');
    }
    const trust: BundleTrust = options.publicKey
      ? { kind: 'key', key: options.publicKey }
      : { kind: 'keyless', identity: options.keyless! };
    const store = new SignatureStore(deps.client, resolved.repo);
    const name = `${resolved.repo.registry}/${resolved.repo.repository}`;
    await collect(store, name, digest, trust, entries);
    return judge(digest, entries, options);
  } catch (err) {
    return {
      status: 'error',
      ...(digest ? { digest } : {}),
      entries,
      message: errorMessage(err),
      error: err,
    };
  }
}

async function resolveTarget(
  target: VerifyTarget,
  client: RegistryClient,
): Promise<{ repo: RepositoryRef; digest: string }> {
  if (typeof target !== 'string') {
    return {
      repo: { registry: target.registry, repository: target.repository },
      digest: target.digest,
    };
  }
  const ref = parseReference(target);
  if (ref.transport !== 'docker') {
    throw new GateError(
      'usage',
      `verify reads signatures from a registry; ${target} is not a registry image`,
    );
  }
  const repo = { registry: ref.name.registry, repository: ref.name.repository };
  if (ref.name.digest) return { repo, digest: ref.name.digest };
  // A tag is resolved now: a signature on the digest it pointed to before does not count.
  const fetched = await client.getManifest(repo, ref.name.tag ?? 'latest', MANIFEST_ACCEPT);
  return { repo, digest: fetched.digest };
}

async function collect(
  store: SignatureStore,
  name: string,
  digest: string,
  trust: BundleTrust,
  entries: EntryReport[],
): Promise<void> {
  // Keyless legacy layers carry their certificate in annotations; only bundles are read keyless.
  const keyless: EntryOutcome = {
    ok: false,
    reason: 'legacy entries are checked with a key; keyless signatures are read from bundles',
  };
  const key = trust.kind === 'key' ? trust.key : undefined;
  const [sigs, atts, bundles] = await Promise.all([
    store.readLayers(digest, '.sig'),
    store.readLayers(digest, '.att'),
    store.readBundles(digest),
  ]);
  sigs.forEach((layer, i) =>
    entries.push(
      report(
        'legacy-sig',
        `${name}:${digestTag(digest, '.sig')} layer ${i + 1}`,
        key ? checkSigLayer(layer, key, digest) : keyless,
      ),
    ),
  );
  atts.forEach((layer, i) => {
    const where = `${name}:${digestTag(digest, '.att')} layer ${i + 1}`;
    const declared = layer.descriptor.annotations?.[Annotations.predicateType];
    entries.push(
      report('legacy-att', where, key ? checkAttLayer(layer, key, digest) : keyless, declared),
    );
  });
  for (const b of bundles) {
    entries.push(
      report(
        'bundle',
        `${name}@${b.manifestDigest} (bundle referrer)`,
        await checkBundle(b, trust, digest),
      ),
    );
  }
}

function report(
  format: EntryFormat,
  where: string,
  outcome: EntryOutcome,
  declaredPredicate?: string,
): EntryReport {
  if (!outcome.ok) {
    const kind =
      format === 'legacy-sig'
        ? 'signature'
        : declaredPredicate === PredicateTypes.vsa
          ? 'attestation'
          : format === 'legacy-att'
            ? 'other'
            : 'signature';
    return { format, kind, where, ok: false, reason: outcome.reason };
  }
  if (format === 'legacy-sig') return { format, kind: 'signature', where, ok: true };
  const stmt = outcome.statement!;
  if (stmt.predicateType === PredicateTypes.vsa) {
    return { format, kind: 'attestation', where, ok: true, verdict: vsaFacts(stmt) };
  }
  // cosign v3 signs images as a bundle of this predicate; other predicates (SBOMs…) are neither.
  const kind =
    format === 'bundle' && stmt.predicateType === PredicateTypes.cosignSign ? 'signature' : 'other';
  return { format, kind, where, ok: true };
}

function vsaFacts(stmt: Statement): EntryReport['verdict'] {
  const p = stmt.predicate as Partial<VsaPredicate>;
  return {
    result: String(p.verificationResult),
    ...(typeof p.timeVerified === 'string' ? { timeVerified: p.timeVerified } : {}),
    ...(typeof p.policy?.digest?.sha256 === 'string'
      ? { policyDigest: `sha256:${p.policy.digest.sha256}` }
      : {}),
  };
}

function judge(digest: string, entries: EntryReport[], options: VerifyOptions): VerifyResult {
  const signature = entries.find((e) => e.kind === 'signature' && e.ok);
  if (!signature) {
    const tried = entries.filter((e) => e.kind !== 'other');
    if (tried.length === 0)
      return { status: 'unsigned', digest, entries, message: `no signature found for ${digest}` };
    return {
      status: 'invalid-signature',
      digest,
      entries,
      message: `no signature verified for ${digest}: ${tried.map((e) => `${e.where}: ${e.reason ?? 'not a signature'}`).join('; ')}`,
    };
  }
  const wantVerdict =
    options.requireAttestation ||
    options.maxAgeMs !== undefined ||
    options.policyDigest !== undefined;
  const attestation = newestVerdict(entries);
  if (!attestation) {
    if (!wantVerdict) return verified(digest, entries, signature);
    const bad = entries.filter((e) => e.kind === 'attestation' && !e.ok);
    return {
      status: 'unsigned',
      digest,
      entries,
      message: `signed, but no image-gate verdict attestation verified for ${digest}${bad.length ? `: ${bad.map((e) => `${e.where}: ${e.reason}`).join('; ')}` : ''}`,
    };
  }
  const facts = attestation.verdict!;
  if (facts.result !== 'PASSED') {
    return {
      status: 'verdict-failed',
      digest,
      entries,
      attestation,
      message: `the newest signed verdict (${attestation.where}) says ${facts.result}`,
    };
  }
  if (options.policyDigest !== undefined) {
    const want = options.policyDigest.startsWith('sha256:')
      ? options.policyDigest
      : `sha256:${options.policyDigest}`;
    if (facts.policyDigest !== want) {
      return {
        status: 'verdict-failed',
        digest,
        entries,
        attestation,
        message: `the newest signed verdict (${attestation.where}) is for policy ${facts.policyDigest ?? '(none)'}, not ${want}`,
      };
    }
  }
  if (options.maxAgeMs !== undefined) {
    const now = (options.now ?? new Date()).getTime();
    const at = Date.parse(facts.timeVerified ?? '');
    const ageMs = now - at;
    if (Number.isNaN(at) || ageMs > options.maxAgeMs || ageMs < -FUTURE_SKEW_MS) {
      return {
        status: 'verdict-stale',
        digest,
        entries,
        attestation,
        ageMs,
        message: Number.isNaN(at)
          ? `the newest signed verdict (${attestation.where}) has no valid timeVerified`
          : ageMs < 0
            ? `the newest signed verdict (${attestation.where}) is dated in the future (${facts.timeVerified})`
            : `the newest signed verdict (${attestation.where}) is from ${facts.timeVerified}, older than the maximum age`,
      };
    }
  }
  return verified(digest, entries, signature, attestation);
}

function verified(
  digest: string,
  entries: EntryReport[],
  signature: EntryReport,
  attestation?: EntryReport,
): VerifyResult {
  return {
    status: 'verified',
    digest,
    entries,
    signature,
    ...(attestation ? { attestation } : {}),
    message: `verified ${digest}: signature ${signature.where}${attestation ? `, verdict ${attestation.verdict!.result} at ${attestation.verdict!.timeVerified} (${attestation.where})` : ''}`,
  };
}

/** The valid VSA with the latest signed timeVerified: the image's current verdict. */
function newestVerdict(entries: EntryReport[]): EntryReport | undefined {
  const valid = entries.filter((e) => e.kind === 'attestation' && e.ok && e.verdict);
  const time = (e: EntryReport) => Date.parse(e.verdict!.timeVerified ?? '') || 0;
  return valid.sort((a, b) => time(b) - time(a))[0];
}
