import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { GateError } from '../../../src/errors.js';
import {
  encryptCosignKey,
  generateKeyPair,
  loadPublicKey,
  loadSigningKey,
} from '../../../src/sign/keys.js';
import { requireSigningNode } from '../../../src/sign/node-version.js';

const pw = (p: string | undefined) => () => p;

function pemOf(type: 'pkcs8' | 'sec1', curve: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return privateKey.export({ type, format: 'pem' }).toString();
}

function refusal(fn: () => unknown): GateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a refusal');
}

describe('cosign encrypted keys', () => {
  test('generate-key-pair writes a key that decrypts with its password and signs for its public key', () => {
    const { privatePem, publicPem } = generateKeyPair('s3cret');
    expect(privatePem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const body = JSON.parse(
      Buffer.from(privatePem.split('\n').slice(1, -2).join(''), 'base64').toString(),
    ) as { kdf: { name: string; params: object; salt: string }; cipher: { name: string } };
    expect(body.kdf.name).toBe('scrypt');
    expect(body.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
    expect(Buffer.from(body.kdf.salt, 'base64')).toHaveLength(32);
    expect(body.cipher.name).toBe('nacl/secretbox');
    const key = loadSigningKey(privatePem, pw('s3cret'), 'cosign.key');
    const data = Buffer.from('payload');
    const pub = loadPublicKey(publicPem, 'cosign.pub');
    expect(verify('sha256', data, pub, sign('sha256', data, key.privateKey))).toBe(true);
    expect(key.publicKeyPem).toBe(publicPem);
  });

  test('an empty password is a password (COSIGN_PASSWORD="")', () => {
    const { privatePem } = generateKeyPair('');
    expect(loadSigningKey(privatePem, pw(''), 'k').privateKey.asymmetricKeyType).toBe('ec');
  });

  test('a wrong password is refused without saying anything about the key', () => {
    const { privatePem } = generateKeyPair('right');
    const err = refusal(() => loadSigningKey(privatePem, pw('wrong'), 'cosign.key'));
    expect(err.code).toBe('auth');
    expect(err.message).toMatch(/wrong password/);
  });

  test('no password at all asks for COSIGN_PASSWORD', () => {
    const { privatePem } = generateKeyPair('x');
    expect(refusal(() => loadSigningKey(privatePem, pw(undefined), 'k')).message).toMatch(
      /COSIGN_PASSWORD/,
    );
  });

  test('scrypt costs cosign would not accept are refused before any work (bounded memory)', () => {
    const { privatePem } = generateKeyPair('x');
    const doc = JSON.parse(
      Buffer.from(privatePem.split('\n').slice(1, -2).join(''), 'base64').toString(),
    ) as { kdf: { params: { N: number } } };
    doc.kdf.params.N = 1 << 24;
    const hostile = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(doc)).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    expect(refusal(() => loadSigningKey(hostile, pw('x'), 'k')).message).toMatch(
      /unsupported scrypt parameters \(N=16777216/,
    );
  });

  test('the older "ENCRYPTED COSIGN PRIVATE KEY" label is read too', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = encryptCosignKey(privateKey, 'p').replace(/SIGSTORE/g, 'COSIGN');
    expect(loadSigningKey(pem, pw('p'), 'k').publicKeyPem).toMatch(/PUBLIC KEY/);
  });

  test('an encrypted key holding P-384 is refused after decryption', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = encryptCosignKey(privateKey, 'p');
    expect(refusal(() => loadSigningKey(pem, pw('p'), 'k')).message).toMatch(
      /ECDSA P-384 keys are not supported/,
    );
  });
});

describe('plain PEM keys', () => {
  test('PKCS#8 and SEC1 P-256 keys are accepted', () => {
    for (const type of ['pkcs8', 'sec1'] as const) {
      const key = loadSigningKey(pemOf(type, 'P-256'), pw(undefined), `${type}.pem`);
      expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
  });

  test.each([
    ['P-384', () => pemOf('pkcs8', 'P-384'), /ECDSA P-384 keys are not supported/],
    ['P-521 (SEC1)', () => pemOf('sec1', 'P-521'), /ECDSA P-521 keys are not supported/],
    [
      'RSA 2048',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      /RSA keys are not supported/,
    ],
    [
      'Ed25519',
      () =>
        generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      /ED25519 keys are not supported/,
    ],
  ])('%s is refused with a clear error (exit 2)', (_name, make, message) => {
    const err = refusal(() => loadSigningKey(make(), pw(undefined), 'key.pem'));
    expect(err.code).toBe('usage');
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/P-256/);
  });

  test('an OpenSSL-encrypted PKCS#8 key gets a conversion hint', () => {
    const pem = execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-aes256',
      '-pass',
      'pass:x',
    ]).toString();
    expect(refusal(() => loadSigningKey(pem, pw('x'), 'k.pem')).message).toMatch(/import-key-pair/);
  });

  test('a public key where a private key belongs, and the other way round, are named', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(refusal(() => loadSigningKey(pub, pw(undefined), 'k')).message).toMatch(
      /found "PUBLIC KEY"/,
    );
    expect(refusal(() => loadPublicKey(priv, 'p')).message).toMatch(/found "PRIVATE KEY"/);
  });

  test('an RSA public key is refused for verification too', () => {
    const pub = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(refusal(() => loadPublicKey(pub, 'rsa.pub')).message).toMatch(
      /RSA keys are not supported/,
    );
  });

  test('a huge key file is refused before parsing', () => {
    expect(refusal(() => loadSigningKey('x'.repeat(1 << 20), pw(undefined), 'k')).code).toBe(
      'limit',
    );
  });
});

describe('Node version for signing', () => {
  test.each(['20.20.2', '22.12.0', '24.14.0'])(
    'Node %s is refused with the supported list',
    (v) => {
      const err = refusal(() => requireSigningNode('signing', v));
      expect(err.code).toBe('usage');
      expect(err.message).toMatch(new RegExp(`this is Node.js ${v.replace(/\./g, '\\.')}`));
      expect(err.message).toMatch(/\^24\.15\.0/);
    },
  );

  test.each(['22.22.2', '24.15.0', '24.22.3', '26.0.0'])('Node %s is accepted', (v) => {
    expect(() => requireSigningNode('signing', v)).not.toThrow();
  });
});
