import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateError } from '../../../src/errors.js';
import { BUILT_IN_POLICY_TEXT, builtInPolicy } from '../../../src/policy/default.js';
import { loadPolicy } from '../../../src/policy/load.js';
import { parsePolicy } from '../../../src/policy/parse.js';
import { createPolicyAjv } from '../../../src/policy/schema.js';
import { closest, editDistance } from '../../../src/policy/suggest.js';
import { load } from 'js-yaml';
import { CORE_SCHEMA } from 'js-yaml';

const HEAD = 'apiVersion: image-gate/v1\n';
const VULN = `${HEAD}rules:\n  vulnerabilities:\n    severity: high\n`;

function errorOf(text: string): GateError {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('expected a policy error');
}

describe('parsePolicy: errors name file, line and column', () => {
  it.each([
    {
      name: 'unknown key at rules level, with did-you-mean',
      text: `${HEAD}rules:\n  non_root: true\n`,
      message: 'policy.yml:3:3: unknown key "non_root" in rules (did you mean "non-root"?)',
    },
    {
      name: 'unknown key, nested',
      text: `${VULN}    ignore_unfixed: true\n`,
      message:
        'policy.yml:5:5: unknown key "ignore_unfixed" in rules.vulnerabilities (did you mean "ignore-unfixed"?)',
    },
    {
      name: 'camelCase key',
      text: `${HEAD}rules:\n  secrets:\n    allowPaths: []\n`,
      message:
        'policy.yml:4:5: unknown key "allowPaths" in rules.secrets (did you mean "allow-paths"?)',
    },
    {
      name: 'unknown key at the top level beats the missing key it misspells',
      text: `${HEAD}rule:\n  non-root: true\n`,
      message: 'policy.yml:2:1: unknown key "rule" at the top level (did you mean "rules"?)',
    },
    {
      name: 'unknown key with nothing close lists the allowed keys',
      text: `${HEAD}rules:\n  foo: true\n`,
      message:
        'policy.yml:3:3: unknown key "foo" in rules (allowed: base-image, non-root, secrets, vulnerabilities)',
    },
    {
      name: 'unknown key inside a waiver (flow mapping)',
      text: `${VULN}    ignore:\n      - { id: CVE-1, reason: x, expires: 2026-01-01, pkg: a }\n`,
      message:
        'policy.yml:6:54: unknown key "pkg" in rules.vulnerabilities.ignore[0] (allowed: id, package, reason, expires)',
    },
    {
      name: 'wrong type (YAML 1.2: yes is a string)',
      text: `${HEAD}rules:\n  non-root: yes\n`,
      message: 'policy.yml:3:13: rules.non-root must be true or false, got "yes"',
    },
    {
      name: 'empty value points at its key',
      text: `${HEAD}rules:\n  non-root:\n  secrets: true\n`,
      message: 'policy.yml:3:3: rules.non-root must be true or false, got nothing',
    },
    {
      name: 'wrong type in a oneOf names both types',
      text: `${HEAD}rules:\n  secrets: "yes"\n`,
      message: 'policy.yml:3:12: rules.secrets must be true or false or a mapping, got "yes"',
    },
    {
      name: 'wrong type inside the mapping branch of a oneOf',
      text: `${HEAD}rules:\n  secrets:\n    allow-paths: [1]\n`,
      message: 'policy.yml:4:19: rules.secrets.allow-paths[0] must be a string, got 1',
    },
    {
      name: 'base given as a number',
      text: `${HEAD}rules:\n  base-image:\n    allowed: [42]\n`,
      message: 'policy.yml:4:15: rules.base-image.allowed[0] must be a string or a mapping, got 42',
    },
    {
      name: 'pinned base with a typo',
      text: `${HEAD}rules:\n  base-image:\n    allowed:\n      - digets: sha256:aa\n        diff-ids: [sha256:aa]\n`,
      message:
        'policy.yml:5:9: unknown key "digets" in rules.base-image.allowed[0] (did you mean "digest"?)',
    },
    {
      name: 'pinned base with a short diff-id',
      text: `${HEAD}rules:\n  base-image:\n    allowed:\n      - diff-ids: [sha256:aa]\n`,
      message:
        'policy.yml:5:20: rules.base-image.allowed[0].diff-ids[0] must be a digest: sha256: followed by 64 lower-case hex characters, got "sha256:aa"',
    },
    {
      name: 'base reference that does not parse',
      text: `${HEAD}rules:\n  base-image:\n    allowed:\n      - docker://UPPER/Case\n`,
      message:
        'policy.yml:5:9: rules.base-image.allowed[0] is not a usable image reference: invalid image reference "docker://UPPER/Case": "UPPER" is not a valid repository name component (lower case only)',
    },
    {
      name: 'bad severity with did-you-mean',
      text: `${HEAD}rules:\n  vulnerabilities:\n    severity: hgih\n`,
      message:
        'policy.yml:4:15: invalid value "hgih" for rules.vulnerabilities.severity: expected one of critical, high, medium, low, unknown (did you mean "high"?)',
    },
    {
      name: 'severity in capitals',
      text: `${HEAD}rules:\n  vulnerabilities:\n    severity: High\n`,
      message:
        'policy.yml:4:15: invalid value "High" for rules.vulnerabilities.severity: expected one of critical, high, medium, low, unknown (did you mean "high"?)',
    },
    {
      name: 'negligible is not a threshold',
      text: `${HEAD}rules:\n  vulnerabilities:\n    severity: negligible\n`,
      message:
        'policy.yml:4:15: invalid value "negligible" for rules.vulnerabilities.severity: expected one of critical, high, medium, low, unknown',
    },
    {
      name: 'missing severity',
      text: `${HEAD}rules:\n  vulnerabilities:\n    ignore-unfixed: true\n`,
      message: 'policy.yml:3:3: missing required key "severity" in rules.vulnerabilities',
    },
    {
      name: 'missing waiver reason',
      text: `${VULN}    ignore:\n      - { id: CVE-2024-1234, expires: 2026-01-01 }\n`,
      message: 'policy.yml:6:9: missing required key "reason" in rules.vulnerabilities.ignore[0]',
    },
    {
      name: 'missing waiver expiry',
      text: `${VULN}    ignore:\n      - id: CVE-2024-1234\n        reason: not reachable\n`,
      message: 'policy.yml:6:9: missing required key "expires" in rules.vulnerabilities.ignore[0]',
    },
    {
      name: 'blank waiver reason',
      text: `${VULN}    ignore:\n      - id: CVE-1\n        reason: "  "\n        expires: 2026-01-01\n`,
      message:
        'policy.yml:7:17: rules.vulnerabilities.ignore[0].reason must be a non-empty explanation, got "  "',
    },
    {
      name: 'bad date (no silent roll-over to March)',
      text: `${VULN}    ignore:\n      - id: CVE-1\n        reason: x\n        expires: 2026-02-30\n`,
      message:
        'policy.yml:8:18: rules.vulnerabilities.ignore[0].expires must be a date (YYYY-MM-DD), got "2026-02-30"',
    },
    {
      name: 'date with a time',
      text: `${VULN}    ignore:\n      - id: CVE-1\n        reason: x\n        expires: 2026-02-03T10:00:00Z\n`,
      message:
        'policy.yml:8:18: rules.vulnerabilities.ignore[0].expires must be a date (YYYY-MM-DD), got "2026-02-03T10:00:00Z"',
    },
    {
      name: 'unknown scanner',
      text: `${VULN}    scanners: [trivvy]\n`,
      message:
        'policy.yml:5:16: invalid value "trivvy" for rules.vulnerabilities.scanners[0]: expected one of trivy, grype (did you mean "trivy"?)',
    },
    {
      name: 'scanner listed twice',
      text: `${VULN}    scanners: [trivy, trivy]\n`,
      message: 'policy.yml:5:15: rules.vulnerabilities.scanners lists "trivy" more than once',
    },
    {
      name: 'bad duration',
      text: `${VULN}    max-db-age: 1 day\n`,
      message:
        'policy.yml:5:17: rules.vulnerabilities.max-db-age must be a duration such as 30s, 10m, 24h, 7d or 1h30m, got "1 day"',
    },
    {
      name: 'zero duration',
      text: `${VULN}    max-db-age: 0h\n`,
      message:
        'policy.yml:5:17: rules.vulnerabilities.max-db-age must be longer than zero, got "0h"',
    },
    {
      name: 'zero timeout',
      text: `${VULN}    timeout: 0\n`,
      message: 'policy.yml:5:14: rules.vulnerabilities.timeout must be at least 1, got 0',
    },
    {
      name: 'no rules',
      text: `${HEAD}rules: {}\n`,
      message:
        'policy.yml:2:1: rules must enable at least one rule (base-image, non-root, secrets, vulnerabilities)',
    },
    {
      name: 'every rule disabled',
      text: `${HEAD}rules:\n  non-root: false\n  secrets: false\n`,
      message:
        'policy.yml:3:3: every rule is disabled: the policy would check nothing; enable at least one rule (base-image, non-root, secrets, vulnerabilities)',
    },
    {
      name: 'missing rules',
      text: HEAD,
      message: 'policy.yml:1:1: missing required key "rules" at the top level',
    },
    {
      name: 'missing apiVersion',
      text: 'rules:\n  non-root: true\n',
      message: 'policy.yml:1:1: missing required key "apiVersion" at the top level',
    },
    {
      name: 'wrong apiVersion',
      text: 'apiVersion: image-gate/v2\nrules:\n  whatever: 1\n',
      message:
        'policy.yml:1:13: unsupported apiVersion "image-gate/v2": this image-gate reads "image-gate/v1"',
    },
    {
      name: 'root is a list',
      text: '- a\n- b\n',
      message: 'policy.yml:1:1: the policy must be a mapping with apiVersion and rules, got a list',
    },
    {
      name: 'root is a scalar',
      text: 'hello\n',
      message:
        'policy.yml:1:1: the policy must be a mapping with apiVersion and rules, got "hello"',
    },
    {
      name: 'YAML syntax error keeps the mark',
      text: `${HEAD}rules:\n non-root: true\n  secrets: true\n`,
      message: 'policy.yml:4:10: YAML syntax error: bad indentation of a mapping entry',
    },
    {
      name: 'unclosed flow collection',
      text: `${HEAD}rules:\n  non-root: [true\n`,
      message:
        'policy.yml:4:1: YAML syntax error: unexpected end of the stream within a flow collection',
    },
    {
      name: 'duplicate key',
      text: `${HEAD}rules:\n  non-root: true\n  non-root: false\n`,
      message: 'policy.yml:4:3: YAML syntax error: duplicated mapping key',
    },
  ])('$name', ({ text, message }) => {
    const err = errorOf(text);
    expect(err.code).toBe('policy');
    expect(err.message).toBe(message);
    const [, line, column] = /^policy\.yml:(\d+):(\d+):/.exec(message)!;
    expect(err.location).toEqual({
      file: 'policy.yml',
      line: Number(line),
      column: Number(column),
    });
  });

  it.each([
    ['empty file', ''],
    ['only comments', '# nothing yet\n'],
    ['only whitespace', '\n\n   \n'],
  ])('%s', (_name, text) => {
    const err = errorOf(text);
    expect(err.message).toBe(
      'policy.yml: the policy is empty: it needs "apiVersion: image-gate/v1" and rules',
    );
    expect(err.location).toEqual({ file: 'policy.yml' });
  });

  it('counts columns after a byte-order mark as an editor does', () => {
    expect(errorOf(`\uFEFF${HEAD}rules:\n  non_root: true\n`).message).toMatch(/^policy\.yml:3:3:/);
  });
});

