import { describe, expect, test } from 'vitest';
import { checkPlatformAgrees } from '../../../src/image/platform.js';
import { parseConfig, parseManifest } from '../../../src/image/manifest.js';
import type { ImageConfig } from '../../../src/image/types.js';

const D = `sha256:${'a'.repeat(64)}`;
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D, size: 10 };
const manifest = (edit: (m: Record<string, unknown>) => void = () => {}): Buffer => {
  const m: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D, size: 5 },
    layers: [{ ...layer }],
  };
  edit(m);
  return Buffer.from(JSON.stringify(m));
};
const layers = (m: Record<string, unknown>) => m.layers as Record<string, unknown>[];

describe('manifests, indexes and configs are checked against their schema before use', () => {
  test('a well-formed manifest and index pass', () => {
    expect(parseManifest(manifest(), undefined, 'm').kind).toBe('manifest');
    const index = {
      schemaVersion: 2,
      manifests: [
        {
          ...layer,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    expect(parseManifest(Buffer.from(JSON.stringify(index)), undefined, 'i').kind).toBe('index');
  });

  const broken: [string, (m: Record<string, unknown>) => unknown, RegExp][] = [
    [
      'a layer without size',
      (m: Record<string, unknown>) => delete layers(m)[0]!.size,
      /\/layers\/0 has no "size"/,
    ],
    [
      'a size that is a string',
      (m: Record<string, unknown>) => (layers(m)[0]!.size = '10'),
      /\/layers\/0\/size must be integer/,
    ],
    [
      'a negative size',
      (m: Record<string, unknown>) => (layers(m)[0]!.size = -1),
      /\/layers\/0\/size must be >= 0/,
    ],
    [
      'a fractional size',
      (m: Record<string, unknown>) => (layers(m)[0]!.size = 1.5),
      /\/layers\/0\/size must be integer/,
    ],
    [
      'a config without digest',
      (m: Record<string, unknown>) => delete (m.config as Record<string, unknown>).digest,
      /\/config has no "digest"/,
    ],
    [
      'a digest that is no digest',
      (m: Record<string, unknown>) => (layers(m)[0]!.digest = '../../etc'),
      /\/layers\/0\/digest must match pattern/,
    ],
    [
      'schemaVersion 3',
      (m: Record<string, unknown>) => (m.schemaVersion = 3),
      /\/schemaVersion must be equal to constant/,
    ],
  ];
  test.for(broken)('%s is an error naming the field', ([, edit, message]) => {
    expect(() => parseManifest(manifest(edit), undefined, 'reg/repo@x')).toThrow(
      new RegExp(`^reg/repo@x: not a valid image manifest: ${message.source}`),
    );
  });

  test('an index entry without size is an error', () => {
    const index = {
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D }],
    };
    expect(() => parseManifest(Buffer.from(JSON.stringify(index)), undefined, 'i')).toThrow(
      /not a valid image index: \/manifests\/0 has no "size"/,
    );
  });

  test('a config must say its platform and carry digests as diff_ids', () => {
    const good = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D] } };
    expect(parseConfig(Buffer.from(JSON.stringify(good)), 'c').rootfs.diff_ids).toEqual([D]);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, os: undefined }, /has no "os"/],
      [
        { ...good, rootfs: { type: 'layers', diff_ids: [42] } },
        /\/rootfs\/diff_ids\/0 must be string/,
      ],
      [{ ...good, config: { User: 0 } }, /\/config/],
      [{ ...good, config: { Env: 'PATH=/bin' } }, /\/config/],
    ];
    for (const [doc, message] of cases) {
      expect(() => parseConfig(Buffer.from(JSON.stringify(doc)), 'c')).toThrow(message);
    }
  });
});

describe('an index entry must describe the image it points to', () => {
  const config = (p: Partial<ImageConfig>): ImageConfig => ({
    rootfs: { type: 'layers', diff_ids: [] },
    ...p,
  });
  const entry = (platform: Record<string, string>) => ({ ...layer, platform: platform as never });

  test('the same platform, with the usual normalisation, agrees', () => {
    expect(() =>
      checkPlatformAgrees(
        entry({ os: 'linux', architecture: 'arm64', variant: 'v8' }),
        config({ os: 'linux', architecture: 'arm64' }),
        'x',
      ),
    ).not.toThrow();
    expect(() =>
      checkPlatformAgrees(
        entry({ os: 'linux', architecture: 'amd64' }),
        config({ os: 'linux', architecture: 'x86_64' }),
        'x',
      ),
    ).not.toThrow();
  });

  test('another OS, architecture or stated variant is an error', () => {
    expect(() =>
      checkPlatformAgrees(
        entry({ os: 'linux', architecture: 'arm64' }),
        config({ os: 'linux', architecture: 'amd64' }),
        'x',
      ),
    ).toThrow(/lists .* as linux\/arm64 but its config says linux\/amd64/);
    expect(() =>
      checkPlatformAgrees(
        entry({ os: 'windows', architecture: 'amd64' }),
        config({ os: 'linux', architecture: 'amd64' }),
        'x',
      ),
    ).toThrow(/windows\/amd64 but its config says linux\/amd64/);
    expect(() =>
      checkPlatformAgrees(
        entry({ os: 'linux', architecture: 'arm', variant: 'v6' }),
        config({ os: 'linux', architecture: 'arm', variant: 'v7' }),
        'x',
      ),
    ).toThrow(/linux\/arm\/v6/);
  });
});
