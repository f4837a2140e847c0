import { describe, expect, test } from 'vitest';
import {
  commentMarker,
  deriveKey,
  escapeKey,
  matrixValues,
  withoutTag,
} from '../../../src/github/marker.js';

describe('comment marker', () => {
  test('a key can never close the HTML comment', () => {
    const marker = commentMarker('x --> <b>hi</b> -- !');
    expect(marker.match(/-->/g)).toHaveLength(1);
    expect(marker.endsWith(' -->')).toBe(true);
    expect(marker).not.toMatch(/<b>/);
  });

  test('escaping is injective: different keys, different markers', () => {
    const keys = ['a b', 'a%20b', 'a-b', 'a%2Db', 'ä', '%C3%A4', 'a', 'a ', 'api (gate, 20)'];
    const escaped = keys.map(escapeKey);
    expect(new Set(escaped).size).toBe(keys.length);
  });

  test('one key is not a prefix match of another', () => {
    expect(`${commentMarker('api-arm64')}\n…`.startsWith(commentMarker('api'))).toBe(false);
  });

  test('readable characters of references stay readable', () => {
    expect(escapeKey('ghcr.io/acme/api:1.2')).toBe('ghcr.io/acme/api:1.2');
  });
});

describe('key derivation', () => {
  test('matrix JSON values in workflow order; null and {} mean no matrix', () => {
    expect(matrixValues('{\n  "os": "ubuntu-latest",\n  "node": 20\n}')).toEqual([
      'ubuntu-latest',
      '20',
    ]);
    expect(matrixValues('{"include": {"arch": "arm64"}}')).toEqual(['{"arch":"arm64"}']);
    expect(matrixValues('null')).toEqual([]);
    expect(matrixValues('{}')).toEqual([]);
    expect(matrixValues('')).toEqual([]);
    expect(matrixValues('arm64')).toEqual(['arm64']);
  });

  test('tags and digests are dropped: the key survives a push', () => {
    expect(withoutTag('ghcr.io/acme/api:pr-1')).toBe('ghcr.io/acme/api');
    expect(withoutTag(`docker://ghcr.io/acme/api@sha256:${'a'.repeat(64)}`)).toBe(
      'docker://ghcr.io/acme/api',
    );
    expect(withoutTag('docker://127.0.0.1:5391/x/good:latest')).toBe(
      'docker://127.0.0.1:5391/x/good',
    );
    expect(withoutTag('127.0.0.1:5391/x/good')).toBe('127.0.0.1:5391/x/good');
    expect(withoutTag('docker-daemon:app:dev')).toBe('docker-daemon:app');
    expect(withoutTag('docker-daemon:app')).toBe('docker-daemon:app');
    expect(withoutTag('oci:build/layout:latest')).toBe('oci:build/layout');
    expect(withoutTag('docker-archive:api.tar')).toBe('docker-archive:api.tar');
  });

  test('images, job and matrix values; matrix legs differ', () => {
    const base = { images: ['ghcr.io/acme/api:pr-1'], job: 'gate' };
    expect(deriveKey({ ...base, matrix: 'null' })).toBe('ghcr.io/acme/api (gate)');
    const amd = deriveKey({ ...base, matrix: '{"arch":"amd64"}' });
    const arm = deriveKey({ ...base, matrix: '{"arch":"arm64"}' });
    expect(amd).toBe('ghcr.io/acme/api (gate, amd64)');
    expect(amd).not.toBe(arm);
    expect(deriveKey({ images: ['a:1', 'b:2', 'a:3'] })).toBe('a, b');
  });
});
