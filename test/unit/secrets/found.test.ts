import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { maskFoundSecrets, rememberSecret } from '../../../src/analyze/secrets/found.js';

const random = (): string => randomBytes(18).toString('base64url');

test('a few remembered secrets are masked wherever they are quoted', () => {
  const a = random();
  rememberSecret(a);
  expect(maskFoundSecrets(`/app/${a}/x and ${a}`)).toBe('/app/****/x and ****');
  expect(maskFoundSecrets('nothing here')).toBe('nothing here');
});

test('many remembered secrets: every one masked in one pass, longest first', () => {
  const many = Array.from({ length: 500 }, random);
  for (const v of many) rememberSecret(v);
  const longer = `${many[7]!}EXTRA99`;
  rememberSecret(longer);
  const text = `a ${many[0]!} b ${many[499]!}/${many[250]!} c ${longer} d`;
  expect(maskFoundSecrets(text)).toBe('a **** b ****/**** c **** d');
});

test('PEM bodies are remembered line by line; short values and digests are not', () => {
  const line = randomBytes(48).toString('base64');
  rememberSecret(`\n${line}\n${randomBytes(48).toString('base64')}\n`);
  expect(maskFoundSecrets(`x ${line} y`)).toBe('x **** y');
  rememberSecret('short');
  expect(maskFoundSecrets('a short one')).toBe('a short one');
  const hex = randomBytes(32).toString('hex');
  rememberSecret(hex);
  expect(maskFoundSecrets(`sha256:${hex}`)).toBe(`sha256:${hex}`);
});
