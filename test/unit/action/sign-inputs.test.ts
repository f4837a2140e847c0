import { describe, expect, test } from 'vitest';
import { inputVariable, readConfig } from '../../../src/action/inputs.js';

function env(given: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(given).map(([k, v]) => [inputVariable(k), v]));
}

describe('sign inputs', () => {
  test('off by default', () => {
    expect(readConfig(env({ image: 'ghcr.io/a/b:1' })).sign).toBeUndefined();
  });

  test('sign: true with a key (and a password) from secrets', () => {
    const config = readConfig(
      env({
        image: 'ghcr.io/a/b:1',
        sign: 'true',
        'signing-key': 'PEM',
        'signing-key-password': 'pw',
      }),
    );
    expect(config.sign).toEqual({ keyPem: 'PEM', password: 'pw', legacy: true });
    const noLegacy = readConfig(
      env({ image: 'ghcr.io/a/b:1', sign: 'true', 'signing-key': 'PEM', 'sign-legacy': 'false' }),
    );
    expect(noLegacy.sign).toEqual({ keyPem: 'PEM', legacy: false });
  });

  test('sign: true without a key is an input error, not an unsigned pass', () => {
    expect(() => readConfig(env({ image: 'ghcr.io/a/b:1', sign: 'true' }))).toThrow(
      /sign: true needs "signing-key" .* or "keyless: true"/,
    );
  });

  test('keyless: public-good Fulcio and TSA by default, no transparency log unless tlog: true', () => {
    const base = {
      image: 'ghcr.io/a/b:1',
      sign: 'true',
      keyless: 'true',
      'trusted-root': 'root.json',
    };
    expect(readConfig(env(base)).sign).toEqual({
      legacy: false,
      keyless: {
        fulcioURL: 'https://fulcio.sigstore.dev',
        tsaURL: 'https://timestamp.sigstore.dev',
        trustedRootPath: 'root.json',
      },
    });
    expect(
      readConfig(env({ ...base, tlog: 'true', 'fulcio-url': 'http://127.0.0.1:1' })).sign?.keyless,
    ).toEqual({
      fulcioURL: 'http://127.0.0.1:1',
      tsaURL: 'https://timestamp.sigstore.dev',
      rekorURL: 'https://rekor.sigstore.dev',
      trustedRootPath: 'root.json',
    });
  });

  test('keyless needs a trusted root, and not a key as well', () => {
    const base = { image: 'ghcr.io/a/b:1', sign: 'true', keyless: 'true' };
    expect(() => readConfig(env(base))).toThrow(/needs "trusted-root"/);
    expect(() =>
      readConfig(env({ ...base, 'trusted-root': 'r.json', 'signing-key': 'PEM' })),
    ).toThrow(/not both/);
  });

  test('only registry images can be signed', () => {
    for (const image of ['oci:build/layout:1', 'docker-daemon:a/b:1', 'docker-archive:x.tar']) {
      expect(() => readConfig(env({ image, sign: 'true', 'signing-key': 'PEM' }))).toThrow(
        /signs images in a registry/,
      );
    }
  });
});
