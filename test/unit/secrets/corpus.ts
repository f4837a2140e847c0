// A labelled corpus for the secret scanner, generated deterministically (seeded PRNG; keys from
// node:crypto are random but only ever used as positives). Positives are realistic files with
// planted secrets of every detector; negatives are look-alikes that must stay silent.
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Planted {
  /** The secret value; no hit field may contain 8 characters of it. */
  value: string;
  /** 1-based line where it is planted. */
  line: number;
  /** Detector ids that may report it. */
  detectors: string[];
}

export interface CorpusFile {
  name: string;
  content: string;
  secrets: Planted[];
}

/** mulberry32: small, seeded, good enough to shape tokens. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const BASE62 = UPPER + LOWER + DIGITS;
const BASE32 = UPPER + '234567';
const BASE64 = BASE62 + '+/';

/** Builds a file from lines; `{{name}}` marks where secrets go and gives their line. */
function file(
  name: string,
  lines: string[],
  secrets: Record<string, [string, string[]]>,
): CorpusFile {
  const planted: Planted[] = [];
  const out = lines.map((l, i) =>
    l.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const s = secrets[key];
      if (s === undefined) throw new Error(`no secret ${key}`);
      planted.push({ value: s[0], line: i + 1, detectors: s[1] });
      return s[0];
    }),
  );
  return { name, content: out.join('\n') + '\n', secrets: planted };
}