describe('parsePolicy: the validated shape', () => {
  it('normalises keys, defaults and dates', () => {
    const policy = parsePolicy(
      `${HEAD}rules:
  base-image:
    allowed:
      - docker://registry.example.com/base/debian:bookworm
      - { digest: "sha256:${'a'.repeat(64)}", diff-ids: ["sha256:${'b'.repeat(64)}"] }
  non-root: true
  secrets:
    allow-paths: ["/usr/share/doc/**"]
  vulnerabilities:
    severity: high
    scanners: [trivy, grype]
    max-db-age: 24h
    timeout: 1h30m
    ignore:
      - { id: CVE-2024-1234, package: openssl, reason: "not reachable", expires: 2026-12-31 }
`,
      'p.yml',
    );
    expect(policy).toEqual({
      apiVersion: 'image-gate/v1',
      rules: {
        'base-image': {
          allowed: [
            { reference: 'docker://registry.example.com/base/debian:bookworm' },
            { digest: `sha256:${'a'.repeat(64)}`, diffIds: [`sha256:${'b'.repeat(64)}`] },
          ],
        },
        'non-root': true,
        secrets: { allowPaths: ['/usr/share/doc/**'] },
        vulnerabilities: {
          severity: 'high',
          ignoreUnfixed: false,
          scope: 'all',
          scanners: ['trivy', 'grype'],
          maxDbAge: '24h',
          timeout: 5400,
          acceptUnknownDbAge: false,
          failOnNoPackages: false,
          ignore: [
            {
              id: 'CVE-2024-1234',
              package: 'openssl',
              reason: 'not reachable',
              expires: '2026-12-31',
            },
          ],
        },
      },
    });
  });

  it('reads secrets: true as no allowed paths, and keeps false rules as false', () => {
    expect(parsePolicy(`${HEAD}rules:\n  secrets: true\n  non-root: false\n`, 'p').rules).toEqual({
      secrets: { allowPaths: [] },
      'non-root': false,
    });
    expect(parsePolicy(`${HEAD}rules:\n  secrets: false\n  non-root: true\n`, 'p').rules).toEqual({
      secrets: false,
      'non-root': true,
    });
  });

  it('takes a timeout in seconds', () => {
    expect(parsePolicy(`${VULN}    timeout: 600\n`, 'p').rules.vulnerabilities?.timeout).toBe(600);
  });

  it('accepts a quoted date as well as a bare one', () => {
    const text = `${VULN}    ignore:\n      - { id: CVE-1, reason: x, expires: "2026-01-31" }\n`;
    expect(parsePolicy(text, 'p').rules.vulnerabilities?.ignore[0]?.expires).toBe('2026-01-31');
  });
});

