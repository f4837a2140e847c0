import { describe, expect, test } from 'vitest';
import { SecretScanner } from '../../../src/analyze/secrets/index.js';
import { Prefilter } from '../../../src/analyze/secrets/prefilter.js';
import { prng } from './corpus.js';

const scanner = new SecretScanner();
const GH = 'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2eF4hJ6';

describe('scanString', () => {
  test('an Env entry', () => {
    const hits = scanner.scanString(
      'AWS_SECRET_ACCESS_KEY=Zq8R2vLk9XbT4nWm7PcY3sHd6FgJ1aQe5uVo0iKr',
    );
    expect(hits).toEqual([
      {
        detector: 'aws-secret-access-key',
        title: 'AWS secret access key',
        line: 1,
        excerpt: 'AWS_SECRET_ACCESS_KEY=****',
      },
    ]);
  });

  test('a build argument in history created_by', () => {
    const hits = scanner.scanString(`|1 GITHUB_TOKEN=${GH} /bin/sh -c npm ci`);
    expect(hits.map((h) => [h.detector, h.excerpt])).toEqual([
      ['github-token', '|1 GITHUB_TOKEN=ghp_**** /bin/sh -c npm ci'],
    ]);
  });

  test('a random password with long runs of letters is a secret, not "mostly words"', () => {
    // Seen as misses before: runs like `pgzqa`, `wsfkif` were counted as words.
    for (const pw of ['P1pgzqaDgaUmSYMEwsfkif', 'sfhc7RsmneArZLMZOe794L', 'H7afjzfyrmsjcyAnCdDSUE'])
      expect(scanner.scanString(`DB_PASSWORD=${pw}`), pw).toHaveLength(1);
    // Identifiers made of real words still are not.
    expect(scanner.scanString('token = V1SecretVolumeSource2')).toEqual([]);
  });

  test('a label', () => {
    const hits = scanner.scanString('api-key=7fK2mQ9xL4vB8nR1tY6wZ3cH');
    expect(hits.map((h) => h.detector)).toEqual(['generic-secret']);
    expect(hits[0]?.excerpt).toBe('api-key=****');
  });

  test('two secrets on one line are both redacted in every excerpt', () => {
    const hits = scanner.scanString(`token=${GH} password="Xk9mP2vL7qRt4Wz8"`);
    expect(hits).toHaveLength(2);
    for (const h of hits) expect(h.excerpt).toBe('token=ghp_**** password="****"');
  });

  test('long lines are cut around the finding', () => {
    const hits = scanner.scanString('x'.repeat(300) + ` key=${GH} ` + 'y'.repeat(300));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.excerpt.length).toBeLessThanOrEqual(122);
    expect(hits[0]?.excerpt).toContain('ghp_****');
  });
});

describe('streaming', () => {
  test('secrets across chunk boundaries of a large file: found once, right line', () => {
    const rnd = prng(3);
    const lines: string[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 60_000; i++) {
      if (i % 7_919 === 0) {
        lines.push(`export GITHUB_TOKEN=${GH}`);
        expected.push(i + 1);
      } else lines.push(`line ${i} ${'lorem ipsum '.repeat(Math.floor(rnd() * 8))}`);
    }
    const content = Buffer.from(lines.join('\n'));
    for (const chunk of [4093, 65536]) {
      const stream = scanner.createStream();
      for (let i = 0; i < content.length; i += chunk) stream.write(content.subarray(i, i + chunk));
      expect(stream.end().map((h) => h.line)).toEqual(expected);
    }
    expect(scanner.scanBuffer(content).map((h) => h.line)).toEqual(expected);
  });

  test('a PEM key split anywhere around its BEGIN line is found once', () => {
    const row = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7a1B2c3D4e5F6';
    const body = Array.from({ length: 20 }, () => row).join('\n');
    const content = Buffer.from(
      `# key\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
    );
    for (let cut = 1; cut < 60; cut++) {
      const stream = scanner.createStream();
      stream.write(content.subarray(0, cut));
      stream.write(content.subarray(cut));
      expect(stream.end().map((h) => [h.detector, h.line, h.excerpt])).toEqual([
        ['private-key', 2, '-----BEGIN PRIVATE KEY-----'],
      ]);
    }
  });
});

describe('prefilter', () => {
  test('finds every planted literal at every offset and alignment, like a naive search', () => {
    const words = ['AKIA', 'oken', 'OKEN', 'E KE'];
    const pf = new Prefilter(
      words.map((text) => ({ text, assignment: false })),
      [{ literal: '://' }],
    );
    const rnd = prng(11);
    for (let trial = 0; trial < 400; trial++) {
      const len = Math.floor(rnd() * 80);
      const bytes = Buffer.alloc(len + 3);
      for (let i = 0; i < bytes.length; i++) bytes[i] = 32 + Math.floor(rnd() * 90);
      for (let k = 0; k < 3 && len > 4; k++) {
        const w = rnd() < 0.2 ? '://' : words[Math.floor(rnd() * words.length)]!;
        bytes.write(w, Math.floor(rnd() * (len - 3)), 'latin1');
      }
      const off = trial % 4;
      const buf = bytes.subarray(off, off + len);
      const naive: number[] = [];
      for (let i = 0; i < buf.length; i++) {
        for (const w of [...words, '://']) {
          if (buf.toString('latin1', i, i + w.length) === w) naive.push(i);
        }
      }
      const got: number[] = [];
      pf.scan(buf, got);
      expect(got).toEqual(naive);
    }
  });
});
