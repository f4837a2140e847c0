import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { testEnv, testImage } from '../helpers/env.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function gate(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DOCKER_HOST: testEnv().dockerHost },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Outcome;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Report {
  decision: string;
  rules: { rule: string; status: string; summary: string; findings: unknown[] }[];
}

let policy: string;
let dir: string;
let secrets: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-check-'));
  policy = join(dir, 'policy.yml');
  await writeFile(
    policy,
    [
      'apiVersion: image-gate/v1',
      'rules:',
      '  base-image:',
      '    allowed:',
      `      - docker://${testEnv().registry}/image-gate-test/base-a:latest`,
      '  non-root: true',
      '  secrets:',
      "    allow-paths: ['/usr/share/doc/**']",
      '',
    ].join('\n'),
  );
  const values = JSON.parse(
    await readFile(join(testEnv().dir, 'secrets', 'secrets.json'), 'utf8'),
  ) as Record<string, string>;
  const keyBody = (await readFile(values.rsaPrivateKeyFile!, 'utf8')).split('\n')[1]!;
  secrets = [
    ...['awsAccessKeyId', 'awsSecretAccessKey', 'githubToken', 'labelToken'].map((k) => values[k]!),
    keyBody,
  ];
});

// Each image of test/images with the verdict the policy above must give: the rules that fail.
const CASES: [image: string, failing: string[]][] = [
  ['good', []],
  ['base-a', ['non-root']],
  ['base-b', ['base-image', 'non-root']],
  ['squashed-base', ['base-image']],
  ['root-default', ['non-root']],
  ['user-root-name', ['non-root']],
  ['user-zero-group', ['non-root']],
  ['user-named', []],
  ['user-named-uid0', ['non-root']],
  ['user-missing', ['non-root']],
  ['passwd-symlink', []],
  ['passwd-rewritten', ['non-root']],
  ['passwd-deleted', ['non-root']],
  ['secret-deleted', ['secrets']],
  ['secret-opaque', ['secrets']],
  ['secret-env', ['secrets']],
  ['secret-buildarg', ['secrets']],
  ['secret-label', ['secrets']],
  ['secret-allowed-path', []],
  ['multi-layer', []],
];

describe('check gives exactly the right verdict for every test image', () => {
  test.each(CASES)('%s fails %j', async (name, failing) => {
    const r = await gate('check', testImage(name).docker, '--policy', policy, '--format', 'json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    expect(
      report.rules.filter((x) => x.status === 'fail' || x.status === 'error').map((x) => x.rule),
    ).toEqual(failing);
    expect(report.decision).toBe(failing.length ? 'fail' : 'pass');
    expect(r.code).toBe(failing.length ? 1 : 0);
  });

  test.each([
    ['docker-archive', (n: string) => testImage(n).dockerArchive],
    ['oci', (n: string) => testImage(n).oci],
    ['oci-archive', (n: string) => testImage(n).ociArchive],
    ['daemon', (n: string) => testImage(n).daemon],
    ['zstd', (n: string) => testImage(n).zstd!],
  ])('the same verdicts through %s', async (_transport, ref) => {
    for (const [name, failing] of [
      ['good', []],
      ['secret-deleted', ['secrets']],
      ['secret-opaque', ['secrets']],
    ] as const) {
      const r = await gate('check', ref(name), '--policy', policy, '--format', 'json');
      const report = JSON.parse(r.stdout) as Report;
      expect(
        report.rules.filter((x) => x.status === 'fail').map((x) => x.rule),
        name,
      ).toEqual(failing);
    }
  });
});

describe('what the reports say', () => {
  test('a secret in a deleted file names its layer, path and detector, redacted', async () => {
    const r = await gate(
      'check',
      testImage('secret-deleted').docker,
      '--policy',
      policy,
      '--format',
      'json',
    );
    const rule = (JSON.parse(r.stdout) as Report).rules.find((x) => x.rule === 'secrets')!;
    expect(rule.findings).toContainEqual(
      expect.objectContaining({
        kind: 'file',
        path: '/home/app/.aws/credentials',
        detector: 'aws-access-key-id',
        layerIndex: 3,
      }),
    );
  });

  test('a build arg leaked into history is found there', async () => {
    const r = await gate(
      'check',
      testImage('secret-buildarg').docker,
      '--policy',
      policy,
      '--format',
      'json',
    );
    const rule = (JSON.parse(r.stdout) as Report).rules.find((x) => x.rule === 'secrets')!;
    expect(rule.findings).toContainEqual(
      expect.objectContaining({ kind: 'history', detector: 'github-token' }),
    );
  });

  test('the squashed base names the first layer where it parts from base-a', async () => {
    const r = await gate(
      'check',
      testImage('squashed-base').docker,
      '--policy',
      policy,
      '--format',
      'json',
    );
    const rule = (JSON.parse(r.stdout) as Report).rules.find(
      (x) => x.rule === 'base-image',
    ) as unknown as {
      details: { firstDifferentLayer: number };
    };
    expect(rule.details.firstDifferentLayer).toBe(0);
  });

  test('no output in any format contains a secret value', async () => {
    for (const name of [
      'secret-deleted',
      'secret-opaque',
      'secret-env',
      'secret-buildarg',
      'secret-label',
    ]) {
      const outputs = join(dir, name);
      const r = await gate(
        'check',
        testImage(name).docker,
        '--policy',
        policy,
        '--output',
        `json=${outputs}.json`,
        '--output',
        `sarif=${outputs}.sarif`,
        '--output',
        `markdown=${outputs}.md`,
        '--output',
        `table=${outputs}.txt`,
      );
      const all = [
        r.stdout,
        r.stderr,
        ...(await Promise.all(
          ['json', 'sarif', 'md', 'txt'].map((x) => readFile(`${outputs}.${x}`, 'utf8')),
        )),
      ].join('\n');
      for (const secret of secrets) {
        expect(all).not.toContain(secret);
        expect(all).not.toContain(secret.slice(4, 16));
      }
    }
  });

  test('a base that cannot be resolved is an error, never a pass', async () => {
    const broken = join(dir, 'unresolvable.yml');
    await writeFile(
      broken,
      `apiVersion: image-gate/v1\nrules:\n  base-image:\n    allowed: ['docker://${testEnv().registry}/image-gate-test/no-such-base:latest']\n`,
    );
    const r = await gate('check', testImage('good').docker, '--policy', broken, '--format', 'json');
    expect(r.code).toBe(2);
    const rule = (JSON.parse(r.stdout) as Report).rules.find((x) => x.rule === 'base-image')!;
    expect(rule.status).toBe('error');
  });

  test('a malformed policy names file, line and column and exits 2', async () => {
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'apiVersion: image-gate/v1\nrules:\n  non_root: true\n');
    const r = await gate('check', testImage('good').docker, '--policy', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${bad}:3:3: unknown key "non_root" in rules (did you mean "non-root"?)`,
    );
  });
});
