import type { Detector, DetectorMatch } from '../types.js';
import { charClasses, entropy, hasSequence, isExampleValue, isPlaceholder } from '../values.js';
import { matchGroup } from './match.js';

// Provider tokens, by each provider's published format: a fixed prefix (also the prefilter
// literal), a fixed alphabet and length. Where the format is distinctive the token is found
// glued to surrounding text; short or generic prefixes keep a word boundary. Formats with no
// prefix (Datadog, Twilio) need the provider's name on the line.

/** Random enough: not a sample (`EXAMPLE`, `xxxx`, one repeated character), high entropy. */
function plausible(body: string, minEntropy: number): boolean {
  return (
    !isExampleValue(body) &&
    !isPlaceholder(body) &&
    !hasSequence(body) &&
    entropy(body) >= minEntropy
  );
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/** The generic detector's key-name literals in their usual spellings (`api_key`, `TOKEN`). */
const KEY_WINDOWS = ['i_ke', 'I_KE', 'ikey', 'iKey', 'IKEY', 'i-ke', 'oken', 'OKEN', 'oKen'];

/** 4-character prefilter windows `prefix + c` for each character `c` of `alphabet`. */
function windowsFor(prefix: string, alphabet: string): string[] {
  return [...alphabet].map((c) => prefix + c);
}

/** One prefix regex, group 1 the token; `keep` leading characters stay visible. */
function tokenDetector(
  id: string,
  title: string,
  windows: string[],
  quick: RegExp,
  re: RegExp,
  keep: number,
  accept: (token: string) => boolean,
): Detector {
  return {
    id,
    title,
    windows,
    quick,
    find: (text, lineEnd) => matchGroup(text.slice(0, lineEnd), re, keep, accept),
  };
}

/** OpenAI: `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` or legacy `sk-…`, all with `T3BlbkFJ` inside. */
export const openaiKey = tokenDetector(
  'openai-api-key',
  'OpenAI API key',
  ['lbkF'],
  /T3BlbkFJ/,
  /(?<![A-Za-z0-9_-])(sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{16,250}T3BlbkFJ[A-Za-z0-9_-]{16,250})(?![A-Za-z0-9_-])/dg,
  3,
  (t) => plausible(t.replace('T3BlbkFJ', ''), 3.5),
);

/** Anthropic: `sk-ant-api03-…AA`, `sk-ant-admin01-…`. */
export const anthropicKey = tokenDetector(
  'anthropic-api-key',
  'Anthropic API key',
  // The version tag (`api03-`, `admin01-`): rarer bigrams than `sk-ant-`, so a cheaper literal.
  ['i03-', 'n01-', 't01-', 'd01-'],
  /sk-ant-/,
  /(sk-ant-(?:api|admin|oat|sid)\d\d-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])/dg,
  3,
  (t) => plausible(t.slice(14), 3.5),
);

/** Hugging Face user (`hf_` + 34 letters) and organisation (`api_org_` + 34 letters) tokens. */
export const huggingFaceToken = tokenDetector(
  'huggingface-token',
  'Hugging Face token',
  [...windowsFor('hf_', LETTERS), 'i_or'],
  /hf_[A-Za-z]|api_org_/,
  /(?<![A-Za-z0-9])((?:hf|api_org)_[A-Za-z]{34})(?![A-Za-z0-9_])/dg,
  3,
  (t) => {
    const body = t.slice(t.lastIndexOf('_') + 1);
    return /[a-z]/.test(body) && /[A-Z]/.test(body) && plausible(body, 3.8);
  },
);

export const dockerHubToken = tokenDetector(
  'dockerhub-token',
  'Docker Hub access token',
  // `kr_p`/`kr_o` rather than `dckr`: `ck` is a common bigram, a prefilter trigger for nothing.
  ['kr_p', 'kr_o'],
  /dckr_(?:pat|oat)_/,
  /(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})(?![A-Za-z0-9_-])/dg,
  4,
  (t) => plausible(t.slice(9), 3.5),
);

