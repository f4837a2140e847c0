import { MANIFEST_ACCEPT, parseManifest } from '../image/manifest.js';
import type { RegistryClient } from '../image/registry/client.js';
import { splitRepository } from './sign-adapter.js';
import type { DigestRef } from './verify.js';

/** Whether the registry digest holds the image the container runs. */
export type BindDigest = (
  ref: DigestRef,
  imageId: string,
) => Promise<{ ok: true } | { ok: false; detail: string }>;

/** An index with more platforms than this is not read further (bounded work per digest). */
const MAX_CHILDREN = 64;
const MAX_ENTRIES = 10_000;

/**
 * On the classic image store `.Image` is a config digest and the registry digest comes from
 * the engine's RepoDigests; this reads the manifest at that digest (its bytes checked against
 * the digest by the registry client) and requires its config, or the config of one of an index's
 * manifests, to be the image that runs. Results are kept: both digests name immutable content.
 */
export function registryBinder(client: RegistryClient): BindDigest {
  const known = new Map<string, true>();
  return async (ref, imageId) => {
    const key = `${ref.digest} ${imageId}`;
    if (known.has(key)) return { ok: true };
    const repo = splitRepository(ref.repository);
    const configs = await configDigests(client, repo, ref.digest);
    if (!configs.includes(imageId)) {
      return {
        ok: false,
        detail: `${ref.repository}@${ref.digest} does not hold the running image ${imageId}`,
      };
    }
    if (known.size >= MAX_ENTRIES) known.clear();
    known.set(key, true);
    return { ok: true };
  };
}

async function configDigests(
  client: RegistryClient,
  repo: { registry: string; repository: string },
  digest: string,
): Promise<string[]> {
  const top = await client.getManifest(repo, digest, MANIFEST_ACCEPT);
  const where = `${repo.registry}/${repo.repository}@${digest}`;
  const parsed = parseManifest(top.bytes, top.mediaType, where);
  if (parsed.kind === 'manifest') return [parsed.manifest.config.digest];
  const out: string[] = [];
  for (const child of parsed.index.manifests.slice(0, MAX_CHILDREN)) {
    const fetched = await client.getManifest(repo, child.digest, MANIFEST_ACCEPT);
    const inner = parseManifest(fetched.bytes, fetched.mediaType, `${where} > ${child.digest}`);
    if (inner.kind === 'manifest') out.push(inner.manifest.config.digest);
  }
  return out;
}
