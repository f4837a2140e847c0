import { describe, expect, test } from 'vitest';
import { formatReference, parseReference } from '../../../src/image/reference.js';

describe('image references in skopeo syntax', () => {
  test.each([
    ['alpine', 'docker://docker.io/library/alpine:latest'],
    ['docker://alpine:3.20', 'docker://docker.io/library/alpine:3.20'],
    ['index.docker.io/team/app', 'docker://docker.io/team/app:latest'],
    ['127.0.0.1:5000/demo/app:v1', 'docker://127.0.0.1:5000/demo/app:v1'],
    ['localhost/app', 'docker://localhost/app:latest'],
    ['ghcr.io/o/r@sha256:' + 'a'.repeat(64), 'docker://ghcr.io/o/r@sha256:' + 'a'.repeat(64)],
    ['docker-archive:/tmp/x.tar', 'docker-archive:/tmp/x.tar'],
    ['docker-archive:/tmp/x.tar:app:v1', 'docker-archive:/tmp/x.tar:app:v1'],
    ['oci:/tmp/layout:latest', 'oci:/tmp/layout:latest'],
    ['oci-archive:img.tar', 'oci-archive:img.tar'],
    ['docker-daemon:app:v1', 'docker-daemon:app:v1'],
    ['docker-daemon:127.0.0.1:5000/app:v1', 'docker-daemon:127.0.0.1:5000/app:v1'],
  ])('%s is %s', (input, canonical) => {
    expect(formatReference(parseReference(input))).toBe(canonical);
  });

  test('a host with a port is a registry, not a transport', () => {
    const ref = parseReference('registry.local:5000/app');
    expect(ref).toEqual({
      transport: 'docker',
      name: { registry: 'registry.local:5000', repository: 'app', tag: 'latest' },
    });
  });

  test.each([
    ['', 'it is empty'],
    ['docker:alpine', 'docker://NAME'],
    ['Alpine', 'lower case'],
    ['app@sha256:abc', 'not a sha256 digest'],
    ['s3://bucket/x', 'unknown transport "s3"'],
    ['oci:', 'the path is empty'],
    ['bad_host.io:x/app', 'not a valid registry host'],
  ])('%j is rejected: %s', (input, why) => {
    expect(() => parseReference(input)).toThrow(why);
  });
});
