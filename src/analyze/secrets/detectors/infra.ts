import type { Detector, DetectorMatch } from '../types.js';
import { decodeBase64, entropy, isExampleValue, isPlaceholder } from '../values.js';
import { isSecretValue } from './generic.js';
import { matchGroup } from './match.js';

// Credentials in the formats of infrastructure: cloud connection strings, client files of
// databases and FTP/HTTP clients (.pgpass, .netrc, .npmrc), Kubernetes objects and tokens.

/** Azure's documented development-storage (Azurite) key: public, in every Azure SDK's docs. */
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** `AccountKey=` (storage) and `SharedAccessKey=` (Service Bus, Event Hubs, IoT Hub). */
export const azureConnectionString: Detector = {
  id: 'azure-storage-key',
  title: 'Azure storage or service bus key in a connection string',
  windows: ['tKey', 'sKey'],
  // `setKey(`, `hasKey(` are everywhere in code: only hits followed by `=` are examined.
  assignment: true,
  quick: /(?:AccountKey|SharedAccessKey)\s*=/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?:AccountKey|SharedAccessKey)\s*=\s*([A-Za-z0-9+/]{40,}={0,2})/dg,
      0,
      (k) => k !== AZURITE_KEY && !isExampleValue(k) && entropy(k) >= 4.5,
    ),
};

/** Azure shared access signatures: a URL or query string with `sv=<date>` and `sig=<HMAC>`. */
export const azureSasToken: Detector = {
  id: 'azure-sas-token',
  title: 'Azure shared access signature',
  // `sv=` (the service version every SAS has) rather than `sig=`: `si` and `ig` are common bigrams.
  windows: ['?sv=', '&sv=', ';sv=', '=sv='],
  quick: /(?:^|[?&;=])sv=\d{4}-/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd);
    if (!/(?:^|[?&;=])sv=\d{4}-\d\d-\d\d/.test(line)) return [];
    return matchGroup(
      line,
      /[?&]sig=([A-Za-z0-9%+/]{30,}(?:%3[Dd]|=){0,2})/dg,
      0,
      (s) => !isExampleValue(s) && !isPlaceholder(s) && entropy(s) >= 4,
    );
  },
};

/**
 * `.pgpass`: `host:port:database:user:password`, one entry a line. The port (5432, 6432, `*`)
 * is what the prefilter looks for; the whole line must have exactly that shape.
 */
export const pgpass: Detector = {
  id: 'pgpass',
  title: 'PostgreSQL password file entry (.pgpass)',
  // `:*:*` would match every table of `*:` in compiled code; wildcard hosts need a port.
  windows: [':543'],
  quick: /:(?:\d{2,5}|\*):/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd).replace(/\r$/, '');
    // Printable fields, a host name or `*` first: binaries hold colon-separated runs too.
    const m =
      /^([A-Za-z0-9*][\w.*-]*|\[[0-9A-Fa-f:]+\]):(?:\d{2,5}|\*):[\w.*$-]+:[\w.*$@-]+:((?:\\[\\:]|[\x21-\x39\x3b-\x5b\x5d-\x7e]){6,})$/d.exec(
        line,
      );
    const span = m?.indices?.[2];
    const pass = m?.[2] ?? '';
    if (span === undefined || isPlaceholder(pass) || isExampleValue(pass)) return [];
    if (/^(?:pass(?:word|wd)?|secret|postgres|\*+)$/i.test(pass)) return [];
    return [{ at: span[0], start: span[0], end: span[1], keep: 0 }];
  },
};

/**
 * `.netrc`: `machine host login user password secret`, on one line or one token a line. Anchored
 * on `password` (`machine` and `login` are all common bigrams: slow prefilter literals): a line
 * that names a machine, or a line that is only `password VALUE`, as netrc files write it.
 */
