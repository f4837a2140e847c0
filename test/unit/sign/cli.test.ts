import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { loadPublicKey, loadSigningKey } from '../../../src/sign/keys.js';

let err: string[];
let out: string[];
const saved = { out: process.stdout.write, err: process.stderr.write };

beforeEach(() => {
  err = [];
  out = [];
  process.stdout.write = ((c: string) => (
    out.push(String(c)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => (
    err.push(String(c)),
    true
  )) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = saved.out;
  process.stderr.write = saved.err;
});

describe('on any Node', () => {
  test('generate-key-pair writes a key pair (no sigstore needed) and never overwrites', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ig-keys-'));
    const prefix = join(dir, 'cosign');
    process.env.COSIGN_PASSWORD = 'pw';
    try {
      expect(await runCli(['generate-key-pair', '--output-prefix', prefix])).toBe(0);
      const key = loadSigningKey(await readFile(`${prefix}.key`, 'utf8'), () => 'pw', 'k');
      const pub = loadPublicKey(await readFile(`${prefix}.pub`, 'utf8'), 'p');
      expect(pub.equals(key.publicKey)).toBe(true);
      expect(await runCli(['generate-key-pair', '--output-prefix', prefix])).toBe(2);
      expect(err.join('')).toMatch(/the file exists \(not overwritten\)/);
    } finally {
      delete process.env.COSIGN_PASSWORD;
    }
  });

  test('generate-key-pair without COSIGN_PASSWORD is an error, not an unencrypted key', async () => {
    delete process.env.COSIGN_PASSWORD;
    const dir = await mkdtemp(join(tmpdir(), 'ig-keys-'));
    expect(await runCli(['generate-key-pair', '--output-prefix', join(dir, 'k')])).toBe(2);
    expect(err.join('')).toMatch(/set COSIGN_PASSWORD/);
  });

  test('--sign without --key, and verify without --key, are usage errors', async () => {
    expect(await runCli(['check', 'app:v1', '--sign'])).toBe(2);
    expect(err.join('')).toMatch(/signing needs --key FILE/);
    expect(await runCli(['verify', 'app:v1'])).toBe(2);
    expect(err.join('')).toMatch(/verify needs --key FILE/);
  });
});
