import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildLeakImage,
  leakDockerfile,
  plantSecrets,
  secretValues,
} from '../images/leak-fixture.mjs';
import { skopeo, testEnv } from '../helpers/env.js';

// The proof of "no found secret is ever printed": fresh random secrets (a new set every run, of
// several detector families) are planted in every place an image can hold text, and in the
// image reference; every command, output format, --output file, --debug log and error path runs;
// no 10-character slice of any planted secret may appear in stdout, stderr or a written file.
// Each run also proves the secrets were found and masked (`ghp_****`), so a run that silently
// checked nothing cannot pass.

const run = promisify(execFile);
const CLI = process.env.IMAGE_GATE_CLI ?? join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

const s = plantSecrets();
const SECRETS = secretValues(s);
/** Every 10-character slice of every planted secret. */
const SLICES = SECRETS.flatMap((v) =>
  Array.from({ length: v.length - 9 }, (_, i) => ({ secret: v, slice: v.slice(i, i + 10) })),
);

/** The planted secrets any of whose 10-character slices occur in `text` (with some context). */
function leaks(text: string): string[] {
  const found = new Map<string, string>();
  for (const { secret, slice } of SLICES) {
    const at = text.indexOf(slice);
    if (at >= 0 && !found.has(secret)) {
      found.set(
        secret,
        `${secret.slice(0, 6)}… at ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 20))}`,
      );
    }
  }
  return [...found.values()];
}

/** What a terminal would act on: C0 (but LF and TAB), DEL, C1 and the bidi controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  files: Record<string, string>;
}

let tmp: string;
let layoutRef: string;
let policy: string;

async function cli(args: string[], outDir?: string): Promise<Result> {
  const env = { ...process.env, DOCKER_HOST: testEnv().dockerHost, NO_COLOR: '1' };
  let r: Omit<Result, 'files'>;
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    r = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    r = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  const files: Record<string, string> = {};
  if (outDir) {
    for (const f of await readdir(outDir)) files[f] = await readFile(join(outDir, f), 'utf8');
  }
  return { ...r, files };
}

/** Asserts that nothing the run printed or wrote holds any slice of a planted secret. */
function expectNoLeak(r: Result): void {
  const where = { stdout: r.stdout, stderr: r.stderr, ...r.files };
  for (const [name, text] of Object.entries(where)) {
    expect(leaks(text), `${name} leaks a planted secret`).toEqual([]);
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ig-leak-'));
  // The layout's own directory and its tag are tokens too.
  const built = await buildLeakImage(s, join(tmp, s.github), s.github2);
  layoutRef = built.ref;
  policy = join(tmp, 'policy.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n');
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('check: every format, to stdout and to --output files, with --debug', () => {
  test.each(['table', 'json', 'markdown', 'sarif'])('--format %s', async (format) => {
    const out = join(tmp, `out-${format}`);
    await mkdir(out, { recursive: true });
    const r = await cli(
      [
        'check',
        layoutRef,
        '--policy',
        policy,
        '--format',
        format,
        '--debug',
        '--output',
        `json=${join(out, 'v.json')}`,
        '--output',
        `markdown=${join(out, 'v.md')}`,
        '--output',
        `sarif=${join(out, 'v.sarif')}`,
        '--output',
        `table=${join(out, 'v.txt')}`,
      ],
      out,
    );
    expect(r.code, r.stderr).toBe(1);
    expectNoLeak(r);
    expect(Object.keys(r.files).sort()).toEqual(['v.json', 'v.md', 'v.sarif', 'v.txt']);
  });

  test('the secrets were found and masked, in every kind of place', async () => {
    const r = await cli(['check', layoutRef, '--policy', policy, '--format', 'json']);
    const verdict = JSON.parse(r.stdout) as {
      rules: Array<{
        rule: string;
        findings: Array<{ kind: string; path?: string; excerpt: string; detector: string }>;
      }>;
    };
    const found = verdict.rules.find((x) => x.rule === 'secrets')!.findings;
    const kinds = new Set(found.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['config', 'env', 'file', 'history', 'label']);
    const detectors = new Set(found.map((f) => f.detector));
    for (const d of [
      'github-token',
      'aws-access-key-id',
      'aws-secret-access-key',
      'private-key',
      'slack-token',
      'npm-token',
      'gitlab-token',
      'stripe-key',
    ]) {
      expect(detectors, d).toContain(d);
    }
    // The long minified line: each of its findings is masked, and so are its neighbours.
    const minified = found.filter((f) => f.path === '/app/data.min.json');
    expect(minified.length).toBeGreaterThanOrEqual(8);
    // Locations that are tokens are masked (a directory, a file, an env var name, a label key).
    expect(found.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        `/app/glpa****/sk_l****.txt`,
        `/app/xoxb****.env`,
        'ghp_****',
        'sk_l****',
      ]),
    );
    // The deleted file is reported (it ships in its layer), under a masked name.
    expect(found.some((f) => f.path === '/app/deleted-ghp_****.env')).toBe(true);
    // The user is a token; the non-root rule quotes it masked.
    expect(r.stdout).toContain('user \\"ghp_****\\"');
  });
});

