import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ActionConfig } from '../../../src/action/config.js';
import type { Gate } from '../../../src/action/gate.js';
import { runAction } from '../../../src/action/run.js';
import { GateError } from '../../../src/errors.js';
import { commentMarker } from '../../../src/github/marker.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { fakeClient } from '../github/client-fake.js';
import { counts, failingVerdict, finding, rules, verdict } from '../report/builders.js';
import { recordingIo } from './io-fake.js';

const HEAD = 'a'.repeat(40);

function setup(
  event = 'pull_request',
  payload: unknown = {
    pull_request: {
      number: 7,
      head: { sha: HEAD, repo: { full_name: 'acme/api' } },
      base: { repo: { full_name: 'acme/api' } },
    },
  },
) {
  const dir = mkdtempSync(join(tmpdir(), 'ig-run-'));
  writeFileSync(join(dir, 'event.json'), JSON.stringify(payload));
  writeFileSync(join(dir, 'summary.md'), '');
  return {
    dir,
    env: {
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_RUN_ID: '31',
      GITHUB_JOB: 'gate',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
    },
  };
}

function config(overrides: Partial<ActionConfig> = {}): ActionConfig {
  return {
    images: ['ghcr.io/acme/api:pr-7'],
    scanners: [],
    scannerVersions: {},
    fail: true,
    comment: 'auto',
    summary: true,
    githubToken: 't',
    ...overrides,
  };
}

/** A gate that answers from a table of verdicts by image (an Error to throw). */
function gateOf(answers: Record<string, Verdict | Error>): Gate & { seen: string[] } {
  const seen: string[] = [];
  const gate = async (r: { image: string }) => {
    seen.push(r.image);
    const a = answers[r.image];
    if (!a) throw new Error(`unexpected image ${r.image}`);
    if (a instanceof Error) throw a;
    return { ...a, image: { ...a.image, reference: r.image } };
  };
  return Object.assign(gate, { seen });
}

function github() {
  const comments: { id: number; body: string }[] = [];
  const client = fakeClient((route, params) => {
    if (route.startsWith('GET')) return { data: comments };
    if (route.includes('/statuses/')) return { status: 201, data: {} };
    if (route.startsWith('POST')) {
      comments.push({ id: comments.length + 1, body: params.body as string });
      return { status: 201, data: comments.at(-1) };
    }
    const c = comments.find((x) => x.id === params.comment_id)!;
    c.body = params.body as string;
    return { data: c };
  });
  return { client, comments };
}

