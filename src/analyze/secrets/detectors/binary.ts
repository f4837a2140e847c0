import type { SecretHit } from '../types.js';

// Binary keystores, recognised by structure from the first bytes of a file (the text detectors
// never see them: there is no line to anchor on). Only stores that hold a private or secret key
// are findings: Java truststores (`cacerts`) and certificate-only PKCS#12 bundles are public.
// Hand-written because the point is a bounded look at the head of the file, not a parse: no
// library reads a keystore without its password, and none stops at "has a key entry".

/** How much of the head of a file the keystore check reads. */
export const KEYSTORE_HEAD = 65536;

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

/** pkcs-7 data / signedData ContentInfo OIDs (1.2.840.113549.1.7.1 and .2) as DER. */
const PKCS7_CONTENT = Buffer.from('06092a864886f70d0107', 'hex');
/** keyBag and pkcs8ShroudedKeyBag (1.2.840.113549.1.12.10.1.1 and .2) as DER, minus the last byte. */
const KEY_BAG_PREFIX = Buffer.from('060b2a864886f70d010c0a01', 'hex');

/**
 * A Java keystore (JKS or JCEKS) with a private or secret key entry among the entries that fit
 * in `head`. Trusted-certificate entries are skipped by their lengths.
 */
function javaKeystoreWithKey(head: Buffer): boolean {
  if (head.length < 12) return false;
  const magic = head.readUInt32BE(0);
  if (magic !== JKS_MAGIC && magic !== JCEKS_MAGIC) return false;
  const version = head.readUInt32BE(4);
  if (version !== 1 && version !== 2) return false;
  const count = head.readUInt32BE(8);
  let p = 12;
  for (let i = 0; i < count && p + 4 <= head.length; i++) {
    const tag = head.readUInt32BE(p);
    if (tag === 1 || tag === 3) return true; // private key, secret key (JCEKS)
    if (tag !== 2) return false;
    p += 4;
    if (p + 2 > head.length) return false;
    p += 2 + head.readUInt16BE(p) + 8; // alias, timestamp
    if (version === 2) {
      if (p + 2 > head.length) return false;
      p += 2 + head.readUInt16BE(p); // certificate type
    }
    if (p + 4 > head.length) return false;
    p += 4 + head.readUInt32BE(p);
  }
  return false;
}

/**
 * PKCS#12 (`.p12`, `.pfx`): a DER SEQUENCE holding version 3 and a PKCS#7 ContentInfo, with a
 * key bag or shrouded key bag visible. OpenSSL and keytool put key bags in plain `data`
 * (the key itself is encrypted inside the bag), so a store with a key shows its bag OID.
 */
function pkcs12WithKey(head: Buffer): boolean {
  if (head.length < 32 || head[0] !== 0x30) return false;
  const lenBytes = head[1]! & 0x80 ? head[1]! & 0x7f : 0;
  const v = 2 + lenBytes;
  if (head[v] !== 0x02 || head[v + 1] !== 0x01 || head[v + 2] !== 0x03) return false;
  const content = head.indexOf(PKCS7_CONTENT, v + 3);
  if (content === -1 || content > v + 12) return false;
  for (let i = head.indexOf(KEY_BAG_PREFIX); i !== -1; i = head.indexOf(KEY_BAG_PREFIX, i + 1)) {
    const last = head[i + KEY_BAG_PREFIX.length];
    if (last === 1 || last === 2) return true;
  }
  return false;
}

/**
 * Findings for a keystore that starts `content` (only its first KEYSTORE_HEAD bytes are read).
 * Called for every file: the first byte rules out almost all of them before any allocation.
 */
export function keystoreHits(content: Buffer): SecretHit[] {
  if (!keystoreHits.mayStart(content[0])) return [];
  const head = content.length > KEYSTORE_HEAD ? content.subarray(0, KEYSTORE_HEAD) : content;
  if (javaKeystoreWithKey(head)) {
    return [
      {
        detector: 'java-keystore',
        title: 'Java keystore with a private key',
        line: 1,
        excerpt: '(binary Java keystore with a key entry)',
      },
    ];
  }
  if (pkcs12WithKey(head)) {
    return [
      {
        detector: 'pkcs12-keystore',
        title: 'PKCS#12 keystore with a private key',
        line: 1,
        excerpt: '(binary PKCS#12 file with a key bag)',
      },
    ];
  }
  return [];
}

/** Whether a file whose first byte is `first` may be a keystore (DER, JKS or JCEKS magic). */
keystoreHits.mayStart = (first: number | undefined): boolean =>
  first === 0x30 || first === 0xfe || first === 0xce;