describe('inspect: table and json, with --debug', () => {
  test.each(['table', 'json'])('--format %s', async (format) => {
    const r = await cli(['inspect', layoutRef, '--format', format, '--debug']);
    expect(r.code, r.stderr).toBe(0);
    expectNoLeak(r);
    // What inspect prints comes from the image: the masks prove the fields were there.
    expect(r.stdout).toContain('ghp_****');
    expect(r.stdout).toContain('xoxb****');
  });

  test('raw control characters from the image are escaped, never printed', async () => {
    for (const format of ['table', 'json']) {
      const r = await cli(['inspect', layoutRef, '--format', format]);
      expect(r.stdout).not.toMatch(RAW_CONTROL);
    }
    const r = await cli(['check', layoutRef, '--policy', policy, '--format', 'table']);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('error paths never echo credentials or planted secrets', () => {
  let registry: Server;
  let port: number;

  beforeAll(async () => {
    // A registry stand-in that misbehaves on purpose, with secrets in everything it says: a
    // token realm with userinfo and a secret query, a token, an error body quoting them.
    registry = createServer((req, res) => {
      const realm = `http://user:${s.registryPassword}@127.0.0.1:${port}/token?secret=${s.password}`;
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: s.github, access_token: s.github }));
        return;
      }
      if (req.headers.authorization === undefined) {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="${realm}",service="leak",scope="repository:x:pull"`,
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `see ${realm}` }] }));
        return;
      }
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [
            {
              code: 'INTERNAL',
              message: `bad credentials ${req.headers.authorization} token=${s.npm}`,
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    port = (registry.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => registry.close(() => resolve()));
  });

  const references = (): Array<[string, string]> => [
    ['userinfo in a registry reference', `user:${s.registryPassword}@127.0.0.1:${port}/repo:tag`],
    ['userinfo with a transport', `docker://user:${s.registryPassword}@127.0.0.1:${port}/repo:tag`],
    ['a token as userinfo', `${s.github}@127.0.0.1:${port}/repo:tag`],
    ['a password alone before @', `${s.registryPassword}@alpine`],
    [
      'a URL with userinfo and a query token',
      `https://user:${s.registryPassword}@127.0.0.1/x?token=${s.password}`,
    ],
    ['a token as the tag, registry unreachable', `127.0.0.1:1/repo:${s.github}`],
    ['a token as the digest', `127.0.0.1:1/repo@${s.github}`],
    ['a layout path and tag that are tokens, missing', `oci:${join(tmp, s.npm)}:${s.github2}`],
    [
      'a registry whose realm has userinfo and a secret query',
      `127.0.0.1:${port}/leak/app:${s.github2}`,
    ],
  ];

  test('every bad reference, for check and inspect, in every format, with --debug', async () => {
    for (const [what, ref] of references()) {
      const runs = [
        ['check', ref, '--policy', policy, '--debug', '--format', 'json'],
        ['check', ref, '--debug', '--format', 'markdown'],
        ['inspect', ref, '--debug', '--format', 'json'],
        ['inspect', ref, '--format', 'table'],
      ];
      // Registry errors are retried with backoff: the four runs of a reference go together.
      const results = await Promise.all(runs.map((args) => cli(args)));
      for (const [i, r] of results.entries()) {
        const args = runs[i]!;
        expect(r.code, `${what}: ${args.join(' ')}`).toBe(2);
        expect(r.stderr).toMatch(/image-gate: error: /);
        for (const [name, text] of Object.entries({ stdout: r.stdout, stderr: r.stderr })) {
          expect(leaks(text), `${what}: ${name} of ${args[0]}`).toEqual([]);
        }
      }
    }
  });

  test('credentials from docker config.json are not printed either', async () => {
    const configDir = join(tmp, 'docker-config');
    await mkdir(configDir, { recursive: true });
    const auth = Buffer.from(`user:${s.registryPassword}`).toString('base64');
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth } } }),
    );
    const r = await cli([
      'check',
      `127.0.0.1:${port}/leak/app:v1`,
      '--docker-config',
      configDir,
      '--debug',
    ]);
    expect(r.code).toBe(2);
    expectNoLeak(r);
    expect(r.stderr).not.toContain(auth.slice(0, 12));
  });
});

describe('the same image from a registry and from the real engine', () => {
  test('docker:// from the test registry (pushed with skopeo), with --debug', async () => {
    const target = `docker://${testEnv().registry}/leak/${s.slack.slice(0, 4)}:${s.github2}`;
    await skopeo(['copy', '--dest-tls-verify=false', layoutRef], target);
    for (const format of ['table', 'json', 'markdown', 'sarif']) {
      const r = await cli(['check', target, '--policy', policy, '--format', format, '--debug']);
      expect(r.code, r.stderr).toBe(1);
      expectNoLeak(r);
    }
    const r = await cli(['inspect', target, '--debug']);
    expect(r.code, r.stderr).toBe(0);
    expectNoLeak(r);
  });

  test('docker-daemon: env var names and label keys that are tokens, built by the engine', async () => {
    const ctx = join(tmp, 'engine');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), leakDockerfile(s));
    await writeFile(join(ctx, 'secret.env'), `SLACK_TOKEN=${s.slack}\n`);
    const tag = `image-gate-leak:${process.pid}`;
    const docker = (...args: string[]) =>
      run(testEnv().dockerCli, args, {
        env: { ...process.env, DOCKER_HOST: testEnv().dockerHost, DOCKER_BUILDKIT: '0' },
      });
    await docker('build', '--network', 'none', '-q', '-t', tag, ctx);
    try {
      for (const format of ['table', 'json', 'markdown', 'sarif']) {
        const r = await cli([
          'check',
          `docker-daemon:${tag}`,
          '--policy',
          policy,
          '--format',
          format,
          '--debug',
        ]);
        expect(r.code, r.stderr).toBe(1);
        expectNoLeak(r);
      }
      for (const format of ['table', 'json']) {
        const r = await cli(['inspect', `docker-daemon:${tag}`, '--format', format]);
        expect(r.code, r.stderr).toBe(0);
        expectNoLeak(r);
        expect(r.stdout).toContain('ghp_****');
      }
    } finally {
      await docker('rmi', '-f', tag);
    }
  });
});
