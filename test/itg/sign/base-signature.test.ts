/**
 * `base-image: require-signature`: the matched base must be signed by the key. The base is signed
 * by real cosign (an independent signer), the image is gated for real.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../../src/commands/check.js';
import { MANIFEST_ACCEPT } from '../../../src/image/manifest.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { silentLogger } from '../../../src/log.js';
import { testEnv } from '../../helpers/env.js';
import { COSIGN, copyTestImage, exec, freshRepo, writeKeyPair } from '../../helpers/sign-env.js';

const client = new RegistryClient({ retries: 0 });
let dir: string;
let signedBase: string;
let unsignedBase: string;
let app: string;

beforeAll(async () => {
  if (!existsSync(COSIGN)) throw new Error(`cosign is not built at ${COSIGN}`);
  dir = await mkdtemp(join(tmpdir(), 'ig-base-sig-'));
  const keys = await writeKeyPair(dir, 'base');
  await writeKeyPair(dir, 'other');
  const repository = freshRepo('base');
  signedBase = await copyTestImage('base-a', repository);
  unsignedBase = await copyTestImage('base-a', freshRepo('base-unsigned'));
  app = `docker://${await copyTestImage('good', freshRepo('app'))}`;
  const top = await client.getManifest(
    { registry: testEnv().registry, repository },
    'v1',
    MANIFEST_ACCEPT,
  );
  const config = join(dir, 'no-services.json');
  expect((await exec(COSIGN, ['signing-config', 'create', '--out', config])).code).toBe(0);
  const signed = await exec(
    COSIGN,
    [
      'sign',
      '--key',
      keys.keyPath,
      '--signing-config',
      config,
      '--allow-insecure-registry',
      '-y',
      `${testEnv().registry}/${repository}@${top.digest}`,
    ],
    { COSIGN_PASSWORD: keys.password },
  );
  expect(signed.code, signed.stderr).toBe(0);
});

async function gate(base: string, key: string) {
  const policy = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(
    policy,
    `apiVersion: image-gate/v1\nrules:\n  base-image:\n    allowed: ['docker://${base}']\n    require-signature:\n      key: ${key}\n`,
  );
  const verdict = await check({ image: app, policyPath: policy, log: silentLogger });
  return verdict.rules.find((r) => r.rule === 'base-image')!;
}

describe('base-image require-signature', () => {
  test('a base signed by the key passes (key path relative to the policy file)', async () => {
    const rule = await gate(signedBase, 'base.pub');
    expect(rule.status, rule.summary).toBe('pass');
    expect(rule.summary).toMatch(/signed by the required key \(bundle\)/);
  });

  test('a base signed by another key fails', async () => {
    const rule = await gate(signedBase, 'other.pub');
    expect(rule.status).toBe('fail');
    expect(rule.summary).toMatch(/not signed by the required key/);
  });

  test('an unsigned base fails', async () => {
    const rule = await gate(unsignedBase, 'base.pub');
    expect(rule.status).toBe('fail');
    expect(rule.summary).toMatch(/no signature found/);
  });

  test('a key that cannot be read is an error, never a pass', async () => {
    const rule = await gate(signedBase, 'missing.pub');
    expect(rule.status).toBe('error');
  });
});
