import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const run = promisify(execFile);
let out: string;
let text: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'ig-bundle-'));
  await run(process.execPath, ['scripts/bundle.mjs', out], {
    cwd: join(import.meta.dirname, '..', '..', '..'),
  });
  text = await readFile(join(out, 'licenses.txt'), 'utf8');
}, 120_000);

afterAll(() => rm(out, { recursive: true, force: true }));

test('the bundles ship the licence text of the sigstore packages and tweetnacl they contain', async () => {
  const sigstore = await readFile('node_modules/@sigstore/sign/LICENSE', 'utf8');
  expect(text).toMatch(/^@sigstore\/sign@\d+\.\d+\.\d+\n\nLicense: Apache-2\.0/m);
  expect(text).toContain(sigstore.trim());
  expect(text).toMatch(/^tweetnacl@1\.0\.3\n\nLicense: Unlicense/m);
});

test('each bundled release is listed once, sorted, and never a package only tests use', () => {
  const names = [...text.matchAll(/^((?:@[^/\s]+\/)?[^@\s]+)@(\d[^\s]*)$/gm)].map(
    (m) => `${m[1]}@${m[2]}`,
  );
  expect(names.length).toBeGreaterThan(10);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toContain('js-yaml@4.3.2');
  expect(names.some((n) => n.startsWith('vitest@') || n.startsWith('@sigstore/mock@'))).toBe(false);
});