export const netrc: Detector = {
  id: 'netrc-password',
  title: 'Password in .netrc',
  // `swor`, shared with the XML detector: one examination per `password` for both.
  windows: ['swor'],
  quick: /(?:^|\s)password[ \t]+\S/,
  find(text, lineEnd) {
    const line = text.slice(0, lineEnd).replace(/\r$/, '');
    const m =
      /^[ \t]*(?:machine[ \t]+\S+[ \t]+(?:login[ \t]+\S+[ \t]+)?)?password[ \t]+(\S+)(?:[ \t]+(?:login|account|machine)[ \t]+\S+)*[ \t]*$/d.exec(
        line,
      );
    const span = m?.indices?.[1];
    // Documentation writes `password qwerty` or `password too-late-in-file`: a real entry's
    // password or token mixes letters and digits.
    if (span === undefined || !isSecretValue(m?.[1] ?? '')) return [];
    return [{ at: span[0], start: span[0], end: span[1], keep: 0 }];
  },
};

/** npm's legacy `_auth = base64(user:password)` in `.npmrc`. */
export const npmrcAuth: Detector = {
  id: 'npmrc-auth',
  title: 'npm registry credentials (.npmrc _auth)',
  windows: ['_aut'],
  assignment: true,
  quick: /_auth\s*=/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?:^|[\s:])_auth\s*=\s*["']?([A-Za-z0-9+/]{8,}={0,2})/dg,
      0,
      (v) => {
        const decoded = decodeBase64(v)?.toString('latin1') ?? '';
        const colon = decoded.indexOf(':');
        const pass = decoded.slice(colon + 1);
        return (
          colon > 0 &&
          /^[\x20-\x7e]+$/.test(decoded) &&
          pass.length >= 4 &&
          !isPlaceholder(pass) &&
          !isExampleValue(decoded)
        );
      },
    ),
};

/** What a decoded JWT part says, or undefined when it is not a JSON object. */
function jwtPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(decodeBase64(part)?.toString('utf8') ?? '');
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const JWT =
  /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{32,1400})(?![A-Za-z0-9_-])/dg;

/** A signed JWT: header and payload decode to JSON objects, `alg` is not `none`. */
function signedJwt(token: string): Record<string, unknown> | undefined {
  const [h = '', p = ''] = token.split('.');
  const header = jwtPart(h);
  const payload = jwtPart(p);
  if (header === undefined || payload === undefined) return undefined;
  if (typeof header['alg'] !== 'string' || /^none$/i.test(header['alg'])) return undefined;
  return payload;
}

/** Kubernetes names the issuer `kubernetes/serviceaccount` or puts its own claims in the token. */
function isKubernetesToken(payload: Record<string, unknown>): boolean {
  return (
    payload['iss'] === 'kubernetes/serviceaccount' ||
    'kubernetes.io' in payload ||
    Object.keys(payload).some((k) => k.startsWith('kubernetes.io/'))
  );
}

/** `eyJ` + the base64 of a JSON key's first character: the start of every JWT. */
const JWT_WINDOWS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'].map(
  (c) => `eyJ${c}`,
);

export const kubernetesServiceAccountToken: Detector = {
  id: 'kubernetes-service-account-token',
  title: 'Kubernetes service account token',
  windows: JWT_WINDOWS,
  quick: /eyJ/,
  find: (text, lineEnd) =>
    matchGroup(text.slice(0, lineEnd), JWT, 0, (t) => {
      const payload = signedJwt(t);
      return payload !== undefined && isKubernetesToken(payload);
    }),
};

/** Keys of a Secret's data that are public by nature (`ca.crt`, `namespace`, `username`). */
const PUBLIC_DATA_KEY =
  /^(?:ca\.crt|tls\.crt|[\w.-]*\.(?:crt|pub|pem\.pub)|namespace|user(?:name)?|host(?:name)?|port|database|db|email|region|url)$/i;

