import { maskSpans } from './analyze/secrets/excerpt.js';
import { maskFoundSecrets } from './analyze/secrets/found.js';
import { SecretScanner } from './analyze/secrets/scanner.js';

/*
 * The one place that makes text safe to print. Everything image-gate writes (reports, inspect,
 * errors, logs, annotations, the job summary and the PR comment) passes through `safeText`, so no
 * output path can forget a step:
 *   1. credentials in URLs and image references are replaced by `***`;
 *   2. every span a secret detector finds is masked, wherever the text came from (a file path, an
 *      env var name, a label key, a history line, a tag, an error quoting any of them), and so is
 *      every secret found earlier in this run, wherever it is quoted (analyze/secrets/found.ts);
 *   3. terminal control characters and bidi overrides are made visible (`\x1b`, `\u202e`).
 * Each step is idempotent, so text may pass through more than once.
 *
 * This module sits beside errors.ts and log.ts (it is imported by both); it depends only on the
 * secret detectors, which are a leaf library with no imports of their own.
 */

/**
 * C0 and C1 controls, DEL, the line/paragraph separators and the bidi formatting characters
 * (LRM/RLM/ALM, embeddings, overrides, isolates) that can reorder what a reader sees.
 */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_KEEP_LINES =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes control characters visible: `\n`, `\t`, `\r`, `\x1b`, `\u202e`. With `keepLines`, LF and
 * TAB stay as they are (multi-line text whose renderer lays out lines itself); CR never does, it
 * would let a line overwrite what came before it.
 */
export function escapeControls(text: string, keepLines = false): string {
  return text.replace(keepLines ? CONTROL_KEEP_LINES : CONTROL, escapeOne);
}

/** `scheme://…` up to whitespace or a character that usually ends a quoted URL. */
const URL_RE = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>`]+/g;
/**
 * `user:password@registry.example/repo` without a scheme, as an image reference is written: an
 * `@` right after a word that starts the token, followed by a host and a `/`.
 */
const REF_USERINFO_RE = /(^|[\s"'`(=,;[{])[^\s"'`(=,;[{/@]+@(?=[A-Za-z0-9[][A-Za-z0-9.:[\]-]*\/)/g;
/** An HTTP credential as it would appear in a header or a curl command line. */
const AUTH_HEADER_RE = /\b(Bearer|Basic)(\s+)(?=[A-Za-z0-9._~+/-]*[0-9=])[A-Za-z0-9._~+/=-]{8,}/gi;

/** `https://user:pw@host/p?token=x` → `https://***@host/p?token=***`. */
function redactUrl(url: string): string {
  let out = url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
  const q = out.indexOf('?');
  if (q >= 0) {
    const hash = out.indexOf('#', q);
    const end = hash < 0 ? out.length : hash;
    const query = out
      .slice(q + 1, end)
      .replace(/(^|&)([^=&]*)=[^&]*/g, (_m, sep: string, key: string) => `${sep}${key}=***`);
    out = `${out.slice(0, q + 1)}${query}${out.slice(end)}`;
  }
  return out;
}

/**
 * Removes credentials: URL userinfo, every query-string value of a URL (signed blob URLs carry
 * their signature there), the userinfo of an image reference, and `Bearer`/`Basic` credentials.
 */
export function redactCredentials(text: string): string {
  return text
    .replace(URL_RE, redactUrl)
    .replace(REF_USERINFO_RE, '$1***@')
    .replace(AUTH_HEADER_RE, '$1$2***');
}

let scanner: SecretScanner | undefined;

/**
 * A secret-naming flag and the whitespace before its value: `--password X`, `"--token" "X"` (a
 * command line, a Dockerfile CMD in history). The pair means `--password=X`.
 */
const FLAG_VALUE =
  /(-{1,2}[\w.-]*(?:passw(?:or)?d|secret|token|api[_-]?key)[\w.-]*["']?)[ \t](?=[ \t]*["']?[^\s"'-])/gi;

/**
 * `text` with every span any secret detector finds masked (`ghp_****`). The detectors also see
 * the text with `--flag VALUE` pairs written `--flag=VALUE` (same length, so the spans line up).
 */
export function maskSecrets(text: string): string {
  scanner ??= new SecretScanner();
  const spans = scanner.spans(text);
  const assigned = text.replace(FLAG_VALUE, '$1=');
  if (assigned !== text) spans.push(...scanner.spans(assigned));
  return maskFoundSecrets(maskSpans(text, spans));
}

/** A command-line flag that names a secret: `--password`, `-token`, `--api-key`, `--db-secret`. */
const SECRET_FLAG = /^--?[\w.-]*(?:passw(?:or)?d|secret|token|api[_-]?key)[\w.-]*$/i;

/**
 * An argv list (Entrypoint, Cmd, a healthcheck) made safe: each element by `safeText`, and the
 * value after a flag that names a secret (`--password`, `VALUE`) masked when the detectors find
 * a secret in `--password=VALUE`, which is what the pair means.
 */
export function safeArgv(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    const flag = i > 0 ? argv[i - 1]! : '';
    if (SECRET_FLAG.test(flag)) {
      const masked = maskSecrets(`${flag}=${arg}`);
      if (masked !== `${flag}=${arg}`) return safeText(masked.slice(flag.length + 1));
    }
    return safeText(arg);
  });
}

/**
 * Text from anywhere (the image, a registry, a scanner, the user) made safe to print: no
 * credentials, no secrets, no raw control characters. LF and TAB are kept (`escapeControls`);
 * renderers that need one line escape or collapse them.
 */
export function safeText(text: string): string {
  return escapeControls(maskSecrets(redactCredentials(text)), true);
}

/**
 * A copy of `value` with every string in it (keys too) passed through `safeText`. Renderers apply
 * it to the whole value they print, so a field added later is covered without a change here.
 */
export function safeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null && done.has(value)) return done.get(value) as T;
  const strings: string[] = [];
  collect(value, strings);
  const safe = safeTexts(strings);
  let next = 0;
  const out = rebuild(value, () => safe[next++]!) as T;
  if (typeof value === 'object' && value !== null) done.set(value, out);
  return out;
}

/**
 * Values already made safe, by identity: a verdict is rendered several times (each format, the
 * summary, the comment, a shortened comment) and never changes once built.
 */
const done = new WeakMap<object, unknown>();

/**
 * `safeText` of many strings at once: one scan over them joined by a separator no escaped string
 * contains, instead of a scan per string (a verdict holds 100 000 of them). Should a multi-line
 * match (a PEM body) run across a separator, each string is done on its own instead.
 */
export function safeTexts(texts: readonly string[]): string[] {
  if (texts.length < 2) return texts.map(safeText);
  const SEP = '\n\u0000\n';
  const escaped = texts.map((t) => escapeControls(t, true));
  const parts = maskSecrets(redactCredentials(escaped.join(SEP))).split(SEP);
  return parts.length === texts.length ? parts : texts.map(safeText);
}

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (isPlain(value)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collect(v, out);
    }
  }
}

function rebuild(value: unknown, next: () => string): unknown {
  if (typeof value === 'string') return next();
  if (Array.isArray(value)) return value.map((v) => rebuild(v, next));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const v of Object.values(value)) {
    // Keys come before their value in `collect` order.
    const key = next();
    out[key] = rebuild(v, next);
  }
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
