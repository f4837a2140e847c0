// Builds the "planted secrets" image for test/itg/no-secret-leak.test.ts: fresh random secrets of
// several detector families, planted in every place an OCI image can hold text that image-gate
// might print (file contents, a long minified JSON line, file and directory names, symlink
// targets, a deleted file, env names and values, label keys and values, history created_by,
// comment and author, user, workdir, entrypoint, cmd, volumes, exposed ports, healthcheck,
// stop signal, manifest/index/descriptor annotations, the tag). The layout is written with the
// project's tar writer (scripts/oci-builder.mjs); the config is written here because it carries
// far more fields than that builder knows.
//
//   node test/images/leak-fixture.mjs DIR   prints the planted secrets as JSON and writes DIR
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { sha256, tarOf } from '../../scripts/oci-builder.mjs';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const B64 = `${ALNUM}+/`;

function random(n, alphabet = ALNUM) {
  let s = '';
  while (s.length < n) s += alphabet[randomInt(alphabet.length)];
  // A random string with no digit or no letter is a poor secret (detectors rightly ignore it).
  return /\d/.test(s) && /[A-Za-z]/.test(s) ? s : random(n, alphabet);
}

function base62(n, width) {
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = ALNUM[v % 62] + out;
  return out.padStart(width, '0');
}

/** `ghp_`/`npm_` + 30 random + the CRC32 check characters, as GitHub and npm issue them. */
function checksummed(prefix) {
  const body = random(30);
  return `${prefix}${body}${base62(crc32(Buffer.from(body, 'latin1')), 6)}`;
}

/** One secret of each family; `pemBody` lines are the key material. */
export function plantSecrets() {
  const pemBody = Array.from({ length: 6 }, () => randomBytes(48).toString('base64'));
  return {
    github: checksummed('ghp_'),
    github2: checksummed('ghp_'),
    npm: checksummed('npm_'),
    awsId: `AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    awsSecret: random(40, B64),
    slack: `xoxb-${randomInt(1e11, 1e12)}-${randomInt(1e11, 1e12)}-${random(24)}`,
    gitlab: `glpat-${random(20)}`,
    stripe: `sk_live_${random(24)}`,
    google: `AIza${random(35)}`,
    password: random(22),
    registryPassword: random(24),
    pem: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody.join('\n')}\n-----END RSA PRIVATE KEY-----\n`,
    pemBody,
  };
}

/** Every string a leak check must never find a 10-character slice of. */
export function secretValues(s) {
  return [
    s.github,
    s.github2,
    s.npm,
    s.awsId,
    s.awsSecret,
    s.slack,
    s.gitlab,
    s.stripe,
    s.google,
    s.password,
    s.registryPassword,
    ...s.pemBody,
  ];
}

async function put(dir, bytes) {
  const d = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), bytes);
  return d;
}

/** The layers: every file-system place that can hold a secret. */
function layers(s) {
  const minified = JSON.stringify({
    // Several secrets packed on one long line, close together and far apart: an excerpt of any
    // one of them must not carry the others.
    a: 'x'.repeat(300),
    github_token: s.github,
    slack: s.slack,
    aws: { accessKeyId: s.awsId, aws_secret_access_key: s.awsSecret },
    npm: s.npm,
    filler: 'y'.repeat(900),
    stripe: s.stripe,
    k: `${s.google}${'z'.repeat(40)}`,
    gitlab: s.gitlab,
    password: s.password,
    tail: 'w'.repeat(1500),
    second: s.github2,
  });
  return [
    [
      { path: 'etc/', dir: true },
      { path: 'etc/group', content: 'root:x:0:\napp:x:1000:\n' },
      { path: 'app/', dir: true },
      { path: 'app/config/', dir: true },
      {
        path: 'app/config/.env',
        content: [
          `GITHUB_TOKEN=${s.github}`,
          `AWS_ACCESS_KEY_ID=${s.awsId}`,
          `AWS_SECRET_ACCESS_KEY=${s.awsSecret}`,
          `SLACK_TOKEN=${s.slack}`,
          `DB_PASSWORD=${s.password}`,
          '',
        ].join('\n'),
      },
      { path: 'app/id_rsa', content: s.pem, mode: 0o600 },
      { path: 'app/data.min.json', content: `${minified}\n` },
      // A directory and a file named after tokens, holding secrets (so findings name them).
      { path: `app/${s.gitlab}/`, dir: true },
      { path: `app/${s.gitlab}/${s.stripe}.txt`, content: `token=${s.npm}\n` },
      { path: `app/${s.slack}.env`, content: `api_key=${s.google}\n` },
      // A found secret (the DB password) reused bare as a directory name: no detector sees it
      // there, but it was found elsewhere, so it must be masked here too.
      { path: `app/${s.password}/`, dir: true },
      { path: `app/${s.password}/app.env`, content: `SLACK_TOKEN=${s.slack}\n` },
      // Symlinks whose targets hold tokens, one of them /etc/passwd (the non-root rule reads it).
      { path: `app/link-${s.github}`, symlink: `/run/secrets/${s.github2}/token` },
      { path: 'etc/passwd', symlink: `/opt/${s.npm}/passwd` },
      // Deleted in the next layer: it still ships.
      { path: `app/deleted-${s.github2}.env`, content: `NPM_TOKEN=${s.npm}\n` },
      { path: 'app/old.pem', content: s.pem },
    ],
    [
      { path: 'app/', dir: true },
      { path: `app/.wh.deleted-${s.github2}.env`, content: '' },
      { path: 'app/.wh.old.pem', content: '' },
      { path: `opt/${s.npm}/`, dir: true },
      {
        path: `opt/${s.npm}/passwd`,
        content: `root:x:0:0:root:/root:/bin/sh\n${s.github}:x:0:0::/:/bin/sh\n`,
      },
    ],
  ];
}