describe('loadPolicy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-gate-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('digests the file bytes', async () => {
    const path = join(dir, 'p.yml');
    await writeFile(path, `${HEAD}rules:\n  non-root: true\n`);
    const loaded = await loadPolicy(path);
    expect(loaded).toEqual({
      policy: { apiVersion: 'image-gate/v1', rules: { 'non-root': true } },
      source: path,
      // `printf 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n' | sha256sum`
      digest: 'sha256:9629735068f084c1317988fe3895bdc62beb98db8a1e92310a4160c3a7826c3b',
      builtIn: false,
    });
  });

  it('reports a missing file as a policy error', async () => {
    const path = join(dir, 'nope.yml');
    await expect(loadPolicy(path)).rejects.toMatchObject({
      code: 'policy',
      message: `cannot read policy file ${path}: no such file`,
    });
  });

  it('refuses bytes that are not UTF-8', async () => {
    const path = join(dir, 'latin1.yml');
    await writeFile(path, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    await expect(loadPolicy(path)).rejects.toMatchObject({
      code: 'policy',
      message: `${path}: the policy file is not valid UTF-8 text`,
    });
  });

  it('names the path as given in positioned errors', async () => {
    const path = join(dir, 'bad.yml');
    await writeFile(path, `${HEAD}rules:\n  non_root: true\n`);
    await expect(loadPolicy(path)).rejects.toMatchObject({
      message: `${path}:3:3: unknown key "non_root" in rules (did you mean "non-root"?)`,
      location: { file: path, line: 3, column: 3 },
    });
  });

  it('without a path, is the built-in default', async () => {
    const loaded = await loadPolicy();
    expect(loaded).toEqual(builtInPolicy());
    expect(loaded).toMatchObject({
      source: 'built-in default',
      builtIn: true,
      policy: {
        apiVersion: 'image-gate/v1',
        rules: {
          'non-root': true,
          secrets: { allowPaths: [] },
          vulnerabilities: {
            severity: 'critical',
            ignoreUnfixed: false,
            scope: 'all',
            ignore: [],
            acceptUnknownDbAge: false,
            failOnNoPackages: false,
          },
        },
      },
    });
    expect(loaded.policy.rules['base-image']).toBeUndefined();
    expect(loaded.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(BUILT_IN_POLICY_TEXT.startsWith('apiVersion: image-gate/v1\n')).toBe(true);
  });
});

