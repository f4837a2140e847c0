import { randomInt } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { buildExcerpt } from '../../../src/analyze/secrets/excerpt.js';
import { SecretScanner } from '../../../src/analyze/secrets/scanner.js';
import { plantSecrets, secretValues } from '../../images/leak-fixture.mjs';

const scanner = new SecretScanner();

function slicesOf(secrets: string[]): string[] {
  return secrets.flatMap((v) => Array.from({ length: v.length - 9 }, (_, i) => v.slice(i, i + 10)));
}

function filler(n: number): string {
  // Separators or none: a cut may land in a long run of anything.
  const kinds = ['x', 'ab12', ' ', '","k":"', '/', 'Zq9'];
  let out = '';
  while (out.length < n) out += kinds[randomInt(kinds.length)];
  return out.slice(0, n);
}

/** A minified JSON line with every planted secret, at random distances from each other. */
function minifiedLine(s: ReturnType<typeof plantSecrets>): string {
  const fields = [
    `"github_token":"${s.github}"`,
    `"slack":"${s.slack}"`,
    `"id":"${s.awsId}"`,
    `"aws_secret_access_key":"${s.awsSecret}"`,
    `"npm":"${s.npm}"`,
    `"stripe":"${s.stripe}"`,
    `"gitlab":"${s.gitlab}"`,
    `"api_key":"${s.google}"`,
    `"password":"${s.password}"`,
    `"t2":"${s.github2}"`,
  ];
  return `{${fields.map((f) => `"f":"${filler(randomInt(0, 1400))}",${f}`).join(',')}}`;
}

describe('excerpts of a line with many secrets', () => {
  test('no excerpt carries any part of any secret on the line, whichever detector found it', () => {
    for (let round = 0; round < 40; round++) {
      const s = plantSecrets();
      const slices = slicesOf(secretValues(s));
      const line = minifiedLine(s);
      const content = Buffer.from(`first line\n${line}\nlast line\n`);
      // Whole, and streamed in random chunks: long lines are examined in overlapping windows.
      const whole = scanner.scanBuffer(content);
      const stream = scanner.createStream();
      for (let at = 0; at < content.length;) {
        const n = randomInt(1, 3000);
        stream.write(content.subarray(at, at + n));
        at += n;
      }
      for (const hit of [...whole, ...stream.end()]) {
        expect(hit.excerpt.length).toBeLessThanOrEqual(122);
        const leaked = slices.filter((x) => hit.excerpt.includes(x));
        expect(leaked, `${hit.detector}: ${hit.excerpt}`).toEqual([]);
      }
      expect(new Set(whole.map((h) => h.detector)).size).toBeGreaterThanOrEqual(8);
    }
  });

  test('a secret claimed by an earlier window of a long line is masked in a later one', () => {
    // The first window (1024 bytes from the first token) holds the second token whole but cuts
    // the Slack token 7 characters after it: that one is found in a second window, whose excerpt
    // must still mask the second token, found (and claimed) by the first window.
    const s = plantSecrets();
    const head = `{"t":"${s.github}","f":"`;
    const line = `${head}${'x'.repeat(960 - head.length)}","a":"${s.github2}","b":"${s.slack}","z":"${'z'.repeat(1000)}"}`;
    const slices = slicesOf([s.github, s.github2, s.slack]);
    const hits = scanner.scanString(line);
    expect(hits.map((h) => h.detector).sort()).toEqual([
      'github-token',
      'github-token',
      'slack-token',
    ]);
    for (const h of hits)
      expect(
        slices.filter((x) => h.excerpt.includes(x)),
        h.excerpt,
      ).toEqual([]);
  });

  test('a neighbouring secret that no detector recognises is not carried either', () => {
    const s = plantSecrets();
    // A bare random value, right next to a finding: no key says what it is.
    const hits = scanner.scanString(`{"t":"${s.github}","v":"${s.awsSecret}","w":"${s.password}"}`);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.excerpt).toBe('{"t":"ghp_****","v":"****","w":"****"}');
  });
});

describe('buildExcerpt', () => {
  const text = 'aaaa1234bbbb5678cccc9012 key=SECRETVALUE1234567 tail';
  const at = text.indexOf('SECRET');
  const span = { start: at, end: at + 18, keep: 0 };

  test('a line cut by the caller loses the partial value at the cut, not the finding', () => {
    expect(buildExcerpt(text, 0, text.length, [span], at)).toBe('**** key=**** tail');
    expect(
      buildExcerpt(text, 4, text.length - 2, [span], at, { cutBefore: true, cutAfter: true }),
    ).toBe('… key=****…');
  });

  test('context is bounded around the finding', () => {
    const long = `${'word '.repeat(60)}password=${'Q1w2E3r4T5'}${' more'.repeat(60)}`;
    const p = long.indexOf('Q1w2');
    const e = buildExcerpt(long, 0, long.length, [{ start: p, end: p + 10, keep: 0 }], p);
    expect(e.length).toBeLessThanOrEqual(122);
    expect(e).toContain('password=****');
    expect(e.indexOf('password=')).toBeLessThanOrEqual(41);
  });
});
