import { describe, expect, test } from 'vitest';
import { renderInspect } from '../../../src/report/inspect.js';
import type { InspectInfo } from '../../../src/report/inspect.js';

function info(): InspectInfo {
  return {
    reference: 'docker://docker.io/library/app:1',
    manifestDigest: 'sha256:' + '1'.repeat(64),
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    configDigest: 'sha256:' + '2'.repeat(64),
    platform: 'linux/amd64',
    config: {
      user: '',
      env: ['PATH=/usr/bin', 'API_TOKEN=abc123'],
      entrypoint: ['/bin/app'],
      cmd: ['--serve', 'a b'],
      workingDir: '/srv',
      labels: { 'org.opencontainers.image.source': 'https://example.test/app', a: 'x' },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:abc in /' },
        { created: '2024-01-02T00:00:00Z', created_by: 'ENV A=1', empty_layer: true },
      ],
    },
    layers: [
      {
        index: 0,
        digest: 'sha256:' + 'abcdef0123456789'.repeat(4),
        diffId: 'sha256:' + '0123456789abcdef'.repeat(4),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        compressedSize: 3_456_789,
        uncompressedSize: 12_345_678,
        fileCount: 512,
      },
    ],
  };
}

describe('renderInspect', () => {
  test('table: identity, config, history and one row per layer with human sizes', () => {
    const text = renderInspect(info(), 'table');
    expect(text).toMatch(/^reference +docker:\/\/docker\.io\/library\/app:1$/m);
    expect(text).toMatch(/^user +not set \(root\)$/m);
    expect(text).toMatch(/^cmd +\["--serve","a b"\]$/m);
    expect(text).toContain('  API_TOKEN=abc123');
    const layer = text.split('\n').find((l) => l.includes('sha256:abcdef'))!;
    expect(layer).toMatch(
      /^ {2}0 +sha256:abcdef012345 +sha256:0123456789ab +oci tar\+gzip +3\.5 MB +12\.3 MB +512$/,
    );
    expect(text).toMatch(/total +3\.5 MB +12\.3 MB +512/);
    expect(text).toMatch(/1 +2024-01-02T00:00:00Z +- +ENV A=1/);
  });

  test('json: the value with a fixed key order', () => {
    const parsed = JSON.parse(renderInspect(info(), 'json')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      'reference',
      'manifestDigest',
      'manifestMediaType',
      'configDigest',
      'platform',
      'config',
      'layers',
    ]);
    expect(Object.keys(parsed.config as object)).toEqual([
      'user',
      'env',
      'entrypoint',
      'cmd',
      'workingDir',
      'labels',
      'history',
    ]);
    expect(parsed).toEqual(info());
  });

  test('redactEnv applies to both formats', () => {
    const redactEnv = (e: string): string => e.replace(/^(\w*TOKEN\w*)=.*/, '$1=***');
    expect(renderInspect(info(), 'table', { redactEnv })).not.toContain('abc123');
    expect(renderInspect(info(), 'json', { redactEnv })).toContain('"API_TOKEN=***"');
  });
});
