import type { Detector, DetectorMatch } from '../types.js';
import { charClasses, entropy, hasSequence, isExampleValue, isPlaceholder } from '../values.js';

// Assignments whose key names a secret: `password = "…"`, `API_TOKEN: …`, `SECRET_KEY=…`,
// `"client_secret": "…"`, `'password' => '…'`, `Token := "…"`. The value has to look random:
// most hits of these keywords are code, prose or placeholders, never credentials.

const KEYWORD = /passw(?:or)?d|secret|token|api[_-]?key/gi;

/** key, optional closing quote of the key, operator (never `==`), then a quoted or bare value. */
const ASSIGNMENT =
  /(?<=^|[\s"'`{(,;$@]|--?)([A-Za-z0-9_.-]{0,64}?(?:passw(?:or)?d|secret|token|api[_-]?key)[A-Za-z0-9_.-]{0,48})["']?[ \t]{0,8}(?::=|=>|=|:)(?![=:])[ \t]*(?:(["'`])((?:(?!\2)[^\\\n]){1,256})\2|([^\s"'`,;)\]}<>]{1,256}))/dgi;

/** Keys that name something about a secret rather than the secret (`token_type`, `password_file`). */
const NOT_A_SECRET_KEY =
  /(?:id|ids|name|names|file|files|path|paths|dir|url|uri|type|types|hash|hashed|digest|sum|len|length|size|expiry|expires|expiration|expire|ttl|count|max|min|policy|prompt|field|label|header|param|pattern|regex|format|env|var|ref|mode|method|kind|source|endpoint|store|helper|command|cmd|prefix|suffix|enabled|required|version|manager|provider|class|char|chars|limit|timeout|validity|lifetime|location|key_?name|arn|fingerprint|json|yaml|yml|xml|toml|bson|proto|protobuf|mapstructure)$/i;

/** A keyword occurrence ends at a word boundary of `key` (`secret_key`, `apiToken`, `PASSWORD`). */
function namesSecret(key: string): boolean {
  if (NOT_A_SECRET_KEY.test(key)) return false;
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(key); m !== null; m = KEYWORD.exec(key)) {
    const next = key.charAt(m.index + m[0].length);
    const lowerWord = m[0] === m[0].toLowerCase();
    // `tokenizer`, `secretary`, `passwords`: the keyword continues as another lower-case word.
    if (next === '' || /[^a-z]/.test(next) || (!lowerWord && /[^A-Z]/.test(next))) return true;
  }
  return false;
}

