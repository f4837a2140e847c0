import type { Detector, DetectorMatch } from '../types.js';

// Private keys: the BEGIN line is the anchor; a block only counts when key material follows it,
// which keeps out the bare header strings compiled into libssl, ssh-keygen and friends, and the
// truncated `MIIE...` samples of documentation. Public keys and certificates never match because
// the header must say PRIVATE KEY.

const BEGIN =
  /-{4,5} ?BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP|SSH2 ENCRYPTED) )?PRIVATE KEY(?: BLOCK)? ?-{4,5}/dg;
/** A header line inside the armour (`Proc-Type: 4,ENCRYPTED`, `Version: GnuPG`) or a blank one. */
const ARMOUR_HEADER = /^(?:[A-Za-z][A-Za-z0-9-]*: ?.*)?$/;
const BODY_LINE = /^[A-Za-z0-9+/=]{40,}$/;

/** True when the text right after a BEGIN line is key material (real or JSON-escaped newlines). */
function followedByKeyMaterial(after: string): boolean {
  const lines = after
    .slice(0, 800)
    .replace(/\\r/g, '')
    .split(/\r?\n|\\n/);
  // lines[0] is what is left of the BEGIN line itself: normally empty.
  if (lines[0]?.trim() !== '' && lines.length > 1) return false;
  for (let i = 1; i < lines.length && i < 8; i++) {
    const l = (lines[i] ?? '').trim();
    if (BODY_LINE.test(l)) return true;
    if (!ARMOUR_HEADER.test(l)) return false;
  }
  return false;
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
