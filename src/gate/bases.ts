import { errorMessage } from '../errors.js';
import { formatPlatform } from '../image/manifest.js';
import { openImage, type OpenOptions } from '../image/open.js';
import type { Platform } from '../image/types.js';
import type { AllowedBase } from '../policy/types.js';

/** An allowed base with its diff_ids, or the reason it could not be resolved. */
export type ResolvedBase =
  { reference: string; digest?: string; diffIds: string[] } | { reference: string; error: string };

/**
 * Resolves the policy's allowed bases to diff_ids for the image's platform. Only the manifest
 * and config are read (both verified against their digests); a base's layers are not needed to
 * compare diff_ids. A base that cannot be resolved is kept with its error, so the rule fails
 * closed instead of silently ignoring it.
 */
export async function resolveBases(
  allowed: AllowedBase[],
  platform: Platform,
  options: OpenOptions,
): Promise<ResolvedBase[]> {
  return Promise.all(
    allowed.map(async (base): Promise<ResolvedBase> => {
      if (!('reference' in base)) {
        return {
          reference: base.name ?? base.digest ?? `pinned diff-ids (${base.diffIds.length} layers)`,
          ...(base.digest ? { digest: base.digest } : {}),
          diffIds: base.diffIds,
        };
      }
      try {
        const image = await openImage(base.reference, {
          ...options,
          platform: formatPlatform(platform),
        });
        await image.close();
        return {
          reference: base.reference,
          digest: image.manifestDigest,
          diffIds: image.config.rootfs.diff_ids,
        };
      } catch (err) {
        return { reference: base.reference, error: errorMessage(err) };
      }
    }),
  );
}
