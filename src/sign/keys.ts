import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scryptSync,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { GateError } from '../errors.js';

/** A P-256 private key ready to sign, with the public half cosign's `cosign.pub` holds. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as cosign writes `cosign.pub`. */
  publicKeyPem: string;
}

/** Longest key file read: real ones are under 1 KiB; this bounds hostile input. */
const MAX_KEY_BYTES = 64 * 1024;
const ENCRYPTED_TYPES = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];
/** The only scrypt costs cosign decrypts (go-securesystemslib `encrypted`); bounds memory too. */
const SCRYPT_COSTS = new Set([32768, 65536, 131072]);
const WRITE_COST = 65536;

/**
 * Reads a private key: cosign's encrypted key file (the password comes from `password()`,
 * asked only for that format), or a plain PKCS#8 / SEC1 PEM. Only ECDSA P-256 is accepted:
 * cosign signs other curves with other hashes while verifiers default to SHA-256, so any other
 * key would make signatures that nobody accepts.
 */
export function loadSigningKey(
  pem: string,
  password: () => string | undefined,
  source: string,
): SigningKey {
  bounded(pem, source);
  const type = pemType(pem);
  let privateKey: KeyObject;
  if (type && ENCRYPTED_TYPES.includes(type)) {
    const pass = password();
    if (pass === undefined) {
      throw new GateError(
        'usage',
        `${source} is an encrypted cosign key: set COSIGN_PASSWORD (it may be empty) to its password`,
      );
    }
    privateKey = decryptCosignKey(pem, pass, source);
  } else if (type === 'PRIVATE KEY' || type === 'EC PRIVATE KEY') {
    privateKey = parseKey(() => createPrivateKey({ key: pem, format: 'pem' }), source);
  } else if (type === 'ENCRYPTED PRIVATE KEY') {
    throw new GateError(
      'usage',
      `${source}: a PKCS#8 key encrypted by OpenSSL is not supported; decrypt it (openssl pkey) or convert it with cosign import-key-pair`,
    );
  } else {
    throw new GateError(
      'usage',
      `${source} is not a private key (expected a cosign key or a PEM "PRIVATE KEY" / "EC PRIVATE KEY"${type ? `, found "${type}"` : ''})`,
    );
  }
  requireP256(privateKey, source);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Reads a verification key (SPKI `PUBLIC KEY` PEM, as `cosign.pub`); P-256 only. */
export function loadPublicKey(pem: string, source: string): KeyObject {
  bounded(pem, source);
  const type = pemType(pem);
  if (type !== 'PUBLIC KEY') {
    throw new GateError(
      'usage',
      `${source} is not a public key (expected a PEM "PUBLIC KEY" such as cosign.pub${type ? `, found "${type}"` : ''})`,
    );
  }
  const key = parseKey(() => createPublicKey({ key: pem, format: 'pem' }), source);
  requireP256(key, source);
  return key;
}

/** A new P-256 pair: the private key in cosign's encrypted format, the public key as SPKI PEM. */
export function generateKeyPair(password: string): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: encryptCosignKey(privateKey, password),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * cosign's key file: PEM "ENCRYPTED SIGSTORE PRIVATE KEY" around JSON holding scrypt parameters
 * and a NaCl secretbox of the PKCS#8 DER key (go-securesystemslib's `encrypted` package).
 * Written by hand because no npm package reads or writes this container.
 */
export function encryptCosignKey(privateKey: KeyObject, password: string): string {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = scrypt(password, salt, WRITE_COST);
  const ciphertext = nacl.secretbox(new Uint8Array(der), new Uint8Array(nonce), key);
  // Field order as Go's encoding/json writes the structs.
  const doc = {
    kdf: { name: 'scrypt', params: { N: WRITE_COST, r: 8, p: 1 }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return toPem('ENCRYPTED SIGSTORE PRIVATE KEY', Buffer.from(JSON.stringify(doc)));
}

function decryptCosignKey(pem: string, password: string, source: string): KeyObject {
  const bad = (why: string) => new GateError('format', `${source}: not a valid cosign key: ${why}`);
  let doc: {
    kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
    cipher?: { name?: unknown; nonce?: unknown };
    ciphertext?: unknown;
  };
  try {
    doc = JSON.parse(pemBody(pem).toString('utf8')) as typeof doc;
  } catch {
    throw bad('its body is not JSON');
  }
  const { kdf, cipher } = doc;
  if (kdf?.name !== 'scrypt' || cipher?.name !== 'nacl/secretbox')
    throw bad('unsupported KDF or cipher (expected scrypt and nacl/secretbox)');
  const { N, r, p } = kdf.params ?? {};
  if (typeof N !== 'number' || !SCRYPT_COSTS.has(N) || r !== 8 || p !== 1)
    throw bad(`unsupported scrypt parameters (N=${String(N)}, r=${String(r)}, p=${String(p)})`);
  const salt = base64Field(kdf.salt, 'salt', bad);
  const nonce = base64Field(cipher.nonce, 'nonce', bad);
  const ciphertext = base64Field(doc.ciphertext, 'ciphertext', bad);
  if (nonce.length !== nacl.secretbox.nonceLength) throw bad('the nonce is not 24 bytes');
  const plain = nacl.secretbox.open(
    new Uint8Array(ciphertext),
    new Uint8Array(nonce),
    scrypt(password, salt, N),
  );
  if (!plain) {
    throw new GateError(
      'auth',
      `${source}: cannot decrypt the cosign key: wrong password (COSIGN_PASSWORD)`,
    );
  }
  return parseKey(
    () => createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' }),
    source,
  );
}

function scrypt(password: string, salt: Buffer, N: number): Uint8Array {
  // maxmem: Node's default (32 MiB) is below what N=2^16, r=8 needs (128·N·r bytes).
  return new Uint8Array(scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }));
}

function requireP256(key: KeyObject, source: string): void {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec' && curve === 'prime256v1') return;
  const what = type === 'ec' ? `ECDSA ${curveName(curve)}` : (type ?? 'unknown').toUpperCase();
  throw new GateError(
    'usage',
    `${source}: ${what} keys are not supported; image-gate signs and verifies with ECDSA P-256 (SHA-256) only, the one key type every cosign verifier accepts by default (make one with image-gate generate-key-pair)`,
  );
}

function curveName(curve: string | undefined): string {
  if (curve === 'secp384r1') return 'P-384';
  if (curve === 'secp521r1') return 'P-521';
  return curve ?? 'unknown-curve';
}

function parseKey(parse: () => KeyObject, source: string): KeyObject {
  try {
    return parse();
  } catch (err) {
    throw new GateError('format', `${source}: cannot read the key: ${(err as Error).message}`);
  }
}

function bounded(pem: string, source: string): void {
  if (pem.length > MAX_KEY_BYTES)
    throw new GateError('limit', `${source} is too large for a key file (${pem.length} bytes)`);
}

function pemType(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function pemBody(pem: string): Buffer {
  const m = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/.exec(pem);
  return Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64');
}

function base64Field(value: unknown, name: string, bad: (why: string) => GateError): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw bad(`${name} is not base64`);
  return Buffer.from(value, 'base64');
}

function toPem(type: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}
