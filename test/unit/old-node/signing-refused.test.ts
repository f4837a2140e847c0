/**
 * Runs only on a Node older than sigstore's packages support (vitest.config.ts includes this folder
 * there and the signing and watch integration tests everywhere else): every command that signs or
 * verifies refuses before any work, with exit 2 and the versions it needs, rather than failing
 * half-way or reporting an image as unverified.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../../../src/cli/run.js';

let err: string[];
const saved = { out: process.stdout.write, err: process.stderr.write };

beforeEach(() => {
  err = [];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => (
    err.push(String(c)),
    true
  )) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = saved.out;
  process.stderr.write = saved.err;
});

describe('on a Node older than sigstore supports', () => {
  // Nothing is read or contacted first: the registry below does not exist.
  test('check --sign refuses before gating, exit 2, naming the versions', async () => {
    const code = await runCli(['check', '127.0.0.1:9/app:v1', '--sign', '--key', '/nonexistent']);
    expect(code).toBe(2);
    expect(err.join('')).toMatch(
      /signing needs Node\.js \^22\.22\.2, \^24\.15\.0, >=26\.0\.0 .* this is Node\.js 20\./,
    );
  });

  test('sign and verify refuse the same way', async () => {
    expect(await runCli(['sign', '127.0.0.1:9/app:v1', '--key', '/nonexistent'])).toBe(2);
    expect(await runCli(['verify', '127.0.0.1:9/app:v1', '--key', '/nonexistent'])).toBe(2);
    expect(err.join('')).toMatch(/verify needs Node\.js/);
  });

  test('watch refuses to start rather than report unverified images as anything', async () => {
    expect(await runCli(['watch', '--once', '--key', '/nonexistent'])).toBe(2);
    expect(err.join('')).toMatch(/watch needs Node\.js/);
  });
});
