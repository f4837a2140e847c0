import type { ContainerInspect, ImageInspect, ImageStore } from './engine.js';
import { parseDigestRef, type DigestRef } from './verify.js';

/** The registry digests a running container can be verified by, or why there are none. */
export type Identity =
  | { kind: 'digests'; candidates: DigestRef[]; manifestDigest: string | null }
  | { kind: 'no-registry-digest'; manifestDigest: string | null; detail: string }
  | { kind: 'error'; detail: string };

/**
 * Ties what the container runs (inspect `.Image`) to registry digests, never through its image
 * name. Classic store: `.Image` is the config digest; the engine records in `RepoDigests` the
 * manifests it pulled or pushed for exactly that image ID. Containerd store: `.Image` is the
 * pulled index or manifest digest itself, so only `RepoDigests` naming that digest count.
 */
export function identify(
  container: ContainerInspect,
  image: ImageInspect | undefined,
  store: ImageStore,
): Identity {
  const manifestDigest = container.ImageManifestDescriptor?.digest ?? null;
  if (!/^sha256:[a-f0-9]{64}$/.test(container.Image)) {
    return { kind: 'error', detail: `the engine reports no image digest ("${container.Image}")` };
  }
  if (!image) {
    return { kind: 'error', detail: `image ${container.Image} is no longer known to the engine` };
  }
  if (image.Id !== container.Image) {
    // Inspecting by ID must give that ID back; anything else is not the image that runs.
    return {
      kind: 'error',
      detail: `the engine answered image ${image.Id} when asked for ${container.Image}`,
    };
  }
  const seen = new Set<string>();
  const candidates: DigestRef[] = [];
  for (const text of image.RepoDigests ?? []) {
    const ref = parseDigestRef(text);
    if (!ref || seen.has(text)) continue;
    if (store === 'containerd' && ref.digest !== container.Image) continue;
    seen.add(text);
    candidates.push(ref);
  }
  if (candidates.length === 0) {
    return {
      kind: 'no-registry-digest',
      manifestDigest,
      detail: 'the image was never pulled from or pushed to a registry (built locally)',
    };
  }
  return { kind: 'digests', candidates, manifestDigest };
}
