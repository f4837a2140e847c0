import type { Detector, DetectorMatch } from '../types.js';
import { isExampleValue, isPlaceholder } from '../values.js';
import { isSecretValue, looksRandom, wordiness } from './generic.js';

// Credentials held by well-known configuration formats.

/** Docker `config.json`: `"auths": { "registry": { "auth": base64("user:password") } }`. */
export const dockerConfigAuth: Detector = {
  id: 'docker-config-auth',
  multiline: true,
  title: 'Docker registry credentials',
  windows: ['hs":'],
  quick: /"auths"\s*:/,
  find(text, lineEnd) {
    if (!this.quick.test(text.slice(0, lineEnd))) return [];
    const out: DetectorMatch[] = [];
    const re = /"(auth|identitytoken|registrytoken)"\s*:\s*"([^"\s]{4,})"/dg;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const span = m.indices?.[2];
      const value = m[2] ?? '';
      if (span === undefined || isPlaceholder(value) || isExampleValue(value)) continue;
      if (m[1] === 'auth') {
        const decoded = Buffer.from(value, 'base64').toString('latin1');
        const colon = decoded.indexOf(':');
        if (colon < 1 || colon === decoded.length - 1) continue;
        if (isPlaceholder(decoded.slice(colon + 1))) continue;
      }
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};

/** `.npmrc`: `//registry.npmjs.org/:_authToken=...`. */
export const npmrcAuthToken: Detector = {
  id: 'npmrc-auth-token',
  title: 'npm registry auth token (.npmrc)',
  windows: ['oken'],
  anyCase: true,
  assignment: true,
  quick: /_authToken\s*=/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    const re = /_authToken[ \t]{0,8}=\s*["']?([^\s"']{8,})/dg;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const span = m.indices?.[1];
      const value = m[1] ?? '';
      if (span === undefined || isPlaceholder(value) || isExampleValue(value)) continue;
      // Docs write `_authToken=MYTOKEN1`; real ones are npm_… or UUID-like and random.
      if (wordiness(value) >= 0.6 || !looksRandom(value)) continue;
      out.push({
        at: span[0],
        start: span[0],
        end: span[1],
        keep: value.startsWith('npm_') ? 4 : 0,
      });
    }
    return out;
  },
};

/**
 * `://user:pass@`: a `:` then an `@` before the authority ends, read straight from the bytes.
 * Running out of buffer answers yes (a chunk may end mid-URL; the regex decides later).
 */
function userInfoFollows(buf: Buffer, at: number): boolean {
  let colon = false;
  const end = at + 3 + 200;
  if (end > buf.length) return true;
  for (let i = at + 3; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x3a) colon = true;
    else if (b === 0x40) return colon;
    else if (b <= 0x20 || b === 0x2f || b === 0x22 || b === 0x27 || b === 0x3c || b === 0x3e)
      return false;
  }
  return false;
}

/** Passwords that only stand for one in documentation URLs (`https://user:pass@host`). */
const URL_PLACEHOLDER =
  /^(?:pass(?:word|wd|w)?\d*|pw|pwd|secret\d*|user(?:name)?|guest|anonymous|admin\d*|root|test\d*|foo|bar|baz|foobar|qwerty|letmein|hunter2|s3cr3t|passw0rd|p@ssw0rd|changeit|mypass(?:word)?|demo|.{1,3})$/i;

/**
 * Credentials in a URL: `.git-credentials` lines (`https://user:token@github.com`) and connection
 * strings (`postgres://app:pw@db/app`). The secret is the password part.
 */
export const urlCredentials: Detector = {
  id: 'url-credentials',
  title: 'Password in URL',
  windows: [],
  needles: [{ literal: '://', accept: userInfoFollows }],
  quick: /:\/\/[^\s:/@]*:[^\s/@]+@/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    const re =
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/([^\s:/?#@"'<>`\\]{0,64}):([^\s/?#@"'<>`\\]{1,128})@(?=[A-Za-z0-9[])/dg;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const span = m.indices?.[2];
      const user = m[1] ?? '';
      const pass = m[2] ?? '';
      if (span === undefined || pass === user || URL_PLACEHOLDER.test(pass)) continue;
      // Six characters once percent-decoded, or it is a sample (`he%2F%2Fo`).
      if (pass.replace(/%[0-9A-Fa-f]{2}/g, '_').length < 6) continue;
      if (isPlaceholder(pass) || isExampleValue(pass) || /^\$|^%[0-9A-F]{2}$|^\{.*\}$/i.test(pass))
        continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};

/**
 * A password in a connection string's query (`jdbc:postgresql://db/app?user=app&password=…`).
 * Only `password`/`pwd` count: other query tokens (`oauth_token=`, `access_token=`) fill
 * documentation URLs.
 */
export const urlPasswordParameter: Detector = {
  id: 'url-credentials',
  title: 'Password in URL',
  windows: ['sswo', 'SSWO'],
  assignment: true,
  quick: /[?&;](?:password|PASSWORD|pwd|PWD)=/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    const re = /[?&;](?:password|pwd)=([^&;\s"'#<>`]{1,128})/dgi;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const span = m.indices?.[1];
      if (span === undefined || !isSecretValue(decodeURIComponentSafe(m[1] ?? ''))) continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