/** PyPI upload tokens are macaroons: `pypi-` + base64 of a header naming pypi.org or test.pypi.org. */
export const pypiToken = tokenDetector(
  'pypi-token',
  'PyPI upload token',
  ['AgEI', 'AgEN'],
  /pypi-AgE/,
  /(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})/dg,
  4,
  (t) => plausible(t.slice(24), 3.5),
);

export const shopifyToken = tokenDetector(
  'shopify-token',
  'Shopify access token or shared secret',
  ['shpa', 'shpc', 'shps', 'shpp'],
  /shp(?:at|ca|pa|ss)_/,
  /(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})(?![A-Za-z0-9])/dg,
  4,
  (t) => plausible(t.slice(6), 3),
);

/** Atlassian API tokens (`ATATT3…`, ending in a check value) and Confluence/Jira admin keys. */
export const atlassianToken = tokenDetector(
  'atlassian-api-token',
  'Atlassian API token',
  windowsFor('TT3', B64URL),
  /AT[AC]TT3/,
  /(AT[AC]TT3[A-Za-z0-9_=-]{150,250})(?![A-Za-z0-9_=-])/dg,
  4,
  (t) => plausible(t.slice(6), 4),
);

/** HashiCorp Vault service, batch and recovery tokens (1.10+ format). */
export const vaultToken = tokenDetector(
  'vault-token',
  'HashiCorp Vault token',
  ['hvs.', 'hvb.', 'hvr.'],
  /hv[sbr]\./,
  /(?<![A-Za-z0-9_.-])(hv[sbr]\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])/dg,
  4,
  (t) => /[0-9]/.test(t) && charClasses(t) >= 3 && plausible(t.slice(4), 3.5),
);

/** Terraform Cloud / Enterprise API tokens: 14 characters, `.atlasv1.`, 60-70 more. */
export const terraformToken = tokenDetector(
  'terraform-cloud-token',
  'Terraform Cloud API token',
  ['sv1.'],
  /\.atlasv1\./,
  /(?<![A-Za-z0-9])([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})(?![A-Za-z0-9_=-])/dg,
  0,
  (t) => plausible(t.replace('.atlasv1.', ''), 4),
);

/** DigitalOcean personal access, OAuth and refresh tokens. */
export const digitalOceanToken = tokenDetector(
  'digitalocean-token',
  'DigitalOcean token',
  // `v1_` and the first hex digit: `_v1_` and `o_v1` are all over compiled Kubernetes clients.
  windowsFor('v1_', '0123456789abcdef'),
  /do[opr]_v1_/,
  /(do[opr]_v1_[a-f0-9]{64})(?![A-Za-z0-9])/dg,
  4,
  (t) => plausible(t.slice(7), 3.5),
);

export const databricksToken = tokenDetector(
  'databricks-token',
  'Databricks personal access token',
  ['dapi'],
  /dapi[a-f0-9]/,
  /(?<![A-Za-z0-9])(dapi[a-f0-9]{32}(?:-\d)?)(?![A-Za-z0-9])/dg,
  4,
  (t) => /[0-9]/.test(t.slice(4)) && /[a-f]/.test(t.slice(4)) && plausible(t.slice(4), 3.3),
);

/** Google OAuth client secrets (`GOCSPX-`), e.g. in `client_secret.json`. */
export const gcpOAuthSecret = tokenDetector(
  'gcp-oauth-client-secret',
  'Google OAuth client secret',
  ['GOCS'],
  /GOCSPX-/,
  /(GOCSPX-[A-Za-z0-9_-]{28})(?![A-Za-z0-9_-])/dg,
  4,
  (t) => plausible(t.slice(7), 3.5),
);