describe('runAction', () => {
  test('a passing image: summary, comment, success status, outputs, step not failed', async () => {
    const { env, dir } = setup();
    const { io, rec } = recordingIo();
    const gh = github();
    const pass = verdict({
      rules: [rules.nonRoot(), rules.vulnerabilities([], { counts: counts({ high: 2, low: 1 }) })],
    });
    const result = await runAction(config(), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': pass }),
      github: () => gh.client,
    });
    expect(result.decision).toBe('pass');
    expect(rec.failed).toBeUndefined();
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/✅ image-gate: PASS/);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body.startsWith(commentMarker('ghcr.io/acme/api (gate)'))).toBe(true);
    const status = gh.client.calls.find((c) => c.route.includes('/statuses/'))!.params;
    expect(status).toMatchObject({
      sha: HEAD,
      state: 'success',
      context: 'image-gate/ghcr.io/acme/api (gate)',
      target_url: 'https://github.com/acme/api/actions/runs/31',
    });
    expect(rec.outputs).toMatchObject({
      decision: 'pass',
      'failed-rules': '',
      critical: '0',
      high: '2',
      low: '1',
      sarif: '',
    });
    expect(JSON.parse(readFileSync(rec.outputs.report!, 'utf8'))).toMatchObject({
      decision: 'pass',
    });
  });

  test('a failing image fails the step, annotates each rule, and a re-run updates the comment', async () => {
    const { env } = setup();
    const gh = github();
    const gate = gateOf({ 'ghcr.io/acme/api:pr-7': failingVerdict() });
    const first = recordingIo();
    await runAction(config(), { io: first.io, env, gate, github: () => gh.client });
    expect(first.rec.failed?.message).toMatch(
      /FAIL: ghcr\.io\/acme\/api:pr-7 \(base-image, non-root, secrets, vulnerabilities\)/,
    );
    expect(first.rec.annotations.filter((a) => a.level === 'error')).toHaveLength(4);
    expect(first.rec.outputs['failed-rules']).toBe('base-image,non-root,secrets,vulnerabilities');
    const second = recordingIo();
    await runAction(config(), {
      io: second.io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
      github: () => gh.client,
    });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toMatch(/PASS/);
  });

  test('scanner databases are restored before the gate and saved after, even on a failure', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const calls: string[] = [];
    const failing = gateOf({ 'ghcr.io/acme/api:pr-7': failingVerdict() });
    await runAction(config(), {
      io,
      env,
      scannerCacheDir: '/cache/image-gate',
      dbCache: {
        restore: async (dir) => void calls.push(`restore ${dir}`),
        save: async (dir) => void calls.push(`save ${dir}`),
      },
      gate: async (r) => {
        calls.push(`gate ${r.cacheDir}`);
        return failing(r);
      },
    });
    expect(calls).toEqual([
      'restore /cache/image-gate',
      'gate /cache/image-gate',
      'save /cache/image-gate',
    ]);
  });

  test('no database cache when reports made elsewhere replace the scanners', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const calls: string[] = [];
    await runAction(config({ trivyReport: 'trivy.json' }), {
      io,
      env,
      dbCache: {
        restore: async () => void calls.push('restore'),
        save: async () => void calls.push('save'),
      },
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
    });
    expect(calls).toEqual([]);
  });

  test('fail: false reports a failure without failing the step', async () => {
    const { env } = setup();
    const { io, rec } = recordingIo();
    await runAction(config({ fail: false }), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': failingVerdict() }),
    });
    expect(rec.failed).toBeUndefined();
    expect(rec.outputs.decision).toBe('fail');
    expect(rec.warnings.join()).toMatch(/fail is false/);
  });

  test('a rule error fails the step even with fail: false', async () => {
    const { env } = setup();
    const { io, rec } = recordingIo();
    const errored = verdict({
      rules: [{ ...rules.vulnerabilities(), status: 'error', error: 'no scanner' }],
    });
    await runAction(config({ fail: false }), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': errored }),
    });
    expect(rec.outputs.decision).toBe('error');
    expect(rec.failed?.message).toMatch(/could not be evaluated/);
  });

  test('several images: every one gated, one report, decision fail if any fails', async () => {
    const { env, dir } = setup();
    const { io, rec } = recordingIo();
    const gate = gateOf({ 'a:1': verdict(), 'b:1': failingVerdict() });
    const result = await runAction(
      config({ images: ['a:1', 'b:1'], sarif: join(dir, 'out', 'gate.sarif') }),
      { io, env, gate },
    );
    expect(gate.seen).toEqual(['a:1', 'b:1']);
    expect(result.key).toBe('a, b (gate)');
    expect(rec.outputs.decision).toBe('fail');
    expect(rec.outputs.digest!.split('\n')).toHaveLength(2);
    expect(JSON.parse(readFileSync(rec.outputs.report!, 'utf8')).images).toHaveLength(2);
    expect(JSON.parse(readFileSync(rec.outputs.sarif!, 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/1 of 2 images failed/);
  });

  test('an image that cannot be read: the others are still gated, the step fails', async () => {
    const { env, dir } = setup();
    const { io, rec } = recordingIo();
    const gate = gateOf({
      'a:1': new GateError('not-found', 'a:1: manifest unknown'),
      'b:1': verdict(),
    });
    const result = await runAction(config({ images: ['a:1', 'b:1'], fail: false }), {
      io,
      env,
      gate,
    });
    expect(gate.seen).toEqual(['a:1', 'b:1']);
    expect(result.decision).toBe('error');
    expect(rec.failed?.message).toMatch(/1 of 2 images could not be checked/);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(
      /ERROR — `a:1`[\s\S]*manifest unknown/,
    );
  });

  test('a broken policy: an error annotation at its line, a failed step, nothing gated', async () => {
    const { env, dir } = setup();
    writeFileSync(join(dir, 'policy.yml'), 'apiVersion: image-gate/v1\nrules:\n  non_root: true\n');
    const { io, rec } = recordingIo();
    const gate = gateOf({});
    await runAction(config({ policyPath: join(dir, 'policy.yml') }), { io, env, gate });
    expect(gate.seen).toEqual([]);
    expect(rec.failed?.message).toMatch(/non_root/);
    expect(rec.failed?.annotation).toMatchObject({
      file: 'policy.yml',
      startLine: 3,
      title: 'image-gate: invalid policy',
    });
    expect(rec.outputs.decision).toBe('error');
  });

  test('failing rules are annotated at their line in the policy', async () => {
    const { env, dir } = setup();
    writeFileSync(
      join(dir, 'policy.yml'),
      'apiVersion: image-gate/v1\nrules:\n  secrets: true\n  non-root: true\n',
    );
    const { io, rec } = recordingIo();
    const failing = verdict({ rules: [rules.secrets(), rules.nonRoot('fail', 'root')] });
    await runAction(config({ policyPath: join(dir, 'policy.yml') }), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': failing }),
    });
    expect(rec.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        title: 'image-gate: non-root failed',
        file: 'policy.yml',
        startLine: 4,
      }),
    ]);
  });

  test('a read-only token (fork): warnings, the summary is still written, the decision stands', async () => {
    const { env, dir } = setup();
    const { io, rec } = recordingIo();
    const client = fakeClient((route) =>
      route.startsWith('GET') ? { data: [] } : { status: 403 },
    );
    await runAction(config(), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
      github: () => client,
    });
    expect(rec.annotations.filter((a) => a.level === 'warning').map((a) => a.title)).toEqual([
      'image-gate: no pull request comment',
      'image-gate: no commit status',
    ]);
    expect(rec.failed).toBeUndefined();
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/PASS/);
  });

  test('an oversized report is cut to fit the comment, pointing at the run', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const gh = github();
    const many = Array.from({ length: 3000 }, (_, i) =>
      finding({ id: `CVE-2024-${10000 + i}`, pkg: `pkg-${i}`, severity: 'high' }),
    );
    const huge = verdict({ rules: [rules.vulnerabilities(many)] });
    await runAction(config(), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': huge }),
      github: () => gh.client,
    });
    const body = gh.comments[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(
      /more findings? not shown; see \[the full report\]\(https:\/\/github\.com\/acme\/api\/actions\/runs\/31\)/,
    );
  });

  test('push events: no comment in auto mode, the status goes to GITHUB_SHA', async () => {
    const { env } = setup('push', { ref: 'refs/heads/main' });
    const { io } = recordingIo();
    const gh = github();
    await runAction(config({ comment: 'always' }), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
      github: () => gh.client,
    });
    expect(gh.comments).toHaveLength(0);
    expect(gh.client.calls.map((c) => c.params.sha).filter(Boolean)).toEqual(['f'.repeat(40)]);
  });

  test('comment: never and no token: neither comment nor status', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const gh = github();
    await runAction(config({ comment: 'never' }), {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
      github: () => gh.client,
    });
    expect(gh.comments).toHaveLength(0);
    const noToken = github();
    const rest = config();
    delete rest.githubToken;
    await runAction(rest, {
      io,
      env,
      gate: gateOf({ 'ghcr.io/acme/api:pr-7': verdict() }),
      github: () => noToken.client,
    });
    expect(noToken.client.calls).toHaveLength(0);
  });

  test('matrix legs get their own comments and statuses', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const gh = github();
    const gate = gateOf({ 'ghcr.io/acme/api:pr-7': verdict() });
    await runAction(config({ matrix: '{"arch":"amd64"}' }), {
      io,
      env,
      gate,
      github: () => gh.client,
    });
    await runAction(config({ matrix: '{"arch":"arm64"}' }), {
      io,
      env,
      gate,
      github: () => gh.client,
    });
    await runAction(config({ matrix: '{"arch":"arm64"}' }), {
      io,
      env,
      gate,
      github: () => gh.client,
    });
    expect(gh.comments).toHaveLength(2);
  });

  test('build inputs: the built tag is gated and keys the comment', async () => {
    const { env } = setup();
    const { io } = recordingIo();
    const gate = gateOf({ 'docker-daemon:acme/api:pr-7': verdict() });
    const result = await runAction(
      config({ images: [], build: { context: '.', buildArgs: [], tags: ['acme/api:pr-7'] } }),
      { io, env, gate, build: async (b) => `docker-daemon:${b.tags[0]}` },
    );
    expect(gate.seen).toEqual(['docker-daemon:acme/api:pr-7']);
    expect(result.key).toBe('acme/api (gate)');
  });
});