/** Identifiers, paths, words and numbers: what code and docs assign to these keys. */
function looksLikeCodeOrWord(v: string): boolean {
  return (
    /^[A-Za-z_$][\w$]*(?:\.[\w$]+)+$/.test(v) || // obj.attr.member
    /^(?:\/|\.\.?\/|~\/|[A-Za-z]:\\|[a-z][a-z0-9+.-]*:\/\/)/.test(v) || // paths and URLs
    /^(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)$/.test(v) || // one word
    /^[a-z]+(?:[_-][a-z]+)+$|^[A-Z]+(?:[_-][A-Z]+)+$/.test(v) || // snake_case, SCREAMING_CASE
    /^[a-z]+(?:[A-Z][a-z]+)+$|^(?:[A-Z][a-z]+){2,}$/.test(v) || // camelCase, PascalCase
    /^[\d.,:_-]+$/.test(v) || // numbers, dates, versions
    /[^\x21-\x7e]/.test(v) || // binary bytes or non-ASCII: string tables of compiled code
    /::|->/.test(v) || // C++/Rust/PHP paths and members
    isBase64Text(v) || // base64 of a sentence (`bm90IG15IHJlYWwgcGFzc3dvcmQ=`)
    /^[A-Za-z]+$/.test(v) || // letters only: words glued together, rarely a generated secret
    /^(?:[A-Za-z0-9_-]+[,=:;|]){2,}[A-Za-z0-9_-]*$/.test(v) || // option lists: `bytes,1,opt,name=x`
    /[()[\]{}]|\s|%[-0-9.]*[sdfx](?![A-Za-z0-9])|%\(|\\|[:.,]$/.test(v) // calls, prose, format strings, escapes, `Label:`
  );
}

/**
 * Values in a vendor's token format: its own detector judges them (checksum, alphabet), and one
 * it did not report is a sample (`ghs_16C7e42F292c6912E7710c838347Ae178B4a` in GitHub's docs).
 */
const VENDOR_PREFIX =
  /^(?:gh[pousr]_|github_pat_|glpat-|xox[baprse]-|npm_|[sr]k_live_|A[KS]IA[A-Z2-7]{16}$|AIza|sk-(?:proj|ant)-|hf_|dckr_pat_|pypi-|shp(?:at|ca|pa|ss)_|hv[sbr]\.|do[opr]_v1_|GOCSPX-|SG\.)/;

/** Base64 that decodes to readable text: documentation, never a generated secret. */
export function isBase64Text(v: string): boolean {
  if (v.length < 12 || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return false;
  const text = Buffer.from(v, 'base64').toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) && /[a-z]{3}/.test(text);
}

/**
 * Share of `v` made of word-like runs (`Secret`, `session`, `DATA`). Identifiers and constants
 * (`V1SecretVolumeSource`, `imdsv2_session_token`) are mostly words; random strings are not.
 */
export function wordiness(v: string): number {
  let n = 0;
  for (const w of v.match(/[A-Z]?[a-z]{4,}|[A-Z]{4,}/g) ?? []) if (pronounceable(w)) n += w.length;
  return n / v.length;
}

/**
 * Words have vowels (`Secret` 2 of 6, `session` 3 of 7); a random run of letters mostly does not
 * (`wsfkif`, `pgzqa`). Without this, one random password in about 170 read as "mostly words".
 */
function pronounceable(run: string): boolean {
  const vowels = run.match(/[aeiouy]/gi)?.length ?? 0;
  return vowels / run.length >= 0.3;
}

/** High enough Shannon entropy for its length, mixing character classes. */
export function looksRandom(v: string, minLength = 8): boolean {
  if (v.length < minLength || v.length > 256) return false;
  const h = entropy(v);
  const classes = charClasses(v);
  const threshold = Math.min(3.0, Math.log2(v.length) - 0.35);
  return h >= threshold && (classes >= 2 || h >= 3.5);
}

/**
 * Generated secrets and real passwords almost always mix letters and digits; prose, identifiers
 * and enum values almost never do. Requiring both costs little recall and removes most noise.
 */
export function isSecretValue(v: string): boolean {
  return (
    /[0-9]/.test(v) &&
    !VENDOR_PREFIX.test(v) &&
    !hasSequence(v) &&
    !/(.)\1{5}/.test(v) && // `…78900000000`: typed, not generated
    /[A-Za-z]/.test(v) &&
    !isPlaceholder(v) &&
    !isExampleValue(v) &&
    !looksLikeCodeOrWord(v) &&
    wordiness(v) < 0.6 &&
    looksRandom(v)
  );
}

export const genericSecret: Detector = {
  id: 'generic-secret',
  title: 'Secret assigned in configuration or code',
  windows: ['sswo', 'sswd', 'ecre', 'oken', 'i_ke', 'ikey', 'i-ke'],
  anyCase: true,
  assignment: true,
  // A keyword, then an operator: lines examined for other detectors' sake (prose that says
  // `password`) are dropped before the costly ASSIGNMENT regex.
  quick: /(?:passw(?:or)?d|secret|token|api[_-]?key)[\w.-]{0,48}["']?[ \t]{0,8}[:=]/i,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    ASSIGNMENT.lastIndex = 0;
    for (let m = ASSIGNMENT.exec(line); m !== null; m = ASSIGNMENT.exec(line)) {
      const quoted = m[3] !== undefined;
      const span = quoted ? m.indices?.[3] : m.indices?.[4];
      const value = (quoted ? m[3] : m[4]) ?? '';
      if (span === undefined || !namesSecret(m[1] ?? '')) continue;
      // A bare value followed by `(` is a call: `token = make_token(…)`.
      if (!quoted && line.charAt(span[1]) === '(') continue;
      if (!isSecretValue(value)) continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};

/** `aws_secret_access_key = …`: 40 base64 characters under a key that says AWS or access key. */
export const awsSecretAccessKey: Detector = {
  id: 'aws-secret-access-key',
  title: 'AWS secret access key',
  windows: ['ecre'],
  anyCase: true,
  assignment: true,
  quick: /secret/i,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    const re =
      /(?<![A-Za-z0-9])([A-Za-z0-9_.-]*secret[A-Za-z0-9_.-]*)["']?[ \t]*(?::=|=>|=|:)(?!=)[ \t]*["'`]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const key = m[1] ?? '';
      const span = m.indices?.[2];
      const value = m[2] ?? '';
      if (span === undefined || !/aws|access|amazon|s3/i.test(key + line.slice(0, m.index)))
        continue;
      if (
        isExampleValue(value) ||
        entropy(value) < 4 ||
        !/[0-9]/.test(value) ||
        !/[A-Z]/.test(value)
      )
        continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};

/**
 * A secret passed by name to a configuration call: PHP `define('DB_PASSWORD', '…')` (WordPress,
 * every PHP app), `putenv`, `setenv`, Python `os.environ.setdefault('SECRET_KEY', '…')`.
 */
export const definedSecret: Detector = {
  id: 'generic-secret',
  title: 'Secret assigned in configuration or code',
  windows: ['sswo', 'sswd', 'ecre', 'oken', 'i_ke', 'ikey', 'i-ke'],
  anyCase: true,
  assignment: true,
  quick: /(?:define|setenv|putenv|setdefault)\s*\(/i,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    const out: DetectorMatch[] = [];
    const re =
      /\b(?:define|setenv|putenv|setdefault)\s*\(\s*(['"])([A-Za-z0-9_.-]{0,64})\1\s*,\s*(['"])([^'"\\\n]{1,256})\3/dgi;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const span = m.indices?.[4];
      if (span === undefined || !namesSecret(m[2] ?? '') || !isSecretValue(m[4] ?? '')) continue;
      out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
    }
    return out;
  },
};