export function positives(seed = 1): CorpusFile[] {
  const rnd = prng(seed);
  const str = (chars: string, n: number): string =>
    Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  // Like real tokens: random, with at least one digit and one upper-case letter.
  const tok = (chars: string, n: number): string => {
    for (;;) {
      const s = str(chars, n);
      const has = (re: RegExp): boolean => re.test(s) || !re.test(chars);
      if (has(/[0-9]/) && has(/[A-Z]/) && has(/[a-z]/)) return s;
    }
  };
  const awsId = (): string => 'AKIA' + str(BASE32, 16);
  const awsSecret = (): string => tok(BASE64, 40);
  const gh = (p: string): string => `gh${p}_` + tok(BASE62, 36);
  const ghPat = (): string => 'github_pat_' + tok(BASE62, 22) + '_' + tok(BASE62, 59);
  const password = (): string => tok(BASE62 + '!#%&*+-?', 16);
  // Passwords inside URLs are percent-encoded: only unreserved characters appear raw.
  const urlPassword = (): string => tok(BASE62 + '-._~', 16);
  const files: CorpusFile[] = [];

  for (let i = 0; i < 4; i++) {
    files.push(
      file(
        `aws-${i}.env`,
        [
          '# app settings',
          'REGION=eu-west-1',
          'AWS_ACCESS_KEY_ID={{id}}',
          'AWS_SECRET_ACCESS_KEY={{secret}}',
          'DEBUG=0',
        ],
        {
          id: [awsId(), ['aws-access-key-id']],
          secret: [awsSecret(), ['aws-secret-access-key', 'generic-secret']],
        },
      ),
      file(
        `credentials-${i}`,
        [
          '[default]',
          'aws_access_key_id = {{id}}',
          'aws_secret_access_key = {{secret}}',
          'region = us-east-1',
        ],
        {
          id: ['ASIA' + str(BASE32, 16), ['aws-access-key-id']],
          secret: [awsSecret(), ['aws-secret-access-key', 'generic-secret']],
        },
      ),
    );
  }
  for (const p of ['p', 'o', 'u', 's', 'r']) {
    files.push(
      file(
        `deploy-${p}.sh`,
        [
          '#!/bin/sh',
          'set -eu',
          'export GITHUB_TOKEN={{t}}',
          'curl -H "Authorization: token $GITHUB_TOKEN" https://api.github.com/user',
        ],
        {
          t: [gh(p), ['github-token']],
        },
      ),
    );
  }
  files.push(
    file('gh.json', ['{', '  "name": "ci",', '  "pat": "{{t}}"', '}'], {
      t: [ghPat(), ['github-token']],
    }),
    file('.gitlab.env', ['CI_TOKEN={{t}}'], {
      t: ['glpat-' + tok(BASE62 + '_-', 20), ['gitlab-token']],
    }),
    file('runner.toml', ['[[runners]]', '  token = "{{t}}"'], {
      t: ['glrt-' + tok(BASE62, 24), ['gitlab-token']],
    }),
    file(
      'slack.yaml',
      ['notify:', '  bot_token: {{t}}', '  webhook: https://hooks.slack.com/services/{{w}}'],
      {
        t: [`xoxb-${str(DIGITS, 12)}-${str(DIGITS, 13)}-${tok(BASE62, 24)}`, ['slack-token']],
        w: [
          `T${tok(UPPER + DIGITS, 8)}/B${tok(UPPER + DIGITS, 10)}/${tok(BASE62, 24)}`,
          ['slack-webhook'],
        ],
      },
    ),
    file('billing.py', ['import stripe', '', 'stripe.api_key = "{{k}}"', 'RESTRICTED = "{{r}}"'], {
      k: ['sk_live_' + tok(BASE62, 24), ['stripe-key']],
      r: ['rk_live_' + tok(BASE62, 99), ['stripe-key']],
    }),
    file('maps.js', ['const map = new Map({', "  key: '{{k}}',", '});'], {
      k: ['AIza' + tok(BASE62 + '_-', 35), ['google-api-key']],
    }),
    file(
      '.npmrc',
      [
        'registry=https://registry.npmjs.org/',
        '//registry.npmjs.org/:_authToken={{t}}',
        'always-auth=true',
      ],
      {
        t: ['npm_' + tok(BASE62, 36), ['npm-token', 'npmrc-auth-token']],
      },
    ),
    file('legacy.npmrc', ['//npm.internal:8080/:_authToken={{t}}'], {
      t: [
        `${str('0123456789abcdef', 8)}-${str('0123456789abcdef', 4)}-4${str('0123456789abcdef', 3)}-8${str('0123456789abcdef', 3)}-${str('0123456789abcdef', 12)}`,
        ['npmrc-auth-token'],
      ],
    }),
    file('publish.yml', ['env:', '  NPM_TOKEN: {{t}}'], {
      t: ['npm_' + tok(BASE62, 36), ['npm-token']],
    }),
  );
  for (let i = 0; i < 3; i++) {
    const auth = Buffer.from(`robot$ci:${password()}`).toString('base64');
    files.push(
      file(
        `docker-config-${i}.json`,
        [
          '{',
          '  "auths": {',
          '    "registry.internal:5000": {',
          '      "auth": "{{a}}"',
          '    }',
          '  },',
          '  "credsStore": ""',
          '}',
        ],
        {
          a: [auth, ['docker-config-auth']],
        },
      ),
    );
    files.push(
      file(
        `.git-credentials-${i}`,
        ['https://ci-bot:{{p}}@git.internal.dev', 'https://bob:{{t}}@github.com'],
        {
          p: [urlPassword(), ['url-credentials']],
          t: [gh('p'), ['github-token', 'url-credentials']],
        },
      ),
    );
  }
  files.push(
    file(
      'settings.py',
      ["SECRET_KEY = '{{k}}'", 'DATABASES = {"default": {"PASSWORD": "{{p}}"}}'],
      {
        k: [tok(BASE62 + '!@#%^&*(-_=+)', 50).replace(/[()]/g, 'x'), ['generic-secret']],
        p: [password(), ['generic-secret']],
      },
    ),
    file(
      'app.yaml',
      [
        'database:',
        '  host: db',
        '  password: {{p}}',
        'api:',
        '  API_TOKEN: {{t}}',
        '  client_secret: "{{c}}"',
      ],
      {
        p: [password(), ['generic-secret']],
        t: [tok(BASE62, 32), ['generic-secret']],
        c: [tok('abcdef' + DIGITS, 40), ['generic-secret']],
      },
    ),
    file('db.env', ['DATABASE_URL=postgres://app:{{p}}@db:5432/app', 'REDIS_PASSWORD={{r}}'], {
      p: [urlPassword(), ['url-credentials']],
      r: [password(), ['generic-secret']],
    }),
    file('Config.java', ['class Config {', '  static final String apiKey = "{{k}}";', '}'], {
      k: [tok(BASE62, 32), ['generic-secret']],
    }),
    file('main.go', ['var token := "{{t}}"'], { t: [tok(BASE62, 40), ['generic-secret']] }),
    file('config.php', ["$config = ['db_password' => '{{p}}'];"], {
      p: [password(), ['generic-secret']],
    }),
  );

  // Private keys of every kind, encrypted or not.
  const pems: Array<[string, string]> = [];
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pems.push(['id_rsa', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string]);
  pems.push(['key.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string]);
  pems.push([
    'enc.pem',
    rsa.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string,
  ]);
  pems.push([
    'legacy-enc.pem',
    rsa.privateKey.export({
      type: 'pkcs1',
      format: 'pem',
      cipher: 'aes-128-cbc',
      passphrase: 'pw',
    }) as string,
  ]);
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  pems.push(['ec.pem', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string]);
  const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  pems.push(['dsa.pem', dsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string]);
  const ed = generateKeyPairSync('ed25519');
  pems.push(['ed25519.pem', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string]);
  const wrap = (b64: string, w: number): string =>
    b64.match(new RegExp(`.{1,${w}}`, 'g'))!.join('\n');
  const sshBody = Buffer.concat([
    Buffer.from('openssh-key-v1\0none\0'),
    Buffer.from(str(BASE62, 300)),
  ]);
  pems.push([
    'id_ed25519',
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(sshBody.toString('base64'), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`,
  ]);
  pems.push([
    'secring.asc',
    `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n${wrap(Buffer.from(str(BASE62, 600)).toString('base64'), 64)}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n`,
  ]);
  for (const [name, pem] of pems) {
    const lines = pem.trimEnd().split('\n');
    const body = lines.slice(1, -1).filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    files.push({
      name,
      content: `# key\n${pem}`,
      secrets: body.map((value) => ({ value, line: 2, detectors: ['private-key'] })),
    });
  }
  const saKey = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const sa = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'demo-project',
      private_key_id: str('abcdef' + DIGITS, 40),
      private_key: saKey,
      client_email: 'ci@demo-project.iam.gserviceaccount.com',
    },
    null,
    2,
  );
  const saLines = sa.split('\n');
  const pkLine = saLines.findIndex((l) => l.includes('"private_key"')) + 1;
  files.push({
    name: 'sa.json',
    content: sa,
    secrets: saKey
      .split('\n')
      .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l))
      .map((value) => ({ value, line: pkLine, detectors: ['gcp-service-account', 'private-key'] })),
  });
  return files;
}