/** Whether a data or stringData value of a Secret holds something secret. */
function secretDataValue(key: string, raw: string, encoded: boolean): boolean {
  if (PUBLIC_DATA_KEY.test(key) || isPlaceholder(raw) || /\{\{|\$\{/.test(raw)) return false;
  const value = encoded ? decodeBase64(raw)?.toString('latin1') : raw;
  if (value === undefined || value.trim().length < 6) return false;
  if (/^-----BEGIN (?:CERTIFICATE|PUBLIC KEY)/.test(value)) return false;
  return !isPlaceholder(value.trim()) && !isExampleValue(value);
}

/**
 * Kubernetes `Secret` manifests (YAML or JSON) with `data` (base64) or `stringData` values:
 * anchored on `apiVersion`, which every manifest has before or after `kind` and `data`.
 */
export const kubernetesSecret: Detector = {
  id: 'kubernetes-secret',
  title: 'Kubernetes Secret with data',
  multiline: true,
  windows: ['iVer'],
  // `apiVersion:` or `"apiVersion":`: compiled Kubernetes clients name it without either.
  assignment: true,
  quick: /apiVersion["']?\s*:/,
  find(text, lineEnd) {
    // The object: up to the next YAML document, or a few KB.
    const endDoc = text.indexOf('\n---', lineEnd);
    const doc = endDoc === -1 ? text : text.slice(0, endDoc);
    if (!/["']?kind["']?\s*:\s*["']?Secret\b/.test(doc)) return [];
    const out: DetectorMatch[] = [];
    const push = (at: number, len: number): void => {
      out.push({ at, start: at, end: at + len, keep: 0 });
    };
    // JSON: `"data": { "k": "v", … }`.
    for (const block of doc.matchAll(/"(data|stringData)"\s*:\s*\{([^}]*)\}/dg)) {
      const base = block.indices?.[2]?.[0] ?? 0;
      for (const e of (block[2] ?? '').matchAll(/"([^"]+)"\s*:\s*"([^"]*)"/dg)) {
        const span = e.indices?.[2];
        if (span && secretDataValue(e[1] ?? '', e[2] ?? '', block[1] === 'data'))
          push(base + span[0], span[1] - span[0]);
      }
    }
    // YAML: `data:` then entries indented deeper than it.
    for (const block of doc.matchAll(/^([ \t]*)(data|stringData):[ \t]*\r?\n/gm)) {
      const indent = (block[1] ?? '').length;
      let pos = (block.index ?? 0) + block[0].length;
      for (;;) {
        const nl = doc.indexOf('\n', pos);
        const row = doc.slice(pos, nl === -1 ? doc.length : nl).replace(/\r$/, '');
        const e = /^([ \t]+)([^\s:#][^:]*?):[ \t]+["']?([^\s"']+)["']?[ \t]*$/d.exec(row);
        if (e === null || (e[1] ?? '').length <= indent) break;
        const span = e.indices?.[3];
        if (span && secretDataValue(e[2] ?? '', e[3] ?? '', block[2] === 'data'))
          push(pos + span[0], span[1] - span[0]);
        if (nl === -1) break;
        pos = nl + 1;
      }
    }
    return out;
  },
};

/** `<password>…</password>` (also `<db.password>`) in XML (Maven settings, .NET and Java configuration). */
export const xmlPassword: Detector = {
  id: 'xml-password',
  title: 'Password in XML element',
  // `swor`, shared with .netrc: the generic detector's literals are examined only before a
  // `=` or `:`, and XML has neither.
  windows: ['swor', 'Swor'],
  // Passwords only: `<nextToken>`, `<clientToken>` (paging, idempotency) are not secrets.
  quick: /[Pp]assword>/,
  find: (text, lineEnd) => xmlValues(text.slice(0, lineEnd)),
};

function xmlValues(line: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  const re = /<([\w:.-]*[Pp]assword)>([^<>\s]{6,256})<\/\1>/dg;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const span = m.indices?.[2];
    if (span === undefined || /(?:name|id|file|path|url|type)$/i.test(m[1] ?? '')) continue;
    if (!isSecretValue(m[2] ?? '')) continue;
    out.push({ at: span[0], start: span[0], end: span[1], keep: 0 });
  }
  return out;
}

export const INFRA_DETECTORS: readonly Detector[] = [
  azureConnectionString,
  azureSasToken,
  kubernetesSecret,
  kubernetesServiceAccountToken,
  npmrcAuth,
  pgpass,
  netrc,
  xmlPassword,
];
