/**
 * The non-root rule against the real Docker engine, case by case (test/images/nonroot): the
 * engine runs busybox `id` in each image with the image's own USER, and the gate's uid must be
 * the uid the engine ran. An engine that refuses to start the container (or to load the image)
 * must be a gate failure. A gate that passes what the engine runs as uid 0 is the worst case;
 * any other disagreement fails too, except where the case documents that the gate
 * deliberately cannot prove the runtime's result (`failClosed`), and then it must fail.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../src/commands/check.js';
import { silentLogger } from '../../src/log.js';
import { testEnv } from '../helpers/env.js';

interface Case {
  name: string;
  kind: 'build' | 'load';
  user: string;
  why: string;
  failClosed?: string;
}

/** What the engine did: ran `id` as this uid, or refused (to load the image or to start it). */
type EngineOutcome = { uid: number; id: string } | { refused: string };

const dir = join(testEnv().dir, 'nonroot');
const HINT = 'run: bash test/images/nonroot/build.sh (after test/env/start.sh)';
const cases: Case[] = existsSync(join(dir, 'cases.json'))
  ? (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[])
  : [];
const engine = new Map<string, EngineOutcome>();
let policy: string;
let tmp: string;

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      testEnv().dockerCli,
      args,
      { env: { ...process.env, DOCKER_HOST: testEnv().dockerHost }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `docker run --rm --network none IMAGE /bin/busybox id`: the engine resolves USER itself. */
async function runId(c: Case): Promise<EngineOutcome> {
  const refusedLoad = join(dir, `${c.name}.load-refused`);
  if (existsSync(refusedLoad)) return { refused: readFileSync(refusedLoad, 'utf8').trim() };
  const image = `image-gate-test/nonroot-${c.name}:latest`;
  const r = await docker(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'id']);
  const m = /^uid=(\d+)/.exec(r.stdout);
  if (r.code === 0 && m) return { uid: Number(m[1]), id: r.stdout.trim() };
  // Only a refusal to start counts; an image that cannot run `id` at all is a broken case.
  expect(r.stderr, `${c.name}: docker run failed for another reason`).not.toMatch(
    /executable file not found|No such image|no such file or directory: unknown$/,
  );
  return { refused: r.stderr.trim() };
}

beforeAll(async () => {
  if (cases.length === 0) throw new Error(`no oracle images in ${dir}: ${HINT}`);
  tmp = await mkdtemp(join(tmpdir(), 'ig-nonroot-'));
  policy = join(tmp, 'policy.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n');
  // A few at a time: each run starts a container on a shared two-core machine.
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) engine.set(c.name, await runId(c));
    }),
  );
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function gate(c: Case): Promise<{ status: string; summary: string; uid?: number }> {
  const verdict = await check({
    image: `docker-archive:${join(dir, `${c.name}.tar`)}`,
    policyPath: policy,
    log: silentLogger,
  });
  const rule = verdict.rules.find((r) => r.rule === 'non-root');
  if (!rule || rule.rule !== 'non-root') throw new Error(`${c.name}: no non-root result`);
  return { status: rule.status, summary: rule.summary, uid: rule.details.uid };
}

describe('non-root agrees with the Docker engine', () => {
  test('there are enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ran = engine.get(c.name)!;
    let verdict: { status: string; summary: string; uid?: number };
    try {
      verdict = await gate(c);
    } catch (err) {
      // An error is never a pass; it is acceptable only where the engine cannot run it either.
      expect(
        'refused' in ran,
        `${c.name}: the gate errs (${String(err)}) but the engine ran ${JSON.stringify(ran)}`,
      ).toBe(true);
      return;
    }
    const seen = `USER ${JSON.stringify(c.user)} (${c.why}): engine ${JSON.stringify(ran)}, gate ${verdict.status} "${verdict.summary}"`;
    if ('uid' in ran && ran.uid === 0) {
      expect(verdict.status, `UNSAFE: the engine runs uid 0. ${seen}`).toBe('fail');
    }
    if ('refused' in ran) {
      expect(verdict.status, seen).toBe('fail');
      expect(verdict.uid, seen).toBeUndefined();
      return;
    }
    if (c.failClosed) {
      expect(verdict.status, seen).toBe('fail');
      expect(verdict.summary, seen).toContain(c.failClosed);
      return;
    }
    expect(verdict.uid, seen).toBe(ran.uid);
    expect(verdict.status, seen).toBe(ran.uid === 0 ? 'fail' : 'pass');
  });
});
