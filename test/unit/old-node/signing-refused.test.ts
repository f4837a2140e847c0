/**
 * Runs only on a Node older than sigstore's packages support (vitest.config.ts includes this folder
 * there and the signing and watch integration tests everywhere else): every command that signs or
 * verifies refuses before any work, with exit 2 and the versions it needs, rather than failing
 * half-way or reporting an image as unverified.
 */
import { describe, expect, test } from 'vitest';
import { runCliCaptured as cli } from '../../helpers/sign-env.js';

describe('on a Node older than sigstore supports', () => {
  // Nothing is read or contacted first: the registry below does not exist.
  test('check --sign refuses before gating, exit 2, naming the versions', async () => {
    const r = await cli('check', '127.0.0.1:9/app:v1', '--sign', '--key', '/nonexistent');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /signing needs Node\.js \^22\.22\.2, \^24\.15\.0, >=26\.0\.0 .* this is Node\.js 20\./,
    );
  });

  test('sign and verify refuse the same way', async () => {
    expect((await cli('sign', '127.0.0.1:9/app:v1', '--key', '/nonexistent')).code).toBe(2);
    const verify = await cli('verify', '127.0.0.1:9/app:v1', '--key', '/nonexistent');
    expect(verify.code).toBe(2);
    expect(verify.err).toMatch(/verify needs Node\.js/);
  });

  test('watch refuses to start rather than report unverified images as anything', async () => {
    const r = await cli('watch', '--once', '--key', '/nonexistent');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/watch needs Node\.js/);
  });
});