/** SendGrid: `SG.` + 22 + `.` + 43 base64url characters. */
export const sendgridKey = tokenDetector(
  'sendgrid-api-key',
  'SendGrid API key',
  windowsFor('SG.', B64URL),
  /SG\./,
  /(?<![A-Za-z0-9_-])(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/dg,
  3,
  (t) => plausible(t.slice(3), 4),
);

/**
 * Microsoft Entra (Azure AD) client secrets, current format: 3 characters, a digit, `Q~`, then
 * 31-34 more (the digit and `Q~` are fixed by the issuer).
 */
export const azureClientSecret = tokenDetector(
  'azure-client-secret',
  'Microsoft Entra (Azure AD) client secret',
  [...DIGITS].flatMap((d) => windowsFor(`${d}Q~`, B64URL + '.~')),
  /\dQ~/,
  /(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/dg,
  0,
  (t) => /[0-9]/.test(t.slice(6)) && charClasses(t) >= 3 && plausible(t, 4),
);

/** Mailgun private API keys (`key-` + 32 hex). */
export const mailgunKey = tokenDetector(
  'mailgun-api-key',
  'Mailgun API key',
  ['key-'],
  /key-[0-9a-f]{32}/,
  /(?<![A-Za-z0-9_-])(key-[0-9a-f]{32})(?![A-Za-z0-9])/dg,
  4,
  (t) => /[0-9]/.test(t.slice(4)) && /[a-f]/.test(t.slice(4)) && plausible(t.slice(4), 3.3),
);

/** Hex keys with no prefix of their own, named by their provider on the same line. */
function namedHexKey(
  id: string,
  title: string,
  windows: string[],
  quick: RegExp,
  lengths: number[],
  anyCase = true,
): Detector {
  const re = new RegExp(
    `(?<![A-Za-z0-9_-])(${lengths.map((n) => `[0-9a-f]{${n}}`).join('|')}|SK[0-9a-f]{32})(?![A-Za-z0-9_-])`,
    'dg',
  );
  return {
    id,
    title,
    windows,
    anyCase,
    assignment: true,
    quick,
    find(text, lineEnd) {
      const line = text.slice(0, lineEnd);
      const named = quick.exec(line);
      if (named === null) return [];
      const out: DetectorMatch[] = [];
      for (const m of matchGroup(line.slice(named.index), re, 0, (t) => {
        const hex = t.startsWith('SK') ? t.slice(2) : t;
        return /[0-9]/.test(hex) && /[a-f]/.test(hex) && plausible(hex, 3.2);
      })) {
        out.push({
          ...m,
          at: m.at + named.index,
          start: m.start + named.index,
          end: m.end + named.index,
        });
      }
      return out;
    },
  };
}

/** Datadog API keys (32 hex) and application keys (40 hex): `DD_API_KEY`, `datadog`, `dd-api-key`. */
export const datadogKey = namedHexKey(
  'datadog-api-key',
  'Datadog API or application key',
  // `DD_API_KEY`, `dd_app_key`: the generic detector's literals (`i_ke`, no new prefilter cost)
  // and `dd_a`; `datadog` itself is all common bigrams, a slow prefilter literal.
  [...KEY_WINDOWS, 'DD_A', 'dd_a'],
  /datadog|\bdd[_-]?(?:api|app(?:lication)?)[_-]?key/i,
  [32, 40],
  false,
);

/** Twilio auth tokens (32 hex) and API key SIDs (`SK` + 32 hex) on a line that names Twilio. */
export const twilioKey = namedHexKey(
  'twilio-api-key',
  'Twilio auth token or API key',
  // `TWILIO_AUTH_TOKEN`, `TWILIO_API_KEY`: the generic detector's literals, no new prefilter cost.
  KEY_WINDOWS,
  /twilio/i,
  [32],
  false,
);

/** Mailgun's newer keys (32-8-8 hex) on a line that names Mailgun. */
export const mailgunNamedKey: Detector = {
  id: 'mailgun-api-key',
  title: 'Mailgun API key',
  // `MAILGUN_API_KEY`: the generic detector's literals, no new prefilter cost.
  windows: KEY_WINDOWS,
  assignment: true,
  quick: /mailgun/i,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?<![A-Za-z0-9])([0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9])/dg,
      0,
      (t) => plausible(t, 3.3),
    ),
};

export const PROVIDER_DETECTORS: readonly Detector[] = [
  openaiKey,
  anthropicKey,
  huggingFaceToken,
  dockerHubToken,
  pypiToken,
  shopifyToken,
  atlassianToken,
  vaultToken,
  terraformToken,
  digitalOceanToken,
  databricksToken,
  gcpOAuthSecret,
  sendgridKey,
  azureClientSecret,
  mailgunKey,
  mailgunNamedKey,
  datadogKey,
  twilioKey,
];
