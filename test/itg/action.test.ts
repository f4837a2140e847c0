/**
 * The action as the runner runs it: `node dist/index.js` with INPUT_* variables, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, a pull_request event payload and GITHUB_API_URL pointing at a fake
 * GitHub on 127.0.0.1 that checks every request against GitHub's REST API description. Real
 * images from the test registry; one test builds an image with the real docker.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { INPUTS, inputVariable } from '../../src/action/inputs.js';
import { commentMarker } from '../../src/github/marker.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github.js';
import { testEnv, testImage } from '../helpers/env.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const ACTION = join(ROOT, 'dist', 'index.js');
const HEAD_SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const MERGE_SHA = 'e5bd3914e2e596debea16f433f57875b5b90bcd6';
const PR = 1347;

/** The defaults the runner fills in from action.yml (expressions already evaluated). */
const DEFAULTS: Record<string, string> = {
  scanners: 'trivy,grype',
  fail: 'true',
  comment: 'auto',
  summary: 'true',
  matrix: 'null',
  'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
};

/**
 * A `pull_request` webhook payload, trimmed from GitHub's documented example to the fields a
 * consumer reads: the PR number, head and base with their repositories and the fork flag.
 */
function pullRequestPayload(fork: boolean): unknown {
  const base = {
    id: 1296269,
    name: 'api',
    full_name: 'acme/api',
    fork: false,
    owner: { login: 'acme' },
  };
  const head = fork
    ? {
        id: 2296269,
        name: 'api',
        full_name: 'mallory/api',
        fork: true,
        owner: { login: 'mallory' },
      }
    : base;
  return {
    action: 'synchronize',
    number: PR,
    pull_request: {
      url: `https://api.github.com/repos/acme/api/pulls/${PR}`,
      id: 1,
      number: PR,
      state: 'open',
      title: 'Ship it',
      user: { login: fork ? 'mallory' : 'octocat' },
      head: { label: `${head.owner.login}:feature`, ref: 'feature', sha: HEAD_SHA, repo: head },
      base: { label: 'acme:main', ref: 'main', sha: MERGE_SHA.replace('e', 'a'), repo: base },
    },
    repository: base,
    sender: { login: fork ? 'mallory' : 'octocat' },
  };
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** `name<<DELIM\nvalue\nDELIM` blocks, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

let gh: FakeGitHub;
let workspace: string;
let policy: string;
let counter = 0;

interface RunOptions {
  fork?: boolean;
  event?: string;
  env?: Record<string, string>;
}

async function action(inputs: Record<string, string>, options: RunOptions = {}): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), `ig-action-${++counter}-`));
  const event = join(dir, 'event.json');
  await writeFile(event, JSON.stringify(pullRequestPayload(options.fork ?? false)));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md') };
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    DOCKER_HOST: testEnv().dockerHost,
    DOCKER_BUILDKIT: '0',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.event ?? 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: MERGE_SHA,
    GITHUB_REF: `refs/pull/${PR}/merge`,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'gate',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: gh.url,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: dir,
    RUNNER_TOOL_CACHE: join(dir, 'tool-cache'),
    ...options.env,
  };
  for (const name of INPUTS) env[inputVariable(name)] = inputs[name] ?? DEFAULTS[name] ?? '';
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  let code = 0;
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await run(process.execPath, [ACTION], {
      env,
      cwd: workspace,
      maxBuffer: 64 << 20,
    }));
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    ({ code, stdout, stderr } = e);
  }
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
  };
}

/** Explains a failed expectation: what the action printed. */
function show(o: Outcome): string {
  return `exit ${o.code}\n--- stdout\n${o.stdout}\n--- stderr\n${o.stderr}`;
}

