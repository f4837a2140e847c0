import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { coreIo } from '../../../src/action/core-io.js';
import { renderRunMarkdown } from '../../../src/action/report.js';
import { check } from '../../../src/commands/check.js';
import { errorMessage } from '../../../src/errors.js';
import { verdictAnnotations } from '../../../src/github/annotations.js';
import { commentBody, reportBudget } from '../../../src/github/pr-comment.js';
import { SUMMARY_LIMIT } from '../../../src/github/summary.js';
import { parseReference } from '../../../src/image/reference.js';
import { silentLogger } from '../../../src/log.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { buildLeakImage, plantSecrets, secretValues } from '../../images/leak-fixture.mjs';

// The action's own text paths (annotations, job summary, PR comment, the log lines @actions/core
// writes) get the same planted-secret check as the CLI's outputs in test/itg/no-secret-leak:
// a verdict of the real check on an image full of fresh random secrets, and errors that quote
// references with credentials.

const s = plantSecrets();
const SLICES = secretValues(s).flatMap((v) =>
  Array.from({ length: v.length - 9 }, (_, i) => v.slice(i, i + 10)),
);
const leaked = (text: string): string[] => SLICES.filter((x) => text.includes(x));

let tmp: string;
let verdict: Verdict;
let imageRef: string;
const badRef = `user:${s.registryPassword}@127.0.0.1:5000/app:${s.github}`;
let badRefError: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ig-leak-unit-'));
  imageRef = (await buildLeakImage(s, join(tmp, s.gitlab), s.github2)).ref;
  const policyPath = join(tmp, 'policy.yml');
  await writeFile(
    policyPath,
    'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n',
  );
  verdict = await check({ image: imageRef, policyPath, log: silentLogger });
  try {
    parseReference(badRef);
  } catch (err) {
    badRefError = errorMessage(err);
  }
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('the action never prints a planted secret', () => {
  test('the verdict really holds the secrets (masked), so the checks below mean something', () => {
    expect(verdict.decision).toBe('fail');
    const secrets = verdict.rules.find((r) => r.rule === 'secrets')!;
    expect(secrets.findings.length).toBeGreaterThan(20);
    expect(badRefError).toMatch(/^invalid image reference/);
  });

  test('annotations of failing rules', () => {
    const annotations = verdictAnnotations([
      verdict,
      { ...verdict, image: { ...verdict.image, reference: badRef } },
    ]);
    expect(annotations.length).toBeGreaterThanOrEqual(2);
    for (const a of annotations) expect(leaked(`${a.title ?? ''} ${a.message}`)).toEqual([]);
  });

  test('the job summary and the PR comment, with an image that could not be checked', () => {
    const errors = [{ image: badRef, message: badRefError }];
    const summary = renderRunMarkdown([verdict], errors, { maxLength: SUMMARY_LIMIT });
    expect(summary).toContain('ghp_****');
    expect(leaked(summary)).toEqual([]);
    const key = 'image-gate';
    const comment = commentBody(
      key,
      renderRunMarkdown([verdict, verdict], errors, { maxLength: reportBudget(key) }),
    );
    expect(leaked(comment)).toEqual([]);
  });

  test('every line @actions/core writes: info, warnings, annotations, the failure, build output', () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const exitCode = process.exitCode;
    try {
      const io = coreIo();
      io.info(`image-gate: checking ${badRef}`);
      io.warn(`could not restore: GET https://u:${s.registryPassword}@cache/x?sig=${s.password}`);
      for (const a of verdictAnnotations([verdict])) io.annotate(a);
      io.annotate({
        level: 'error',
        title: `image-gate: error ${s.github}`,
        message: `${badRef}: ${badRefError}`,
      });
      io.untrusted(`Step 3/7 : RUN echo ${s.npm}\n\u001b]0;${s.slack}\u0007`);
      io.fail(`image-gate: FAIL: ${verdict.image.reference}`);
    } finally {
      process.stdout.write = write;
      process.exitCode = exitCode;
    }
    const text = out.join('');
    expect(text).toContain('::error');
    expect(leaked(text)).toEqual([]);
    expect(text).not.toContain('\u001b');
  });
});
