// A realistic, labelled corpus for the secret detectors: random bodies in each provider's real
// format (checksums included), every encoding keys leak in, placed where images leak them
// (files, files a later layer deletes, env, history, labels), and hard negatives that look like
// secrets but are not. Keys and keystores are made by the real tools (node:crypto, ssh-keygen,
// openssl, keytool); token bodies come from a seeded PRNG so every run plants the same set.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { prng } from '../unit/secrets/corpus.js';

/** Where a leak sits in an image. `deleted`: in a layer, removed by a later one. */
export type Place = 'file' | 'deleted' | 'env' | 'history' | 'label';

export interface Planted {
  family: string;
  /** The secret; no finding may show 8 characters of it. */
  value: string;
  /** 1-based line of the finding. */
  line: number;
  /** Detector ids that correctly report it. */
  detectors: string[];
}

export interface CorpusItem {
  place: Place;
  /** Image path for files; variable or label name, or the history entry, otherwise. */
  name: string;
  content: Buffer;
  secrets: Planted[];
  /** For negatives: what kind of look-alike it is. */
  negative?: string;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const B62 = UPPER + LOWER + DIGITS;
const B62_SORTED = DIGITS + UPPER + LOWER;
const B64 = B62 + '+/';
const B64URL = B62 + '-_';
const B32 = UPPER + '234567';

function b62(n: number, width: number): string {
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = B62_SORTED[v % 62]! + out;
  return out.padStart(width, '0');
}

class Gen {
  private readonly rnd: () => number;
  constructor(seed: number) {
    this.rnd = prng(seed);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  str(chars: string, n: number): string {
    return Array.from({ length: n }, () => chars[Math.floor(this.rnd() * chars.length)]).join('');
  }
  /** Random, with a digit and both cases when the alphabet has them (as real tokens do). */
  tok(chars: string, n: number): string {
    for (;;) {
      const s = this.str(chars, n);
      const ok = (re: RegExp): boolean => re.test(s) || !re.test(chars);
      if (ok(/[0-9]/) && ok(/[A-Z]/) && ok(/[a-z]/)) return s;
    }
  }
  /** GitHub/npm style: 30 random + CRC32 in base 62. */
  checksummed(prefix: string): string {
    const random = this.tok(B62, 30);
    return prefix + random + b62(crc32(random), 6);
  }
  password(n = 18): string {
    return this.tok(B62 + '!#%*+-?', n);
  }
  urlPassword(n = 18): string {
    return this.tok(B62 + '-._~', n);
  }
}

/** Lines with `{{k}}` holes; each hole is a planted secret on its line. */
function lines(
  place: Place,
  name: string,
  text: string[],
  holes: Record<string, [family: string, value: string, detectors: string[]]>,
  eol = '\n',
): CorpusItem {
  const secrets: Planted[] = [];
  const out = text.map((l, i) =>
    l.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
      const h = holes[k];
      if (h === undefined) throw new Error(`no hole ${k}`);
      secrets.push({ family: h[0], value: h[1], line: i + 1, detectors: h[2] });
      return h[1];
    }),
  );
  return { place, name, content: Buffer.from(out.join(eol) + eol, 'latin1'), secrets };
}

/** A one-line item (env `NAME=value`, label `key=value`, history `created_by`). */
function one(
  place: Place,
  name: string,
  text: string,
  family: string,
  value: string,
  d: string[],
): CorpusItem {
  return lines(place, name, [text.replace('@@', '{{s}}')], { s: [family, value, d] });
}

/** The body lines of a PEM (the secret material), for leak checks. */
function pemBody(pem: string): string {
  return pem
    .split(/\r?\n/)
    .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l))
    .join('');
}

