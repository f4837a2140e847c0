import { GateError } from '../errors.js';
import { sha256 } from '../image/digest.js';
import type { RegistryClient, RepositoryRef } from '../image/registry/client.js';
import {
  Annotations,
  type Descriptor,
  digestTag,
  EMPTY_JSON,
  type ImageIndex,
  type ImageManifest,
  MediaTypes,
  signatureConfig,
} from './formats.js';

/** Largest signature payload, envelope or bundle read back (cosign's own cap is far higher). */
export const MAX_ENTRY_BYTES = 4 << 20;
/** cosign reads at most this many layers of a `.sig`/`.att` manifest. */
const MAX_LAYERS = 1000;
/** Read-modify-write rounds before giving up on a registry that keeps losing our write. */
const WRITE_ATTEMPTS = 3;

/** One layer of a `.sig` or `.att` manifest with its blob, read and digest-checked. */
export interface StoredLayer {
  descriptor: Descriptor;
  blob: Buffer;
}

/** One referrer manifest whose single layer is a sigstore bundle. */
export interface StoredBundle {
  manifestDigest: string;
  descriptor: Descriptor;
  blob: Buffer;
}

/** How the referrers of a digest are listed: the registry's API, or the fallback tag index. */
export type ReferrersMode = 'api' | 'fallback-tag';

/**
 * Signatures and attestations in a registry, in cosign's layouts: the `sha256-<hex>.sig` and
 * `.att` tags (layers appended by read-modify-write) and OCI 1.1 referrers (with the fallback
 * tag index for registries without the referrers API). Everything read is digest-checked.
 */
export class SignatureStore {
  private modes = new Map<string, ReferrersMode>();

  constructor(
    private readonly client: RegistryClient,
    private readonly repo: RepositoryRef,
  ) {}

  /** The layers under `sha256-<hex>.sig` / `.att`; none when the tag does not exist. */
  async readLayers(digest: string, suffix: '.sig' | '.att'): Promise<StoredLayer[]> {
    const manifest = await this.optionalManifest(digestTag(digest, suffix));
    if (!manifest) return [];
    const doc = parseJson<ImageManifest>(manifest.bytes, `${digestTag(digest, suffix)}`);
    const layers = (Array.isArray(doc.layers) ? doc.layers : []).slice(0, MAX_LAYERS);
    return Promise.all(
      layers.map(async (descriptor) => ({
        descriptor,
        blob: await this.blob(descriptor),
      })),
    );
  }

