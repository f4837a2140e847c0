import { expect, test } from 'vitest';
import { parseReference } from '../../../src/image/reference.js';

// Signing names every image by digest, usually on a registry with a port.
const digest = `sha256:${'a'.repeat(64)}`;

test.each([
  [`127.0.0.1:5391/app@${digest}`, '127.0.0.1:5391', 'app'],
  [
    `docker://registry.example.com:5000/team/app@${digest}`,
    'registry.example.com:5000',
    'team/app',
  ],
  [`127.0.0.1:5391/app:v1@${digest}`, '127.0.0.1:5391', 'app'],
  [`alpine:3@${digest}`, 'docker.io', 'library/alpine'],
])('%s is a pinned reference', (text, registry, repository) => {
  const ref = parseReference(text);
  expect(ref).toMatchObject({ transport: 'docker', name: { registry, repository, digest } });
});

test.each([
  'user:pw@127.0.0.1:5391/app:v1',
  'user:pw@127.0.0.1:5391',
  'token@registry.example.com/app',
])('%s is still refused as userinfo, without echoing it', (text) => {
  expect(() => parseReference(text)).toThrow(/credentials cannot be part of an image reference/);
  try {
    parseReference(text);
  } catch (err) {
    expect((err as Error).message).not.toMatch(/pw@|token@/);
  }
});
