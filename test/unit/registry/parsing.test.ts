import { describe, expect, test } from 'vitest';
import { parseChallenges } from '../../../src/image/registry/auth.js';
import { selectPlatform } from '../../../src/image/platform.js';
import {
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
} from '../../../src/image/registry/retry.js';
import { isLoopbackHost, registryEndpoint } from '../../../src/image/registry/transport.js';

describe('WWW-Authenticate', () => {
  test('a Docker Hub style bearer challenge', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
  });

  test('several challenges, tokens and escapes', () => {
    expect(
      parseChallenges('Basic realm="a \\"q\\" b", Bearer realm=https://x/t , error=invalid_token'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "q" b' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', error: 'invalid_token' } },
    ]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Negotiate abc==').map((c) => c.scheme)).toContain('negotiate');
  });
});

describe('retry timing', () => {
  test('Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  test('backoff doubles with jitter and is capped, Retry-After too', () => {
    const policy = defaultRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });
    expect([0, 1, 2, 3, 4].map((n) => retryDelay(n, undefined, policy))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    const low = defaultRetryPolicy({ baseDelayMs: 100, random: () => 0 });
    expect(retryDelay(1, undefined, low)).toBe(100);
    expect(retryDelay(0, 60_000, policy)).toBe(1000);
  });

  test('which statuses are retried', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe('endpoints', () => {
  test.each([
    ['docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'https://ghcr.io'],
    ['registry.example:8443', 'https://registry.example:8443'],
    ['localhost:5000', 'http://localhost:5000'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.1.2.3', 'http://127.1.2.3'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['128.0.0.1:5000', 'https://128.0.0.1:5000'],
  ])('%s → %s', (registry, origin) => {
    expect(registryEndpoint(registry).origin).toBe(origin);
  });

  test('loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.9', '::1', '[::1]'].every(isLoopbackHost)).toBe(
      true,
    );
    expect(['localhost.example', '10.0.0.1', '::2', 'example.com'].some(isLoopbackHost)).toBe(
      false,
    );
  });
});

describe('platform selection', () => {
  const d = (platform: object, n: number, annotations?: object) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: 'sha256:' + String(n).repeat(64).slice(0, 64),
    size: 1,
    platform,
    ...(annotations ? { annotations } : {}),
  });
  const index = {
    schemaVersion: 2,
    manifests: [
      d({ os: 'linux', architecture: 'arm', variant: 'v6' }, 1),
      d({ os: 'linux', architecture: 'arm', variant: 'v7' }, 2),
      d({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 3),
      d({ os: 'linux', architecture: 'amd64' }, 4),
      d({ os: 'unknown', architecture: 'unknown' }, 5, {
        'vnd.docker.reference.type': 'attestation-manifest',
      }),
    ],
  };

  test('linux/amd64 by default', () => {
    expect(selectPlatform(index).digest).toBe(index.manifests[3]!.digest);
  });

  test('variants: arm64 is v8, arm is v7, an explicit variant must match', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64' }).digest).toBe(
      index.manifests[2]!.digest,
    );
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm' }).digest).toBe(
      index.manifests[1]!.digest,
    );
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v6' }).digest).toBe(
      index.manifests[0]!.digest,
    );
  });

  test('no match lists what there is, without attestations', () => {
    expect(() => selectPlatform(index, { os: 'linux', architecture: 's390x' }, 'demo/app')).toThrow(
      'demo/app: no image for platform linux/s390x (available: linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/amd64)',
    );
    expect(() => selectPlatform({ manifests: [index.manifests[4]] })).toThrow(/available: none/);
    expect(() => selectPlatform({ schemaVersion: 2 })).toThrow(/not an image index/);
  });
});