interface Keys {
  rsa: KeyObject;
  ec: KeyObject;
  ed: KeyObject;
  rsaPub: KeyObject;
  openssh: string;
  opensshEncrypted: string;
  certPem: string;
  p12Key: Buffer;
  p12CertsOnly: Buffer;
  jksKey: Buffer;
  jksTrust: Buffer;
}

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Real keys and keystores from the real tools, in a scratch directory removed afterwards. */
function makeKeys(): Keys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ed = generateKeyPairSync('ed25519');
  const dir = mkdtempSync(join(tmpdir(), 'ig-corpus-'));
  try {
    run(
      'ssh-keygen',
      ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy@ci', '-f', 'id_ed25519'],
      dir,
    );
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', 'hunter2!', '-f', 'id_rsa_enc'], dir);
    run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'k.pem',
        '-out',
        'c.pem',
        '-days',
        '30',
        '-subj',
        '/CN=corpus.test',
      ],
      dir,
    );
    run(
      'openssl',
      [
        'pkcs12',
        '-export',
        '-inkey',
        'k.pem',
        '-in',
        'c.pem',
        '-out',
        'key.p12',
        '-passout',
        'pass:corpus-pass',
      ],
      dir,
    );
    run(
      'openssl',
      [
        'pkcs12',
        '-export',
        '-nokeys',
        '-in',
        'c.pem',
        '-out',
        'certs.p12',
        '-passout',
        'pass:corpus-pass',
      ],
      dir,
    );
    const kt = ['-storepass', 'corpus-pass', '-noprompt'];
    run(
      'keytool',
      [
        '-genkeypair',
        '-alias',
        'app',
        '-keyalg',
        'RSA',
        '-keysize',
        '2048',
        '-dname',
        'CN=app',
        '-keystore',
        'key.jks',
        '-storetype',
        'JKS',
        '-keypass',
        'corpus-pass',
        ...kt,
      ],
      dir,
    );
    run(
      'keytool',
      [
        '-importcert',
        '-alias',
        'ca',
        '-file',
        'c.pem',
        '-keystore',
        'trust.jks',
        '-storetype',
        'JKS',
        ...kt,
      ],
      dir,
    );
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    return {
      rsa: rsa.privateKey,
      ec: ec.privateKey,
      ed: ed.privateKey,
      rsaPub: rsa.publicKey,
      openssh: read('id_ed25519').toString('latin1'),
      opensshEncrypted: read('id_rsa_enc').toString('latin1'),
      certPem: read('c.pem').toString('latin1'),
      p12Key: read('key.p12'),
      p12CertsOnly: read('certs.p12'),
      jksKey: read('key.jks'),
      jksTrust: read('trust.jks'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every way a PEM private key is written down where images leak it. */
function pemEncodings(keys: Keys): CorpusItem[] {
  const pkcs1 = keys.rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
  const pkcs8 = keys.ec.export({ type: 'pkcs8', format: 'pem' }) as string;
  const sec1 = keys.ec.export({ type: 'sec1', format: 'pem' }) as string;
  const ed8 = keys.ed.export({ type: 'pkcs8', format: 'pem' }) as string;
  const enc8 = keys.rsa.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'pw',
  }) as string;
  const enc1 = keys.rsa.export({
    type: 'pkcs1',
    format: 'pem',
    cipher: 'aes-128-cbc',
    passphrase: 'pw',
  }) as string;
  const item = (
    place: Place,
    name: string,
    text: string,
    line: number,
    pem: string,
    detectors = ['private-key'],
  ): CorpusItem => ({
    place,
    name,
    content: Buffer.from(text, 'latin1'),
    secrets: [{ family: 'private-key', value: pemBody(pem), line, detectors }],
  });
  const flat = (pem: string): string => pem.trimEnd().split('\n').join(' ');
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  const wrap76 = (s: string): string => s.match(/.{1,76}/g)!.join('\n');
  const items: CorpusItem[] = [
    item('file', '/root/.ssh/id_rsa', pkcs1, 1, pkcs1),
    item('file', '/etc/app/tls/key.pem', pkcs8, 1, pkcs8),
    item('file', '/etc/app/ec.key', sec1, 1, sec1),
    item('file', '/etc/app/ed25519.pem', ed8, 1, ed8),
    item('file', '/etc/app/enc.pem', enc8, 1, enc8),
    item('file', '/etc/app/legacy-enc.pem', enc1, 1, enc1),
    item('file', '/home/app/.ssh/id_ed25519', keys.openssh, 1, keys.openssh),
    item('file', '/home/app/.ssh/id_rsa', keys.opensshEncrypted, 1, keys.opensshEncrypted),
    item('deleted', '/build/deploy_key', keys.openssh, 1, keys.openssh),
    item('file', '/srv/crlf.key', pkcs1.replace(/\n/g, '\r\n'), 1, pkcs1),
    item('file', '/srv/flat.env', `PRIVATE_KEY="${flat(pkcs1)}"\n`, 1, pkcs1),
    item(
      'file',
      '/srv/flat-nospace.txt',
      `key: ${pkcs8.trimEnd().split('\n').join('')}\n`,
      1,
      pkcs8,
    ),
    item(
      'file',
      '/srv/app.json',
      JSON.stringify({ name: 'svc', signingKey: pkcs8 }, null, 2) + '\n',
      3,
      pkcs8,
    ),
    item('file', '/srv/values.yaml', `tls:\n  key: "${ed8.replace(/\n/g, '\\n')}"\n`, 2, ed8),
    item(
      'file',
      '/srv/block.yaml',
      `tls:\n  key: |\n${sec1
        .trimEnd()
        .split('\n')
        .map((l) => '    ' + l)
        .join('\n')}\n`,
      3,
      sec1,
    ),
    item('file', '/srv/helm/values.yaml', `ingress:\n  tlsKey: ${b64(pkcs1)}\n`, 2, pkcs1),
    item('file', '/srv/key.b64', wrap76(b64(pkcs8)) + '\n', 1, pkcs8),
    item('file', '/srv/flat-encrypted.txt', `${flat(enc1)}\n`, 1, enc1),
    item('env', 'SSH_PRIVATE_KEY', `SSH_PRIVATE_KEY=${b64(keys.openssh)}`, 1, keys.openssh),
    item('env', 'TLS_KEY', `TLS_KEY=${pkcs8}`, 1, pkcs8),
    item('label', 'org.example.key', `org.example.key=${flat(sec1)}`, 1, sec1),
    item(
      'history',
      'RUN echo key',
      `/bin/sh -c echo "${pkcs8.replace(/\n/g, '\\n')}" > /key.pem`,
      1,
      pkcs8,
    ),
  ];
  return items;
}

