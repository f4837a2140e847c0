/**
 * The action's `sign: true` with the real gate: a passing image is signed and the outputs name
 * what was written (cosign accepts it); a failing image writes nothing and outputs stay empty.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ActionConfig } from '../../../src/action/config.js';
import { checkGate } from '../../../src/action/gate.js';
import { runAction } from '../../../src/action/run.js';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { testEnv } from '../../helpers/env.js';
import { COSIGN, copyTestImage, exec, freshRepo, writeKeyPair } from '../../helpers/sign-env.js';
import { startMockSigstore } from '../../helpers/sigstore-mock.js';
import { recordingIo } from '../../unit/action/io-fake.js';

let dir: string;
let keys: Awaited<ReturnType<typeof writeKeyPair>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-action-sign-'));
  keys = await writeKeyPair(dir, 'cosign');
});

async function run(image: string, policy: string, sign?: ActionConfig['sign']) {
  const policyPath = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(policyPath, policy);
  const config: ActionConfig = {
    images: [image],
    policyPath,
    scanners: [],
    scannerVersions: {},
    fail: true,
    comment: 'never',
    summary: false,
    sign: sign ?? {
      keyPem: await readFile(keys.keyPath, 'utf8'),
      password: keys.password,
      legacy: true,
    },
  };
  const { io, rec } = recordingIo();
  const env = { GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir, GITHUB_REPOSITORY: 'acme/api' };
  const result = await runAction(config, { io, env, gate: checkGate });
  return { result, rec };
}

describe('action sign: true', () => {
  test('a passing image is signed; outputs name the manifests; cosign accepts them', async () => {
    const ref = await copyTestImage('good', freshRepo('action'));
    const { result, rec } = await run(ref, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n');
    expect(result.decision, JSON.stringify(rec.annotations)).toBe('pass');
    const digest = rec.outputs['signed-digests']!;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(rec.outputs.signatures!.split('\n')).toHaveLength(2);
    expect(rec.outputs.attestations!.split('\n')).toHaveLength(2);
    const pinned = `${ref.replace(/:v1$/, '')}@${digest}`;
    const verified = await exec(COSIGN, [
      'verify-attestation',
      '--key',
      keys.pubPath,
      '--type',
      'https://slsa.dev/verification_summary/v1',
      '--insecure-ignore-tlog=true',
      '--allow-insecure-registry',
      pinned,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  test('keyless (mock Fulcio and TSA on loopback, SIGSTORE_ID_TOKEN): bundles only', async () => {
    const mock = await startMockSigstore();
    const root = join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(mock.trustedRoot));
    process.env.SIGSTORE_ID_TOKEN = mock.token({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:acme/api:ref:refs/tags/v1',
    });
    try {
      const ref = await copyTestImage('good', freshRepo('action-keyless'));
      const { result, rec } = await run(
        ref,
        'apiVersion: image-gate/v1\nrules:\n  non-root: true\n',
        {
          legacy: false,
          keyless: { fulcioURL: mock.url, tsaURL: mock.url, trustedRootPath: root },
        },
      );
      expect(result.decision, JSON.stringify(rec.annotations)).toBe('pass');
      expect(rec.outputs.signatures!.split('\n')).toHaveLength(1);
      expect(rec.outputs.attestations!.split('\n')).toHaveLength(1);
    } finally {
      delete process.env.SIGSTORE_ID_TOKEN;
      await mock.stop();
    }
  });

  test('a failing image is not signed: nothing written, outputs empty', async () => {
    const repository = freshRepo('action-fail');
    const ref = await copyTestImage('root-default', repository);
    const { result, rec } = await run(ref, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n');
    expect(result.decision).toBe('fail');
    expect(rec.outputs['signed-digests']).toBe('');
    expect(rec.outputs.signatures).toBe('');
    const tags = await new RegistryClient().listTags({ registry: testEnv().registry, repository });
    expect(tags).toEqual(['v1']);
  });
});
