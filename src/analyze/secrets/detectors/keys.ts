import type { Detector, DetectorMatch } from '../types.js';
import { decodeBase64, entropy, isExampleValue } from '../values.js';

// Private keys: the BEGIN line is the anchor; a block only counts when key material follows it,
// which keeps out the bare header strings compiled into libssl, ssh-keygen and friends, and the
// truncated `MIIE...` samples of documentation. Public keys and certificates never match because
// the header must say PRIVATE KEY.

const BEGIN =
  /-{4,5} ?BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED) )?PRIVATE KEY(?: BLOCK)? ?-{4,5}/dg;
/** A header line inside the armour (`Proc-Type: 4,ENCRYPTED`, `Version: GnuPG`) or a blank one. */
const ARMOUR_HEADER = /^(?:[A-Za-z][A-Za-z0-9-]*: ?.*)?$/;
const BODY_LINE = /^[A-Za-z0-9+/=]{40,}$/;

/**
 * True when the text right after a BEGIN line is key material: on the next lines (LF, CRLF, or
 * JSON/YAML `\\n` escapes), or on the same line when the PEM was flattened (newlines turned into
 * spaces, or removed).
 */
function followedByKeyMaterial(after: string): boolean {
  const lines = after
    .slice(0, 1200)
    .replace(/\\r/g, '')
    .split(/\r?\n|\\n/);
  // lines[0] is what is left of the BEGIN line itself: empty unless the PEM was flattened.
  const first = lines[0]?.trim() ?? '';
  if (first !== '') return flattenedKeyMaterial(first);
  for (let i = 1; i < lines.length && i < 8; i++) {
    const l = (lines[i] ?? '').trim();
    if (BODY_LINE.test(l)) return true;
    if (!ARMOUR_HEADER.test(l)) return false;
  }
  return false;
}

/**
 * A flattened body: optional armour headers (`Proc-Type: 4,ENCRYPTED DEK-Info: …`), then at
 * least 64 base64 characters in space-separated runs. Documentation's `MIIEpAIBAAKCAQEA...`
 * stops short of that.
 */
function flattenedKeyMaterial(s: string): boolean {
  const rest = s.replace(/^(?:[A-Za-z][A-Za-z0-9-]*: ?\S+\s+)*/, '');
  const run = /^[A-Za-z0-9+/=\s]*/.exec(rest)?.[0] ?? '';
  const body = run.replace(/\s+/g, '');
  return body.length >= 64 && entropy(body) >= 4.5;
}

export const privateKey: Detector = {
  id: 'private-key',
  multiline: true,
  title: 'Private key',
  windows: ['E KE'],
  quick: /BEGIN .{0,20}PRIVATE KEY/,
  find(text, lineEnd) {
    const out: DetectorMatch[] = [];
    const line = text.slice(0, lineEnd);
    BEGIN.lastIndex = 0;
    for (let m = BEGIN.exec(line); m !== null; m = BEGIN.exec(line)) {
      // A key file, or a key quoted in JSON, YAML, env or code, starts its line or follows a
      // quote or an assignment. One glued to binary bytes is compiled in (gnutls self-tests).
      if (m.index > 0 && !/[\s"'`=:>|(,n]/.test(line.charAt(m.index - 1))) continue;
      const bodyStart = m.index + m[0].length;
      if (!followedByKeyMaterial(text.slice(bodyStart))) continue;
      const end = text.indexOf('-----END', bodyStart);
      // The body is redacted wherever it shares a line with the header (JSON `"...\n..."`).
      out.push({ at: m.index, start: bodyStart, end: end === -1 ? text.length : end, keep: 0 });
    }
    return out;
  },
};

export const gcpServiceAccount: Detector = {
  id: 'gcp-service-account',
  multiline: true,
  title: 'Google Cloud service account key',
  windows: ['e_ac'],
  quick: /"type"\s*:\s*"service_account"/,
  // The JSON key file: report on its `private_key` member, which holds the actual secret.
  find(text, lineEnd) {
    if (!this.quick.test(text.slice(0, lineEnd))) return [];
    const m = /"private_key"\s*:\s*"(-----BEGIN[^"]*)/d.exec(text);
    const span = m?.indices?.[1];
    if (m === null || span === undefined) return [];
    return [{ at: span[0], start: span[0], end: span[1], keep: 0 }];
  },
};

/** `-----BEGIN ` base64-encoded from the start of a blob: `LS0tLS1CRUdJTi`. */
const ENCODED_BEGIN = /(?<![A-Za-z0-9+/])(LS0tLS1CRUdJTi[A-Za-z0-9+/=]*)/dg;