export function negatives(seed = 2): CorpusFile[] {
  const rnd = prng(seed);
  const str = (chars: string, n: number): string =>
    Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  const hex = (n: number): string => str('0123456789abcdef', n);
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const neg = (name: string, lines: string[]): CorpusFile => ({
    name,
    content: lines.join('\n') + '\n',
    secrets: [],
  });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const sshPub = `ssh-rsa ${Buffer.from('\0\0\0\x07ssh-rsa' + str(BASE62, 270)).toString('base64')} user@host`;
  const files: CorpusFile[] = [
    neg('aws-docs.env', [
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    ]),
    neg('public.pem', [
      (rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string).trimEnd(),
    ]),
    neg('rsa-public.pem', [
      (rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string).trimEnd(),
    ]),
    neg('ed.pub.pem', [(ed.publicKey.export({ type: 'spki', format: 'pem' }) as string).trimEnd()]),
    neg('authorized_keys', [sshPub, sshPub.replace('user@host', 'deploy')]),
    neg('placeholders.env', [
      'DB_PASSWORD=${DB_PASSWORD}',
      'password: ${DB_PASSWORD}',
      'API_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxx',
      'SECRET_KEY=****************',
      'password = "changeme"',
      'password=<password>',
      'token: {{ .Values.token }}',
      'GITHUB_TOKEN=$GITHUB_TOKEN',
      'api_key: YOUR_API_KEY_HERE',
      'secret: REPLACE_ME_WITH_A_SECRET',
      'NPM_TOKEN=%(npm_token)s',
      'password: "<your-password>"',
      'client_secret: [REDACTED]',
    ]),
    neg('code.py', [
      'password = os.environ["DB_PASSWORD"]',
      'token = get_token(user)',
      'if password == "hunter2hunter2":',
      'tokenizer = Tokenizer(vocab_size=32000)',
      'secret_file = "/run/secrets/db_password"',
      'password_file: /etc/app/password.txt',
      'token_type = "Bearer"',
      'API_KEY_HEADER = "X-Api-Key"',
      'self.secret = settings.SECRET_KEY',
      'token_url = "https://oauth2.googleapis.com/token"',
      'max_tokens: 4096',
      'secret_name: app-credentials-v2',
      'tokens = self.lexer.tokens()',
      "password_hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
    ]),
    neg(
      'ids.yaml',
      Array.from({ length: 20 }, (_, i) => `item${i}: { id: ${uuid()}, request_id: "${uuid()}" }`),
    ),
    neg(
      'SHA256SUMS',
      Array.from({ length: 20 }, (_, i) => `${hex(64)}  file-${i}.tar.gz`),
    ),
    neg('checksums.json', [
      `{ "sha256": "${hex(64)}", "sha1": "${hex(40)}", "md5": "${hex(32)}" }`,
    ]),
    neg('data.yaml', [
      `greeting: ${Buffer.from('hello world, this is ordinary text for a test').toString('base64')}`,
      `blob: ${Buffer.from('The quick brown fox jumps over the lazy dog').toString('base64')}`,
    ]),
    neg('docs.md', [
      'Clone with `git clone https://user:password@example.com/repo.git`.',
      'Connect to postgres://user:${PGPASSWORD}@localhost/db or mysql://root:root@localhost.',
      'Webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'Use a token like ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx or glpat-xxxxxxxxxxxxxxxxxxxx.',
      'Keys look like sk_live_xxxxxxxxxxxxxxxxxxxxxxxx.',
      'The password is read from the PASSWORD environment variable.',
      'Enter your password: ',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEpAIBAAKCAQEA...',
      '-----END RSA PRIVATE KEY-----',
    ]),
    neg('binary-strings', [
      '\0-----BEGIN OPENSSH PRIVATE KEY-----\0-----END OPENSSH PRIVATE KEY-----\0openssh-key-v1\0',
      '\0ENCRYPTED PRIVATE KEY\0RSA PRIVATE KEY\0PRIVATE KEY\0ANY PRIVATE KEY\0',
    ]),
    neg('config.json', [
      '{',
      '  "auths": {',
      '    "https://index.docker.io/v1/": {}',
      '  },',
      '  "credsStore": "desktop"',
      '}',
    ]),
  ];
  try {
    const dir = '/etc/ssl/certs';
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.pem'))
      .slice(0, 40)) {
      files.push(neg(`certs/${f}`, [readFileSync(join(dir, f), 'latin1')]));
    }
  } catch {
    // no CA bundle on this machine: the generated public keys still cover the case
  }
  return files;
}
