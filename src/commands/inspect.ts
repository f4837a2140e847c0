import { formatPlatform } from '../image/manifest.js';
import { openImage, type OpenOptions } from '../image/open.js';
import { walkImage, type WalkOptions } from '../layers/walk.js';
import { SecretScanner } from '../analyze/secrets/index.js';
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
    return redactSecrets({
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
    });
  } finally {
    await image.close();
  }
}

/**
 * Inspect prints the config as it is, except secrets: an env value, a label or a history line in
 * which a detector finds one is masked, so `inspect` in a CI log never leaks what `check` would
 * flag. `check` reports where they are.
 */
function redactSecrets(info: InspectInfo, scanner = new SecretScanner()): InspectInfo {
  const leaks = (text: string): boolean => scanner.scanString(text).length > 0;
  const mask = (hit: string): string =>
    `**** (redacted: ${scanner.scanString(hit)[0]!.title.toLowerCase()})`;
  const c = info.config;
  return {
    ...info,
    config: {
      ...c,
      env: c.env.map((e) => (leaks(e) ? `${e.split('=', 1)[0]}=${mask(e)}` : e)),
      labels: Object.fromEntries(
        Object.entries(c.labels).map(([k, v]) => [k, leaks(`${k}=${v}`) ? mask(`${k}=${v}`) : v]),
      ),
      history: c.history.map((h) => ({
        ...h,
        ...(h.created_by && leaks(h.created_by) ? { created_by: mask(h.created_by) } : {}),
        ...(h.comment && leaks(h.comment) ? { comment: mask(h.comment) } : {}),
      })),
    },
  };
}