/**
 * A base64 run starting at `start` of `text`, across wrapped lines (`base64` writes 76 columns;
 * YAML and JSON indent or escape them): where it ends, and its characters.
 */
function base64Run(text: string, start: number): { end: number; body: string } {
  const re = /([A-Za-z0-9+/=]+)((?:\\n|\r?\n)[ \t]*)?/y;
  re.lastIndex = start;
  let end = start;
  let body = '';
  let width = -1;
  for (let m = re.exec(text); m !== null && body.length < 4096; m = re.exec(text)) {
    const seg = m[1] ?? '';
    // Wrapped lines all have the wrapping width; a shorter one is the last.
    if (width !== -1 && seg.length > width) break;
    body += seg;
    end = m.index + seg.length;
    if (m[2] === undefined || seg.endsWith('=') || (width !== -1 && seg.length < width)) break;
    if (width === -1) width = seg.length;
    if (width < 60 || width % 4 !== 0) break;
  }
  return { end, body };
}

/** Whether base64 `body` decodes to a PEM private key with its key material. */
function decodesToPrivateKey(body: string): boolean {
  const head = decodeBase64(
    body.slice(0, 2400 - (Math.min(body.length, 2400) % 4)).replace(/=+$/, ''),
  );
  if (head === undefined) return false;
  const pem = head.toString('latin1');
  BEGIN.lastIndex = 0;
  const m = BEGIN.exec(pem);
  return m !== null && m.index === 0 && followedByKeyMaterial(pem.slice(m[0].length));
}

function encodedKeyMatches(text: string, from: number, to: number): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  const line = text.slice(0, to);
  ENCODED_BEGIN.lastIndex = from;
  for (let m = ENCODED_BEGIN.exec(line); m !== null; m = ENCODED_BEGIN.exec(line)) {
    const { end, body } = base64Run(text, m.index);
    if (!decodesToPrivateKey(body)) continue;
    out.push({ at: m.index, start: m.index, end, keep: 0 });
  }
  return out;
}

/** A PEM private key base64-encoded once: Kubernetes Secret data, env vars, Helm values. */
export const encodedPrivateKey: Detector = {
  id: 'private-key',
  multiline: true,
  title: 'Private key (base64-encoded PEM)',
  windows: ['LS0t'],
  quick: /LS0tLS1CRUdJTi/,
  find: (text, lineEnd) => encodedKeyMatches(text, 0, lineEnd),
};

/** kubeconfig `client-key-data:` (base64 of the client's PEM private key). */
export const kubeconfigClientKey: Detector = {
  id: 'kubeconfig-client-key',
  multiline: true,
  title: 'Kubernetes client private key (kubeconfig client-key-data)',
  windows: ['ey-d'],
  quick: /client-key-data["']?\s*:\s*["']?LS0t/,
  find(text, lineEnd) {
    const at = /client-key-data["']?\s*:\s*["']?(?=LS0t)/.exec(text.slice(0, lineEnd));
    return at === null ? [] : encodedKeyMatches(text, at.index, lineEnd);
  },
};

/** PuTTY `.ppk` files (v2 and v3), encrypted or not: the `Private-Lines` body is the secret. */
export const puttyPrivateKey: Detector = {
  id: 'putty-private-key',
  multiline: true,
  title: 'PuTTY private key',
  windows: ['uTTY'],
  quick: /PuTTY-User-Key-File-\d+:/,
  find(text) {
    const m = /Private-Lines: *(\d+)\r?\n((?:[A-Za-z0-9+/=]+\r?\n?)+)/d.exec(text);
    const span = m?.indices?.[2];
    if (span === undefined || (m?.[2] ?? '').replace(/\s/g, '').length < 20) return [];
    return [{ at: span[0], start: span[0], end: span[1], keep: 0 }];
  },
};

/** The private member `d` of a JSON Web Key (EC, OKP and RSA keys): base64url, 32+ bytes. */
export const jwkPrivateKey: Detector = {
  id: 'jwk-private-key',
  title: 'JSON Web Key with a private part',
  windows: ['"d":', "'d':"],
  quick: /["']d["']\s*:/,
  find(text, lineEnd) {
    const out: DetectorMatch[] = [];
    const line = text.slice(0, lineEnd);
    const re = /["']d["']\s*:\s*["']([A-Za-z0-9_-]{40,})["']/dg;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const span = m.indices?.[1];
      const d = m[1] ?? '';
      if (span === undefined || isExampleValue(d) || entropy(d) < 4.3 || /^[0-9a-f]+$/i.test(d))
        continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};