/** The config: every field a person might see in `inspect` or a report. */
function imageConfig(s, diffIds) {
  return {
    architecture: 'amd64',
    os: 'linux',
    author: `Eve ${s.stripe}`,
    created: '2026-01-01T00:00:00Z',
    config: {
      User: s.github,
      Env: [
        'PATH=/usr/bin:/bin',
        `${s.github2}=1`,
        `AWS_SECRET_ACCESS_KEY=${s.awsSecret}`,
        `SLACK_TOKEN=${s.slack}`,
        `HOME=/home/${s.gitlab}`,
      ],
      Entrypoint: ['/app/run', `--token=${s.npm}`, s.awsSecret],
      Cmd: ['--password', s.password, `--key=${s.google}`],
      WorkingDir: `/srv/${s.slack}`,
      Labels: {
        [s.stripe]: 'label key holds a token',
        'org.example.token': s.gitlab,
        'org.example.aws': `aws_secret_access_key=${s.awsSecret}`,
        // Found secrets reused bare, where no detector would recognise them.
        'org.example.bare': s.awsSecret,
        [`org.example.${s.password}`]: 'bare key',
      },
      Volumes: { [`/data/${s.github}`]: {} },
      ExposedPorts: { [`8080/tcp`]: {}, [`${s.npm}/tcp`]: {} },
      StopSignal: `SIG${s.gitlab}`,
      Healthcheck: { Test: ['CMD', 'curl', `https://user:${s.registryPassword}@127.0.0.1/health`] },
      OnBuild: [`RUN echo ${s.github}`],
      Shell: ['/bin/sh', '-c'],
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      {
        created_by: `|1 GITHUB_TOKEN=${s.github} /bin/sh -c make`,
        comment: `built with ${s.slack}`,
        author: `builder ${s.npm}`,
      },
      {
        created_by: `/bin/sh -c #(nop) ENV AWS_SECRET_ACCESS_KEY=${s.awsSecret}`,
        comment: `glpat: ${s.gitlab}`,
        author: s.stripe,
      },
      {
        created_by: `/bin/sh -c #(nop)  LABEL ${s.stripe}=x`,
        empty_layer: true,
        comment: `\u001b]0;${s.google}\u0007\u001b[2J\r\u202e`,
      },
    ],
  };
}

/**
 * Writes the OCI layout into `dir` (tag `tag`) and returns it. Annotations on the index, the
 * manifest and its descriptors hold tokens too.
 */
export async function buildLeakImage(s, dir, tag) {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const diffIds = [];
  const descs = [];
  for (const members of layers(s)) {
    const raw = await tarOf(members);
    diffIds.push(sha256(raw));
    const blob = gzipSync(raw);
    descs.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: await put(dir, blob),
      size: blob.length,
      annotations: { 'org.example.layer-token': s.slack },
    });
  }
  const cfg = Buffer.from(JSON.stringify(imageConfig(s, diffIds)));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await put(dir, cfg),
        size: cfg.length,
      },
      layers: descs,
      annotations: {
        'org.opencontainers.image.authors': `ops ${s.github2}`,
        'org.example.npm': s.npm,
      },
    }),
  );
  const manifestDigest = await put(dir, manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: {
            'org.opencontainers.image.ref.name': tag,
            'org.example.token': s.github,
          },
        },
      ],
      annotations: { 'org.example.index': s.stripe },
    }),
  );
  return { dir, ref: `oci:${dir}:${tag}`, manifestDigest };
}

/** A Dockerfile for the real engine: env var names and label keys that are tokens. */
export function leakDockerfile(s) {
  return [
    'FROM scratch',
    `ENV ${s.github2}=1 AWS_SECRET_ACCESS_KEY=${s.awsSecret}`,
    `LABEL "${s.stripe}"="key is a token" org.example.token="${s.gitlab}"`,
    `COPY secret.env /app/${s.slack}.env`,
    `WORKDIR /srv/${s.npm}`,
    `USER ${s.github}`,
    `CMD ["--password", "${s.password}"]`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node test/images/leak-fixture.mjs DIR');
  const s = plantSecrets();
  await buildLeakImage(s, dir, 'latest');
  process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
}