  /**
   * Appends one layer to the `.sig` / `.att` manifest of `digest`, keeping every other layer
   * (other signers' signatures survive). `isDuplicate` says whether an existing layer already
   * is this one (ECDSA signatures are randomised, so bytes cannot tell). The manifest is read
   * back after the write: registries ignore If-Match, so a concurrent writer can drop our
   * layer, and then the write is retried.
   */
  async appendLayer(
    digest: string,
    suffix: '.sig' | '.att',
    layer: { blob: Buffer; mediaType: string; annotations: Record<string, string> },
    isDuplicate: (existing: StoredLayer) => boolean,
  ): Promise<{ manifestDigest: string; added: boolean }> {
    const tag = digestTag(digest, suffix);
    const ours: Descriptor = {
      mediaType: layer.mediaType,
      size: layer.blob.length,
      digest: sha256(layer.blob),
      annotations: layer.annotations,
    };
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const existing = await this.readLayers(digest, suffix);
      if (existing.some(isDuplicate)) {
        const current = await this.optionalManifest(tag);
        return { manifestDigest: current!.digest, added: false };
      }
      await this.pushBlob(layer.blob);
      const layers = [...existing.map((l) => l.descriptor), ours];
      const config = signatureConfig(layers.map((l) => l.digest));
      await this.pushBlob(config);
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, size: config.length, digest: sha256(config) },
        layers,
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      await this.client.putManifest(this.repo, tag, bytes, MediaTypes.ociManifest);
      const after = await this.optionalManifest(tag);
      const stored = after && parseJson<ImageManifest>(after.bytes, tag);
      if (stored?.layers?.some((l) => l.digest === ours.digest && sameAnnotations(l, ours))) {
        return { manifestDigest: after!.digest, added: true };
      }
    }
    throw new GateError(
      'registry',
      `registry ${this.repo.registry}: ${this.repo.repository}:${tag} lost our signature ${WRITE_ATTEMPTS} times (another signer writing at the same time?)`,
    );
  }

  /**
   * Pushes a sigstore bundle as an OCI 1.1 referrer of `subject` and makes it findable: a
   * registry with the referrers API indexes it itself; otherwise the fallback tag index
   * `sha256-<hex>` is updated by read-modify-write, keeping every other tool's entries.
   */
  async pushBundle(
    subject: Descriptor,
    bundle: Buffer,
    predicateType: string,
    created: string,
  ): Promise<string> {
    await this.pushBlob(EMPTY_JSON);
    await this.pushBlob(bundle);
    const annotations = {
      [Annotations.created]: created,
      [Annotations.bundleContent]: 'dsse-envelope',
      [Annotations.bundlePredicateType]: predicateType,
    };
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: MediaTypes.bundle,
      config: { mediaType: MediaTypes.ociEmpty, digest: sha256(EMPTY_JSON), size: 2 },
      layers: [{ mediaType: MediaTypes.bundle, digest: sha256(bundle), size: bundle.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256(bytes);
    await this.client.putManifest(this.repo, digest, bytes, MediaTypes.ociManifest);
    const entry: Descriptor = {
      mediaType: MediaTypes.ociManifest,
      digest,
      size: bytes.length,
      artifactType: MediaTypes.bundle,
      annotations,
    };
    if ((await this.referrersMode(subject.digest)) === 'fallback-tag') {
      await this.addToFallbackIndex(subject.digest, entry);
    }
    return digest;
  }

  /** The referrers of `digest` (any artifact type: readers must not filter by it). */
  async listReferrers(digest: string): Promise<Descriptor[]> {
    const api = await this.client.getReferrers(this.repo, digest);
    if (api) {
      this.modes.set(digest, 'api');
      return parseJson<ImageIndex>(api, `referrers of ${digest}`).manifests ?? [];
    }
    this.modes.set(digest, 'fallback-tag');
    return (await this.fallbackIndex(digest))?.index.manifests ?? [];
  }

  /** The bundle referrers of `digest`: manifests with exactly one sigstore bundle layer. */
  async readBundles(digest: string): Promise<StoredBundle[]> {
    const out: StoredBundle[] = [];
    for (const ref of (await this.listReferrers(digest)).slice(0, MAX_LAYERS)) {
      if (ref.mediaType !== MediaTypes.ociManifest) continue;
      const fetched = await this.client.getManifest(this.repo, ref.digest, [
        MediaTypes.ociManifest,
      ]);
      const doc = parseJson<ImageManifest>(fetched.bytes, `referrer ${ref.digest}`);
      const bundles = (doc.layers ?? []).filter((l) =>
        l.mediaType?.startsWith('application/vnd.dev.sigstore.bundle'),
      );
      // A referrer of another subject listed here (a tampered fallback index) is not ours.
      if (bundles.length !== 1 || doc.subject?.digest !== digest) continue;
      out.push({
        manifestDigest: ref.digest,
        descriptor: bundles[0]!,
        blob: await this.blob(bundles[0]!),
      });
    }
    return out;
  }

  /** Whether the registry lists referrers itself: asked, not assumed from a header. */
  async referrersMode(digest: string): Promise<ReferrersMode> {
    const known = this.modes.get(digest);
    if (known) return known;
    const mode = (await this.client.getReferrers(this.repo, digest)) ? 'api' : 'fallback-tag';
    this.modes.set(digest, mode);
    return mode;
  }

  private async addToFallbackIndex(subject: string, entry: Descriptor): Promise<void> {
    const tag = digestTag(subject, '');
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const current = await this.fallbackIndex(subject);
      const index: ImageIndex = current?.index ?? {
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [],
      };
      if (index.manifests.some((m) => m.digest === entry.digest)) return;
      index.manifests = [...index.manifests, entry];
      await this.client.putManifest(
        this.repo,
        tag,
        Buffer.from(JSON.stringify(index)),
        MediaTypes.ociIndex,
      );
      const after = await this.fallbackIndex(subject);
      if (after?.index.manifests.some((m) => m.digest === entry.digest)) return;
    }
    throw new GateError(
      'registry',
      `registry ${this.repo.registry}: the referrers tag ${this.repo.repository}:${tag} lost our entry ${WRITE_ATTEMPTS} times`,
    );
  }

  private async fallbackIndex(subject: string): Promise<{ index: ImageIndex } | undefined> {
    const tag = digestTag(subject, '');
    const fetched = await this.optionalManifest(tag);
    if (!fetched) return undefined;
    const index = parseJson<ImageIndex>(fetched.bytes, tag);
    // Not an index: per the spec, treat it as "no referrers" rather than overwrite blindly.
    if (!Array.isArray(index.manifests)) {
      throw new GateError(
        'format',
        `registry ${this.repo.registry}: tag ${this.repo.repository}:${tag} should be the referrers index of ${subject} but is not an image index`,
      );
    }
    return { index };
  }

  private async optionalManifest(tag: string) {
    try {
      return await this.client.getManifest(this.repo, tag, [
        MediaTypes.ociManifest,
        MediaTypes.ociIndex,
        'application/vnd.docker.distribution.manifest.v2+json',
      ]);
    } catch (err) {
      if (err instanceof GateError && err.code === 'not-found') return undefined;
      throw err;
    }
  }

  private async blob(descriptor: Descriptor): Promise<Buffer> {
    if (typeof descriptor.size !== 'number' || descriptor.size > MAX_ENTRY_BYTES) {
      throw new GateError(
        'limit',
        `registry ${this.repo.registry}: signature blob ${descriptor.digest} is too large (${descriptor.size} bytes)`,
      );
    }
    const blob = await this.client.getBlobBytes(this.repo, descriptor.digest, MAX_ENTRY_BYTES);
    // distribution does not check descriptor sizes on push: a verifier must.
    if (blob.length !== descriptor.size) {
      throw new GateError(
        'digest',
        `registry ${this.repo.registry}: blob ${descriptor.digest} is ${blob.length} bytes, its descriptor says ${descriptor.size}`,
      );
    }
    return blob;
  }

  private pushBlob(bytes: Buffer): Promise<void> {
    return this.client.pushBlob(this.repo, sha256(bytes), bytes, bytes.length);
  }
}

function sameAnnotations(a: Descriptor, b: Descriptor): boolean {
  return JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (doc && typeof doc === 'object') return doc as T;
  } catch {
    // fall through
  }
  throw new GateError('format', `${what} is not a JSON object`);
}