describe('example policies', async () => {
  const examples = join(import.meta.dirname, '../../../examples/policies');
  const files = (await readdir(examples)).filter((f) => f.endsWith('.yml')).sort();
  const schema = JSON.parse(
    await readFile(join(import.meta.dirname, '../../../schema/policy.schema.json'), 'utf8'),
  ) as object;

  it('there are several', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s loads through loadPolicy', async (file) => {
    const loaded = await loadPolicy(join(examples, file));
    expect(loaded.builtIn).toBe(false);
  });

  it.each(files)('%s validates against the JSON Schema with ajv directly', async (file) => {
    const text = await readFile(join(examples, file), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../schema/policy.schema.json',
    );
    const validate = createPolicyAjv().compile(schema);
    const ok = validate(load(text, { schema: CORE_SCHEMA }));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema documents every property for editors', () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const props = (node as { properties?: Record<string, object> }).properties ?? {};
      for (const [key, sub] of Object.entries(props)) {
        const s = sub as { description?: string; $ref?: string };
        if (!s.description && !s.$ref) missing.push(`${path}.${key}`);
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${path}.${key}`);
    };
    visit(schema, '$');
    expect(missing).toEqual([]);
  });
});

describe('did you mean', () => {
  it.each([
    ['non_root', ['non-root', 'secrets'], 'non-root'],
    ['hgih', ['critical', 'high', 'medium', 'low', 'unknown'], 'high'],
    ['critcal', ['critical', 'high'], 'critical'],
    ['foo', ['low', 'high'], undefined],
    ['x', ['a'], undefined],
    ['ALLOWED', ['allowed'], 'allowed'],
  ])('%s → %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('hgih', 'high')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('parsePolicy: hostile input', () => {
  it('refuses alias bombs before validating them', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++) {
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    }
    const text = `${HEAD}rules:\n  non-root: true\n${lines.join('\n')}\n`;
    expect(errorOf(text).message).toBe(
      'policy.yml:1:1: the policy has more than 100000 values (aliases included)',
    );
  });
});