/** A Kubernetes Secret with base64 data, in the layout `kubectl get -o yaml` prints. */
function k8sSecretYaml(g: Gen, kubectlOrder: boolean): CorpusItem {
  const pw = g.password();
  const api = g.tok(B62, 32);
  const enc = (s: string): string => Buffer.from(s).toString('base64');
  const head = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: app-credentials',
    'type: Opaque',
  ];
  const data = ['data:', '  username: ' + enc('app'), '  password: {{p}}', '  api-key: {{a}}'];
  const text = kubectlOrder
    ? [
        'apiVersion: v1',
        ...data,
        'kind: Secret',
        'metadata:',
        '  name: app-credentials',
        'type: Opaque',
      ]
    : [...head, ...data];
  return lines('file', `/manifests/secret-${kubectlOrder ? 'kubectl' : 'hand'}.yaml`, text, {
    p: ['kubernetes-secret', enc(pw), ['kubernetes-secret']],
    a: ['kubernetes-secret', enc(api), ['kubernetes-secret']],
  });
}

function jwt(header: object, payload: object, g: Gen, sigLen: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part(header)}.${part(payload)}.${g.str(B64URL, sigLen)}`;
}

function putty(g: Gen, encrypted: boolean): { text: string; body: string } {
  const pub = Buffer.concat([
    Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x20'),
    Buffer.from(g.str(B62, 32)),
  ]).toString('base64');
  const body = Buffer.from(g.str(B62, encrypted ? 48 : 36)).toString('base64');
  const text = [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    `Encryption: ${encrypted ? 'aes256-cbc' : 'none'}`,
    'Comment: eddsa-key-20240101',
    'Public-Lines: 2',
    pub.slice(0, 64),
    pub.slice(64),
    ...(encrypted
      ? [
          'Key-Derivation: Argon2id',
          'Argon2-Memory: 8192',
          'Argon2-Passes: 21',
          'Argon2-Parallelism: 1',
          `Argon2-Salt: ${g.str(HEX, 32)}`,
        ]
      : []),
    'Private-Lines: 1',
    body,
    `Private-MAC: ${g.str(HEX, 64)}`,
  ].join('\n');
  return { text: text + '\n', body };
}

export function positives(seed = 11): CorpusItem[] {
  const g = new Gen(seed);
  const keys = makeKeys();
  const items: CorpusItem[] = [...pemEncodings(keys)];
  const add = (...xs: CorpusItem[]): void => {
    items.push(...xs);
  };
  const hex = (n: number): string => g.tok(HEX, n);

  // Cloud providers.
  add(
    lines(
      'file',
      '/root/.aws/credentials',
      ['[default]', 'aws_access_key_id = {{i}}', 'aws_secret_access_key = {{s}}'],
      {
        i: ['aws', 'AKIA' + g.str(B32, 16), ['aws-access-key-id']],
        s: ['aws', g.tok(B64, 40), ['aws-secret-access-key']],
      },
    ),
    one('env', 'AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY=@@', 'aws', g.tok(B64, 40), [
      'aws-secret-access-key',
    ]),
    one(
      'history',
      'RUN aws',
      '|2 AWS_ACCESS_KEY_ID=@@ /bin/sh -c aws s3 cp s3://b/x /x',
      'aws',
      'ASIA' + g.str(B32, 16),
      ['aws-access-key-id'],
    ),
    lines(
      'file',
      '/app/appsettings.json',
      [
        '{',
        '  "Storage": {',
        '    "ConnectionString": "DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey={{k}};EndpointSuffix=core.windows.net"',
        '  },',
        '  "AzureAd": { "ClientId": "6f1d2a3b-0000-4c5d-9e8f-123456789abc", "ClientSecret": "{{c}}" }',
        '}',
      ],
      {
        k: ['azure-storage', g.tok(B64, 86) + '==', ['azure-storage-key']],
        c: [
          'azure-client-secret',
          `${g.tok(B62, 3)}8Q~${g.tok(B62 + '_~.-', 34)}`,
          ['azure-client-secret'],
        ],
      },
    ),
    one(
      'env',
      'SERVICEBUS',
      'SERVICEBUS=Endpoint=sb://prod.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=@@',
      'azure-storage',
      g.tok(B64, 43) + '=',
      ['azure-storage-key'],
    ),
    one(
      'file',
      '/app/blob-url.txt',
      `https://prodstore.blob.core.windows.net/backups/db.tar?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=@@`,
      'azure-sas',
      g.tok(B64, 43).replace(/\+/g, '%2B').replace(/\//g, '%2F') + '%3D',
      ['azure-sas-token'],
    ),
    one(
      'env',
      'AZURE_CLIENT_SECRET',
      'AZURE_CLIENT_SECRET=@@',
      'azure-client-secret',
      `${g.tok(B62, 3)}2Q~${g.tok(B62 + '_~.-', 34)}`,
      ['azure-client-secret'],
    ),
    lines(
      'file',
      '/app/client_secret.json',
      [
        '{"installed":{"client_id":"1234567890-abc.apps.googleusercontent.com","project_id":"demo","client_secret":"{{s}}","redirect_uris":["http://localhost"]}}',
      ],
      {
        s: ['gcp-oauth', 'GOCSPX-' + g.tok(B64URL, 28), ['gcp-oauth-client-secret']],
      },
    ),
  );
  const sa = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'demo',
      private_key_id: hex(40),
      private_key: keys.rsa.export({ type: 'pkcs8', format: 'pem' }),
      client_email: 'ci@demo.iam.gserviceaccount.com',
    },
    null,
    2,
  );
  add({
    place: 'file',
    name: '/app/sa.json',
    content: Buffer.from(sa),
    secrets: [
      {
        family: 'gcp-service-account',
        value: pemBody(keys.rsa.export({ type: 'pkcs8', format: 'pem' }) as string),
        line: sa.split('\n').findIndex((l) => l.includes('"private_key"')) + 1,
        detectors: ['gcp-service-account', 'private-key'],
      },
    ],
  });

  // Code hosts, package registries.
  const ghp = g.checksummed('ghp_');
  add(
    one('file', '/app/deploy.sh', 'export GITHUB_TOKEN=@@', 'github', ghp, ['github-token']),
    one('env', 'GH_TOKEN', 'GH_TOKEN=@@', 'github', g.checksummed('gho_'), ['github-token']),
    one(
      'file',
      '/app/notes.txt',
      'glued to a word: Authorization:Bearer@@',
      'github',
      `github_pat_${g.tok(B62, 22)}_${g.tok(B62, 59)}`,
      ['github-token'],
    ),
    one(
      'file',
      '/app/glued.txt',
      'the ci tokenis@@ (rotated weekly)',
      'github',
      g.checksummed('ghs_'),
      ['github-token'],
    ),
    one(
      'label',
      'ci.token',
      'ci.token=pat:@@',
      'github',
      `github_pat_${g.tok(B62, 22)}_${g.tok(B62, 59)}`,
      ['github-token'],
    ),
    one('file', '/app/.gitlab-ci.env', 'CI_TOKEN=x@@', 'gitlab', 'glpat-' + g.tok(B64URL, 20), [
      'gitlab-token',
    ]),
    one(
      'history',
      'RUN gitlab',
      '|1 GL=@@ /bin/sh -c git clone https://gitlab.com/x/y',
      'gitlab',
      'glpat-' + g.tok(B62, 20),
      ['gitlab-token'],
    ),
    lines(
      'file',
      '/root/.npmrc',
      ['registry=https://registry.npmjs.org/', '//registry.npmjs.org/:_authToken={{t}}'],
      {
        t: ['npm', g.checksummed('npm_'), ['npm-token', 'npmrc-auth-token']],
      },
    ),
    one(
      'file',
      '/home/node/.npmrc',
      '_auth = @@',
      'npm-auth',
      Buffer.from(`ci-bot:${g.password()}`).toString('base64'),
      ['npmrc-auth'],
    ),
    lines('file', '/root/.pypirc', ['[pypi]', 'username = __token__', 'password = {{t}}'], {
      t: ['pypi', 'pypi-AgEIcHlwaS5vcmc' + g.tok(B64URL, 160), ['pypi-token']],
    }),
    one(
      'env',
      'DOCKERHUB_TOKEN',
      'DOCKERHUB_TOKEN=@@',
      'dockerhub',
      'dckr_pat_' + g.tok(B64URL, 27),
      ['dockerhub-token'],
    ),
    lines(
      'file',
      '/root/.docker/config.json',
      [
        '{',
        '  "auths": {',
        '    "registry.internal:5000": {',
        '      "auth": "{{a}}"',
        '    }',
        '  }',
        '}',
      ],
      {
        a: [
          'docker-config',
          Buffer.from(`robot$ci:${g.password()}`).toString('base64'),
          ['docker-config-auth'],
        ],
      },
    ),
  );

  // AI, SaaS and infrastructure providers.
  add(
    one(
      'env',
      'OPENAI_API_KEY',
      'OPENAI_API_KEY=@@',
      'openai',
      `sk-proj-${g.tok(B64URL, 74)}T3BlbkFJ${g.tok(B64URL, 74)}`,
      ['openai-api-key'],
    ),
    one(
      'file',
      '/app/openai.py',
      'client = OpenAI(api_key="@@")',
      'openai',
      `sk-${g.tok(B62, 20)}T3BlbkFJ${g.tok(B62, 20)}`,
      ['openai-api-key'],
    ),
    one(
      'file',
      '/app/.env',
      'ANTHROPIC_API_KEY=@@',
      'anthropic',
      `sk-ant-api03-${g.tok(B64URL, 93)}AA`,
      ['anthropic-api-key'],
    ),
    one(
      'file',
      '/root/.cache/huggingface/token',
      '@@',
      'huggingface',
      'hf_' + g.tok(UPPER + LOWER, 34),
      ['huggingface-token'],
    ),
    one(
      'history',
      'RUN hf',
      '|1 HF_TOKEN=@@ /bin/sh -c huggingface-cli download x',
      'huggingface',
      'hf_' + g.tok(UPPER + LOWER, 34),
      ['huggingface-token'],
    ),
    one('env', 'DD_API_KEY', 'DD_API_KEY=@@', 'datadog', hex(32), ['datadog-api-key']),
    lines(
      'file',
      '/etc/datadog-agent/datadog.yaml',
      ['site: datadoghq.eu', 'api_key: {{a}}', 'dd_app_key: {{b}}'],
      {
        a: ['datadog', hex(32), ['datadog-api-key', 'generic-secret']],
        b: ['datadog', hex(40), ['datadog-api-key']],
      },
    ),
    lines(
      'file',
      '/app/twilio.env',
      ['TWILIO_ACCOUNT_SID=AC' + g.str(HEX, 32), 'TWILIO_AUTH_TOKEN={{t}}', 'TWILIO_API_KEY={{k}}'],
      {
        t: ['twilio', hex(32), ['twilio-api-key', 'generic-secret']],
        k: ['twilio', 'SK' + hex(32), ['twilio-api-key']],
      },
    ),
    one(
      'file',
      '/app/mail.py',
      "sg = SendGridAPIClient('@@')",
      'sendgrid',
      `SG.${g.tok(B64URL, 22)}.${g.tok(B64URL, 43)}`,
      ['sendgrid-api-key'],
    ),
    one('env', 'MAILGUN_API_KEY', 'MAILGUN_API_KEY=@@', 'mailgun', 'key-' + hex(32), [
      'mailgun-api-key',
    ]),
    one(
      'file',
      '/app/mailgun.yml',
      'mailgun_api_key: @@',
      'mailgun',
      `${hex(32)}-${hex(8)}-${hex(8)}`,
      ['mailgun-api-key'],
    ),
    one('env', 'SHOPIFY_TOKEN', 'SHOPIFY_TOKEN=@@', 'shopify', 'shpat_' + hex(32), [
      'shopify-token',
    ]),
    one(
      'file',
      '/app/jira.properties',
      'jira.api.token=@@',
      'atlassian',
      `ATATT3xFfGF0${g.tok(B64URL, 172)}=${g.str('0123456789ABCDEF', 8)}`,
      ['atlassian-api-token'],
    ),
    one('env', 'VAULT_TOKEN', 'VAULT_TOKEN=@@', 'vault', 'hvs.' + g.tok(B64URL, 91), [
      'vault-token',
    ]),
    lines(
      'file',
      '/root/.terraform.d/credentials.tfrc.json',
      [
        '{',
        '  "credentials": {',
        '    "app.terraform.io": {',
        '      "token": "{{t}}"',
        '    }',
        '  }',
        '}',
      ],
      {
        t: ['terraform', `${g.tok(B62, 14)}.atlasv1.${g.tok(B62, 67)}`, ['terraform-cloud-token']],
      },
    ),
    one('env', 'DIGITALOCEAN_TOKEN', 'DIGITALOCEAN_TOKEN=@@', 'digitalocean', 'dop_v1_' + hex(64), [
      'digitalocean-token',
    ]),
    one('file', '/root/.databrickscfg', 'token = @@', 'databricks', 'dapi' + hex(32), [
      'databricks-token',
    ]),
    one('file', '/app/stripe.rb', "Stripe.api_key = '@@'", 'stripe', 'sk_live_' + g.tok(B62, 24), [
      'stripe-key',
    ]),
    one('file', '/app/maps.js', "const KEY = '@@';", 'google-api-key', 'AIza' + g.tok(B64URL, 35), [
      'google-api-key',
    ]),
    one(
      'file',
      '/app/slack.txt',
      'botxoxb-@@',
      'slack',
      `${g.str(DIGITS, 12)}-${g.str(DIGITS, 13)}-${g.tok(B62, 24)}`,
      ['slack-token'],
    ),
    one(
      'file',
      '/app/hooks.yaml',
      'webhook: https://hooks.slack.com/services/@@',
      'slack',
      `T${g.tok(UPPER + DIGITS, 8)}/B${g.tok(UPPER + DIGITS, 10)}/${g.tok(B62, 24)}`,
      ['slack-webhook'],
    ),
  );

  // Databases and client credential files.
  add(
    one(
      'env',
      'DATABASE_URL',
      'DATABASE_URL=postgres://app:@@@db.internal:5432/app',
      'db-uri',
      g.urlPassword(),
      ['url-credentials'],
    ),
    one(
      'file',
      '/app/config/database.yml',
      '  url: mysql://root:@@@mysql:3306/shop',
      'db-uri',
      g.urlPassword(),
      ['url-credentials'],
    ),
    one(
      'label',
      'db',
      'db=mongodb+srv://admin:@@@cluster0.x1y2z.mongodb.net/prod?retryWrites=true',
      'db-uri',
      g.urlPassword(),
      ['url-credentials'],
    ),
    one('file', '/app/cache.env', 'REDIS_URL=redis://:@@@redis:6379/0', 'db-uri', g.urlPassword(), [
      'url-credentials',
    ]),
    one(
      'history',
      'RUN amqp',
      '/bin/sh -c celery -b amqp://worker:@@@rabbit:5672// worker --detach',
      'db-uri',
      g.urlPassword(),
      ['url-credentials'],
    ),
    one(
      'file',
      '/app/jdbc.properties',
      'url=jdbc:postgresql://db:5432/app?user=app&password=@@&ssl=true',
      'db-uri',
      g.tok(B62, 16),
      ['url-credentials'],
    ),
    lines(
      'file',
      '/root/.pgpass',
      [
        '# host:port:db:user:password',
        'db.internal:5432:app:app:{{p}}',
        'replica.internal:5432:*:replicator:{{q}}',
      ],
      {
        p: ['pgpass', g.password(), ['pgpass']],
        q: ['pgpass', g.password(), ['pgpass']],
      },
    ),
    lines(
      'file',
      '/root/.netrc',
      [
        'machine api.example.com',
        '  login deploy',
        '  password {{p}}',
        'machine ftp.example.org login ci password {{q}}',
      ],
      {
        p: ['netrc', g.password(), ['netrc-password']],
        q: ['netrc', g.tok(B62, 20), ['netrc-password']],
      },
    ),
    lines(
      'file',
      '/root/.m2/settings.xml',
      [
        '<settings>',
        '  <servers>',
        '    <server>',
        '      <id>nexus</id>',
        '      <username>deploy</username>',
        '      <password>{{p}}</password>',
        '    </server>',
        '  </servers>',
        '</settings>',
      ],
      {
        p: ['xml-properties', g.password(), ['xml-password']],
      },
    ),
    one(
      'file',
      '/app/application.properties',
      'spring.datasource.password=@@',
      'xml-properties',
      g.password(),
      ['generic-secret'],
    ),
    lines(
      'file',
      '/var/www/html/wp-config.php',
      [
        "define( 'DB_NAME', 'wordpress' );",
        "define( 'DB_USER', 'wp' );",
        "define( 'DB_PASSWORD', '{{p}}' );",
        "define( 'DB_HOST', 'db' );",
      ],
      { p: ['php-define', g.password(), ['generic-secret']] },
    ),
    one(
      'file',
      '/app/settings.py',
      "os.environ.setdefault('DJANGO_SECRET_KEY', '@@')",
      'php-define',
      g.tok(B62, 50),
      ['generic-secret'],
    ),
  );

  // Kubernetes.
  const saToken = jwt(
    { alg: 'RS256', kid: g.tok(B64URL, 43) },
    {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/service-account.name': 'deployer',
      sub: 'system:serviceaccount:default:deployer',
    },
    g,
    342,
  );
  const boundToken = jwt(
    { alg: 'RS256', kid: g.tok(B64URL, 43) },
    {
      aud: ['https://kubernetes.default.svc'],
      exp: 2000000000,
      iss: 'https://kubernetes.default.svc',
      'kubernetes.io': {
        namespace: 'ci',
        serviceaccount: { name: 'runner', uid: 'b1f0e3c2-4a5b-4c6d-8e7f-0123456789ab' },
      },
      sub: 'system:serviceaccount:ci:runner',
    },
    g,
    342,
  );
  const clientKey = keys.ec.export({ type: 'sec1', format: 'pem' }) as string;
  add(
    one(
      'file',
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '@@',
      'kubernetes-sa-token',
      saToken,
      ['kubernetes-service-account-token'],
    ),
    lines(
      'file',
      '/root/.kube/config',
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: admin',
        '  user:',
        '    client-certificate-data: ' + Buffer.from(keys.certPem).toString('base64'),
        '    client-key-data: {{k}}',
        '- name: ci',
        '  user:',
        '    token: {{t}}',
      ],
      {
        k: [
          'kubeconfig',
          Buffer.from(clientKey).toString('base64'),
          ['kubeconfig-client-key', 'private-key'],
        ],
        t: ['kubeconfig', boundToken, ['kubernetes-service-account-token']],
      },
    ),
    k8sSecretYaml(g, false),
    k8sSecretYaml(g, true),
    one(
      'file',
      '/manifests/secret.json',
      '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"password":"@@"}}',
      'kubernetes-secret',
      Buffer.from(g.password()).toString('base64'),
      ['kubernetes-secret'],
    ),
  );

  // Key formats beyond PEM.
  const jwk = keys.ec.export({ format: 'jwk' });
  const jwkText = JSON.stringify(
    { keys: [{ ...jwk, kid: 'sig-1', use: 'sig', alg: 'ES256' }] },
    null,
    2,
  );
  add({
    place: 'file',
    name: '/app/jwks.json',
    content: Buffer.from(jwkText),
    secrets: [
      {
        family: 'jwk',
        value: jwk.d!,
        line: jwkText.split('\n').findIndex((l) => l.includes('"d"')) + 1,
        detectors: ['jwk-private-key'],
      },
    ],
  });
  const rsaJwk = keys.rsa.export({ format: 'jwk' });
  add(
    one(
      'env',
      'JWK',
      `JWK=${JSON.stringify(rsaJwk).replace(/"d":"[^"]*"/, '"d":"@@"')}`,
      'jwk',
      rsaJwk.d!,
      ['jwk-private-key'],
    ),
  );
  for (const enc of [false, true]) {
    const p = putty(g, enc);
    add({
      place: 'file',
      name: `/home/app/key${enc ? '-enc' : ''}.ppk`,
      content: Buffer.from(p.text),
      secrets: [
        {
          family: 'putty',
          value: p.body,
          line: p.text.split('\n').indexOf(p.body) + 1,
          detectors: ['putty-private-key'],
        },
      ],
    });
  }
  const bin = (name: string, content: Buffer, detector: string): CorpusItem => ({
    place: 'file',
    name,
    content,
    secrets: [{ family: 'keystore', value: '', line: 1, detectors: [detector] }],
  });
  add(
    bin('/app/keystore.p12', keys.p12Key, 'pkcs12-keystore'),
    bin('/app/keystore.jks', keys.jksKey, 'java-keystore'),
    bin('/deleted/old.p12', keys.p12Key, 'pkcs12-keystore'),
  );
  items[items.length - 1]!.place = 'deleted';
  return items;
}

