import { formatPlatform } from '../image/manifest.js';
import { openImage, type OpenOptions } from '../image/open.js';
import { walkImage, type WalkOptions } from '../layers/walk.js';
import type { InspectInfo } from '../report/inspect.js';

export interface InspectOptions extends OpenOptions {
  image: string;
  walk?: WalkOptions;
}

/**
 * Reads the image once, verifying every blob digest and diffID on the way, and describes it.
 * Reading every layer is what proves the digests: inspect never reports unverified layers.
 */
export async function inspect(options: InspectOptions): Promise<InspectInfo> {
  const image = await openImage(options.image, options);
  try {
    const layers = await walkImage(image, [], options.walk);
    const c = image.config.config ?? {};
    return {
      reference: image.reference,
      manifestDigest: image.manifestDigest,
      manifestMediaType: image.manifestMediaType,
      configDigest: image.configDigest,
      platform: formatPlatform(image.platform),
      config: {
        user: c.User ?? '',
        env: c.Env ?? [],
        entrypoint: c.Entrypoint ?? [],
        cmd: c.Cmd ?? [],
        workingDir: c.WorkingDir ?? '',
        labels: c.Labels ?? {},
        history: image.config.history ?? [],
      },
      layers,
    };
  } finally {
    await image.close();
  }
}
