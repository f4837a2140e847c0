import { GateError } from '../errors.js';
import { formatPlatform, platformOf } from './manifest.js';
import type { Descriptor, ImageIndex } from './manifest.js';
import type { ImageConfig, Platform } from './types.js';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Picks the manifest for `platform` from an index (parsed JSON, checked here). An exact match
 * wins, with the usual default variants (arm64 is v8, arm is v7); when no variant was asked for,
 * any variant of the OS and architecture will do. BuildKit's attestation manifests
 * (`unknown/unknown`) are never chosen, nor listed as available.
 */
export function selectPlatform(
  index: ImageIndex | unknown,
  platform: Platform = DEFAULT_PLATFORM,
  where = 'image index',
): Descriptor {
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) {
    throw new GateError('format', `${where}: not an image index (no manifests array)`);
  }
  const candidates = (manifests as Descriptor[]).filter(
    (d) =>
      d &&
      typeof d.digest === 'string' &&
      d.platform &&
      d.platform.os !== 'unknown' &&
      d.platform.architecture !== 'unknown' &&
      d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  const want = normalize(platform);
  const exact = candidates.find((d) => samePlatform(normalize(d.platform!), want, true));
  const loose = platform.variant
    ? undefined
    : candidates.find((d) => samePlatform(normalize(d.platform!), want, false));
  const match = exact ?? loose;
  if (match) return match;
  const available = [...new Set(candidates.map((d) => formatPlatform(d.platform!)))].join(', ');
  throw new GateError(
    'not-found',
    `${where}: no image for platform ${formatPlatform(platform)} (available: ${available || 'none'})`,
  );
}

/** containerd's normalisation: `aarch64` is arm64, arm64 means v8, arm means v7. */
function normalize(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (architecture === 'aarch64') architecture = 'arm64';
  if (architecture === 'x86_64' || architecture === 'x86-64') architecture = 'amd64';
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm' && (variant === undefined || variant === '7')) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

function samePlatform(have: Platform, want: Platform, strictVariant: boolean): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  return !strictVariant || (have.variant ?? '') === (want.variant ?? '');
}

/**
 * An index entry says which platform its image is for, and the image's config says it again:
 * when they disagree, the index would have the gate check one image in place of another (the
 * scanners, and whoever runs it, go by the config). Variants are compared when both state one.
 */
export function checkPlatformAgrees(desc: Descriptor, config: ImageConfig, where: string): void {
  if (!desc.platform) return;
  const listed = normalize(desc.platform);
  const actual = normalize(platformOf(config));
  const variantsDiffer =
    desc.platform.variant !== undefined &&
    config.variant !== undefined &&
    listed.variant !== actual.variant;
  if (listed.os !== actual.os || listed.architecture !== actual.architecture || variantsDiffer) {
    throw new GateError(
      'format',
      `${where}: the index lists ${desc.digest} as ${formatPlatform(desc.platform)} but its config says ${formatPlatform(platformOf(config))}`,
    );
  }
}