/** Look-alikes that must stay silent. */
export function negatives(seed = 12): CorpusItem[] {
  const g = new Gen(seed);
  const keys = makeKeys();
  const neg = (
    negative: string,
    name: string,
    text: string | Buffer,
    place: Place = 'file',
  ): CorpusItem => ({
    place,
    name,
    content: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
    secrets: [],
    negative,
  });
  const uuid = (): string =>
    `${g.str(HEX, 8)}-${g.str(HEX, 4)}-4${g.str(HEX, 3)}-a${g.str(HEX, 3)}-${g.str(HEX, 12)}`;
  const spki = keys.rsaPub.export({ type: 'spki', format: 'pem' }) as string;
  const sshPub = `ssh-ed25519 ${Buffer.concat([Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x20'), Buffer.from(g.str(B62, 32))]).toString('base64')} deploy@ci`;
  const jwkPub = keys.ec.export({ format: 'jwk' });
  delete jwkPub.d;
  const jwtIo =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  return [
    neg(
      'placeholder',
      '/app/.env.example',
      [
        'OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'DD_API_KEY=<your-datadog-api-key>',
        'AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET}',
        'DATABASE_URL=postgres://user:password@localhost:5432/db',
        'REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379',
        'VAULT_TOKEN=hvs.XXXXXXXXXXXXXXXXXXXXXXXX',
        'HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'DIGITALOCEAN_TOKEN=dop_v1_0000000000000000000000000000000000000000000000000000000000000000',
        'password: changeme',
        'token: {{ .Values.token }}',
      ].join('\n') + '\n',
    ),
    neg(
      'documented example',
      '/usr/share/doc/tools/README.md',
      [
        'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
        'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'Use a token such as ghp_16C7e42F292c6912E7710c838347Ae178B4a in the header.',
        'const auth = createTokenAuth("ghp_PersonalAccessToken01245678900000000");',
        'const TOKEN = "ghp_PersonalAccessToken01245678900000000";',
        '          "token": "ghs_16C7e42F292c6912E7710c838347Ae178B4a",',
        '"token": "github_pat_0A1B2C3D4E5F6G7H8I9J0K_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456",',
        '*:*:*:*:*:*:*:*:*:*:*:*:*:*:*:*:*:*',
        "define( 'DB_PASSWORD', 'password_here' );",
        "define('AUTH_KEY', 'put your unique phrase here');",
        "check_password('admin', 'correct horse');",
        `Authorization: Bearer ${jwtIo}`,
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
        'machine example.com',
        'login daniel',
        'password qwerty',
        '',
        'connect with mysql://keystone:foobar@127.0.0.1/keystone',
        'localhost:5432:mydb:postgres:password',
        '-----BEGIN RSA PRIVATE KEY-----',
        'MIIEpAIBAAKCAQEA...',
        '-----END RSA PRIVATE KEY-----',
      ].join('\n') + '\n',
    ),
    neg('public key', '/etc/app/public.pem', spki),
    neg('public key', '/root/.ssh/authorized_keys', sshPub + '\n'),
    neg('certificate', '/etc/ssl/certs/app.pem', keys.certPem),
    neg('public key', '/app/jwks-public.json', JSON.stringify({ keys: [jwkPub] }, null, 2)),
    neg(
      'certificate',
      '/etc/app/cert.b64',
      `TLS_CERT=${Buffer.from(keys.certPem).toString('base64')}\nPUBLIC_KEY=${Buffer.from(spki).toString('base64')}\n`,
    ),
    neg(
      'hash',
      '/app/SHA256SUMS',
      Array.from({ length: 12 }, (_, i) => `${g.str(HEX, 64)}  pkg-${i}.tar.gz`).join('\n') + '\n',
    ),
    neg(
      'hash',
      '/app/package-lock.json',
      JSON.stringify(
        {
          packages: {
            'node_modules/a': {
              version: '1.0.0',
              resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz',
              integrity: `sha512-${Buffer.from(g.str(B62, 64)).toString('base64')}`,
            },
          },
        },
        null,
        2,
      ),
    ),
    neg(
      'hash',
      '/app/git.log',
      Array.from(
        { length: 8 },
        () => `commit ${g.str(HEX, 40)}\nAuthor: Dev <dev@example.com>\n`,
      ).join('\n'),
    ),
    neg(
      'uuid',
      '/app/ids.yaml',
      Array.from(
        { length: 10 },
        (_, i) => `item${i}: { id: ${uuid()}, request_id: "${uuid()}", trace: ${g.str(HEX, 32)} }`,
      ).join('\n') + '\n',
    ),
    neg(
      'base64 non-secret',
      '/app/data.yaml',
      [
        `greeting: ${Buffer.from('hello world, this is ordinary text for a test').toString('base64')}`,
        `icon: data:image/png;base64,${Buffer.from(g.str(B62 + '\0\x01\x02', 300), 'latin1').toString('base64')}`,
        `config: ${Buffer.from('{"log":"info","workers":4}').toString('base64')}`,
      ].join('\n') + '\n',
    ),
    neg(
      'not a Secret',
      '/manifests/configmap.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: app',
        'data:',
        '  LOG_LEVEL: debug',
        '  FEATURE_FLAGS: a,b,c',
        `  BUILD_ID: ${g.str(HEX, 40)}`,
      ].join('\n') + '\n',
    ),
    neg(
      'Secret template',
      '/manifests/secret-template.yaml',
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: app',
        'type: kubernetes.io/service-account-token',
        'data:',
        '  password: {{ .Values.password | b64enc }}',
        `  namespace: ${Buffer.from('default').toString('base64')}`,
        `  ca.crt: ${Buffer.from(keys.certPem).toString('base64')}`,
      ].join('\n') + '\n',
    ),
    neg(
      'placeholder',
      '/home/node/.npmrc',
      '_auth=${NPM_AUTH}\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
    ),
    neg(
      'placeholder',
      '/root/.m2/settings.xml',
      '<server><id>x</id><password>${env.NEXUS_PASSWORD}</password></server>\n',
    ),
    neg('certificate keystore', '/etc/ssl/certs/java/cacerts', keys.jksTrust),
    neg('certificate keystore', '/app/truststore.p12', keys.p12CertsOnly),
    neg('placeholder', 'API_TOKEN', 'API_TOKEN=${API_TOKEN}', 'env'),
    neg(
      'placeholder',
      'RUN build',
      '|1 NPM_TOKEN=npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx /bin/sh -c npm ci',
      'history',
    ),
    neg(
      'uuid',
      'org.opencontainers.image.revision',
      `org.opencontainers.image.revision=${g.str(HEX, 40)}`,
      'label',
    ),
    neg('uuid', 'build-id', `build-id=${uuid()}`, 'label'),
  ];
}