beforeAll(async () => {
  await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { cwd: ROOT });
  gh = await startFakeGitHub({ owner: 'acme', repo: 'api' });
  workspace = await mkdtemp(join(tmpdir(), 'ig-workspace-'));
  await mkdir(join(workspace, '.github'));
  policy = '.github/image-gate.yml';
  await writeFile(
    join(workspace, policy),
    [
      'apiVersion: image-gate/v1',
      'rules:',
      '  base-image:',
      '    allowed:',
      `      - docker://${testEnv().registry}/image-gate-test/base-a:latest`,
      '  non-root: true',
      '  secrets: true',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await gh?.close();
});

beforeEach(() => gh.reset());

// Whatever a test checks, the action must only have made requests GitHub would accept.
afterEach(() => {
  expect(gh.violations).toEqual([]);
});

describe('the action, run as the runner runs it', () => {
  test('a passing image: exit 0, outputs, summary, one comment, a success status on the PR head', async () => {
    const good = testImage('good');
    const o = await action({ image: good.docker });
    expect(o.code, show(o)).toBe(0);
    expect(o.outputs).toMatchObject({
      decision: 'pass',
      digest: good.info.manifestDigest,
      'failed-rules': '',
      critical: '0',
      sarif: '',
    });
    const report = JSON.parse(await readFile(o.outputs.report!, 'utf8')) as { decision: string };
    expect(report.decision).toBe('pass');
    expect(o.summary).toMatch(/✅ image-gate: PASS/);
    expect(gh.commentsOn(PR)).toHaveLength(1);
    const key = `docker://${testEnv().registry}/image-gate-test/good (gate)`;
    expect(gh.commentsOn(PR)[0]!.body.startsWith(`${commentMarker(key)}\n`)).toBe(true);
    expect(gh.statuses).toEqual([
      expect.objectContaining({
        sha: HEAD_SHA,
        state: 'success',
        context: `image-gate/${key}`,
        target_url: 'https://github.com/acme/api/actions/runs/4242',
      }),
    ]);
    expect(gh.requests.every((r) => r.authorization === `token ${DEFAULTS['github-token']}`)).toBe(
      true,
    );
  });

  test('the exit status follows the decision; a re-run updates the same comment', async () => {
    const root = testImage('root-default');
    const key = { 'comment-key': 'api' };
    const failed = await action({ image: root.docker, ...key });
    expect(failed.code, show(failed)).toBe(1);
    expect(failed.outputs).toMatchObject({ decision: 'fail', 'failed-rules': 'non-root' });
    // The failing rule is annotated at its line in the policy.
    expect(failed.stdout).toMatch(
      /^::error title=image-gate%3A non-root failed,file=\.github\/image-gate\.yml,line=6::/m,
    );
    expect(gh.commentsOn(PR)).toHaveLength(1);
    const id = gh.commentsOn(PR)[0]!.id;

    const again = await action({ image: root.docker, ...key });
    expect(again.code).toBe(1);
    const fixed = await action({ image: testImage('good').docker, ...key });
    expect(fixed.code, show(fixed)).toBe(0);
    expect(gh.commentsOn(PR)).toHaveLength(1);
    expect(gh.commentsOn(PR)[0]!.id).toBe(id);
    expect(gh.commentsOn(PR)[0]!.body).toMatch(/PASS/);
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(gh.statuses.map((s) => s.state)).toEqual(['failure', 'failure', 'success']);

    const lenient = await action({ image: root.docker, ...key, fail: 'false' });
    expect(lenient.code, show(lenient)).toBe(0);
    expect(lenient.outputs.decision).toBe('fail');
  });

  test('matrix legs with different keys get two comments, found again past the first page', async () => {
    gh.seedComments(PR, 130);
    const image = testImage('good').docker;
    await action({ image, matrix: '{\n  "arch": "amd64"\n}' });
    await action({ image, matrix: '{\n  "arch": "arm64"\n}' });
    await action({ image, matrix: '{\n  "arch": "arm64"\n}' });
    const ours = gh.commentsOn(PR).filter((c) => c.user === 'github-actions[bot]');
    expect(ours).toHaveLength(2);
    expect(new Set(gh.statuses.map((s) => s.context)).size).toBe(2);
    expect(gh.requests.some((r) => r.method === 'GET' && r.query.page === '2')).toBe(true);
  });

  test('several images: one report covering all, fail if any fails', async () => {
    const o = await action({
      image: `${testImage('good').docker}\n${testImage('root-default').docker}`,
      sarif: 'out/gate.sarif',
    });
    expect(o.code, show(o)).toBe(1);
    expect(o.outputs.decision).toBe('fail');
    expect(o.outputs.digest!.split('\n')).toHaveLength(2);
    const report = JSON.parse(await readFile(o.outputs.report!, 'utf8')) as { images: unknown[] };
    expect(report.images).toHaveLength(2);
    expect(JSON.parse(await readFile(o.outputs.sarif!, 'utf8'))).toMatchObject({
      version: '2.1.0',
    });
    expect(o.outputs.sarif).toBe(join(workspace, 'out', 'gate.sarif'));
    expect(o.summary).toMatch(/1 of 2 images failed/);
    expect(gh.commentsOn(PR)).toHaveLength(1);
  });

  test('a fork (403 on writes): warnings, the summary is written, the outcome follows the decision', async () => {
    gh.forbidWrites = true;
    const pass = await action({ image: testImage('good').docker }, { fork: true });
    expect(pass.code, show(pass)).toBe(0);
    expect(pass.stdout).toMatch(
      /^::warning title=image-gate%3A no pull request comment::.*HTTP 403/m,
    );
    expect(pass.stdout).toMatch(/^::warning title=image-gate%3A no commit status::/m);
    expect(pass.summary).toMatch(/PASS/);
    expect(gh.comments).toHaveLength(0);
    const fail = await action({ image: testImage('root-default').docker }, { fork: true });
    expect(fail.code, show(fail)).toBe(1);
    expect(fail.summary).toMatch(/FAIL/);
  });

  test('an oversized report is cut under 65,536 characters and points at the run', async () => {
    const good = testImage('good');
    const vulns = Array.from({ length: 4000 }, (_, i) => ({
      VulnerabilityID: `CVE-2024-${String(10000 + i)}`,
      PkgName: `package-with-a-long-name-${i}`,
      InstalledVersion: '1.0.0-r0',
      FixedVersion: '1.0.1-r0',
      Severity: 'HIGH',
      Title: `A vulnerability with a title long enough to take room (${i})`,
    }));
    const trivy = join(workspace, 'trivy.json');
    await writeFile(
      trivy,
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: good.docker,
        ArtifactType: 'container_image',
        Metadata: { ImageID: good.info.imageId, DiffIDs: good.info.diffIds },
        Results: [{ Target: 'alpine', Class: 'os-pkgs', Type: 'alpine', Vulnerabilities: vulns }],
      }),
    );
    const vulnPolicy = join(workspace, 'vuln.yml');
    await writeFile(
      vulnPolicy,
      // A Trivy report records no database build time: the policy must accept that explicitly.
      'apiVersion: image-gate/v1\nrules:\n  vulnerabilities:\n    severity: high\n    accept-unknown-db-age: true\n',
    );
    const o = await action({
      image: good.docker,
      policy: 'vuln.yml',
      'trivy-report': 'trivy.json',
    });
    expect(o.code, show(o)).toBe(1);
    expect(o.outputs.high).toBe('4000');
    const body = gh.commentsOn(PR)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body).toMatch(
      /not shown; see \[the full report\]\(https:\/\/github\.com\/acme\/api\/actions\/runs\/4242\)/,
    );
    expect(o.summary.length).toBeGreaterThan(body.length);
  });

  test('an unknown input is an error annotation with a suggestion, and a failed step', async () => {
    const o = await action({ image: testImage('good').docker, polcy: 'strict.yml' });
    expect(o.code, show(o)).toBe(1);
    expect(o.stdout).toMatch(
      /^::error title=image-gate%3A unknown input::image-gate: unknown input "polcy" \(did you mean "policy"\?\)/m,
    );
    expect(o.stdout).toMatch(
      /^::error::image-gate: unknown input \(see the annotation\): nothing was gated/m,
    );
  });

  test('a broken policy: an error annotation at its file and line, a failed step', async () => {
    await writeFile(
      join(workspace, 'broken.yml'),
      'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secretz: true\n',
    );
    const o = await action({ image: testImage('good').docker, policy: 'broken.yml' });
    expect(o.code, show(o)).toBe(1);
    expect(o.stdout).toMatch(
      /^::error title=image-gate%3A invalid policy,file=broken\.yml,line=4(,col=\d+)?::.*secretz/m,
    );
    expect(o.outputs.decision).toBe('error');
    expect(o.summary).toMatch(/ERROR/);
    expect(gh.requests).toHaveLength(0);
  });

  test('build inputs: docker builds a FROM scratch context, the first tag is gated through the daemon', async () => {
    const context = join(workspace, 'app');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'hello.txt'), 'hello\n');
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM scratch\nARG GREETING\nCOPY hello.txt /hello.txt\nUSER 1000\n',
    );
    await writeFile(
      join(workspace, 'nonroot.yml'),
      'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n',
    );
    const tag = `image-gate-test/action-build:run-${process.pid}`;
    const o = await action({
      context: 'app',
      tags: `${tag}\nimage-gate-test/action-build:latest`,
      'build-args': 'GREETING=hi',
      policy: 'nonroot.yml',
    });
    expect(o.code, show(o)).toBe(0);
    expect(o.outputs.decision).toBe('pass');
    expect(o.stdout).toMatch(/docker (buildx )?build/);
    expect(o.stdout).toMatch(/::stop-commands::/);
    expect(o.summary).toContain(`docker-daemon:${tag}`);
    // The per-run tag only; `:latest` is overwritten by the next run.
    await run(testEnv().dockerCli, ['rmi', tag], {
      env: { ...process.env, DOCKER_HOST: testEnv().dockerHost },
    }).catch(() => undefined);
  });
});
