/**
 * Sign through the CLI, then verify with image-gate's own verifier, on the local registry
 * (distribution 2.8: no referrers API, so bundles go to the fallback tag index) and on a
 * registry with the referrers API. Needs Node 22.22+/24 (sigstore's packages); on Node 20 the
 * commands must refuse, which node20-refusal.test.ts proves.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../../src/image/registry/client.js';
import { verifyImage } from '../../../src/sign/verify.js';
import { testEnv } from '../../helpers/env.js';
import {
  copyTestImage,
  freshRepo,
  startReferrersRegistry,
  writeKeyPair,
  runCliCaptured,
} from '../../helpers/sign-env.js';

let dir: string;
let policy: string;
let failPolicy: string;
let keys: Awaited<ReturnType<typeof writeKeyPair>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-sign-'));
  policy = join(dir, 'pass.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n');
  failPolicy = join(dir, 'fail.yml');
  await writeFile(
    failPolicy,
    `apiVersion: image-gate/v1\nrules:\n  base-image:\n    allowed:\n      - docker://${testEnv().registry}/image-gate-test/base-b:latest\n`,
  );
  keys = await writeKeyPair(dir, 'cosign');
  process.env.COSIGN_PASSWORD = keys.password;
});

const cli = runCliCaptured;

describe('sign then verify (Node with sigstore support)', () => {
  const client = new RegistryClient({ retries: 0 });
  let referrers: { registry: string; stop: () => void };
  beforeAll(async () => {
    referrers = await startReferrersRegistry();
  });
  afterAll(() => referrers?.stop());

  test('fallback-tag registry: check --sign writes both formats, verify accepts them', async () => {
    const ref = await copyTestImage('good', freshRepo('good'));
    const signed = await cli('check', ref, '--policy', policy, '--sign', '--key', keys.keyPath);
    expect(signed.code, signed.err).toBe(0);
    expect(signed.err).toMatch(/bundle signature/);
    expect(signed.err).toMatch(/legacy-sig signature/);
    expect(signed.err).toMatch(/legacy-att attestation/);
    const verified = await cli(
      'verify',
      ref,
      '--key',
      keys.pubPath,
      '--require-attestation',
      '--max-age',
      '1h',
    );
    expect(verified.code, verified.out + verified.err).toBe(0);
    expect(verified.out).toMatch(/VERIFIED/);
    const json = await cli(
      'verify',
      ref,
      '--key',
      keys.pubPath,
      '--format',
      'json',
      '--max-age',
      '1h',
    );
    const result = JSON.parse(json.out) as {
      status: string;
      entries: { format: string; ok: boolean }[];
    };
    expect(result.status).toBe('verified');
    expect(
      result.entries
        .filter((e) => e.ok)
        .map((e) => e.format)
        .sort(),
    ).toEqual(['bundle', 'bundle', 'legacy-att', 'legacy-sig']);
    const stale = await cli('verify', ref, '--key', keys.pubPath, '--max-age', '0s');
    expect(stale.code).toBe(1);
    expect(stale.out).toMatch(/NOT VERIFIED \(verdict-stale\)/);
  });

  test('referrers API registry: bundles are found through the API, no fallback tag', async () => {
    const ref = await copyTestImage('good', freshRepo('api'), 'v1', referrers.registry);
    const signed = await cli('sign', ref, '--policy', policy, '--key', keys.keyPath);
    expect(signed.code, signed.err).toBe(0);
    const [registry, ...rest] = ref.split('/');
    const repository = rest.join('/').replace(/:v1$/, '');
    const tags = await client.listTags({ registry: registry!, repository });
    expect(tags.filter((t) => /^sha256-[a-f0-9]{64}$/.test(t))).toEqual([]);
    const result = await verifyImage(
      ref,
      { publicKey: keys.key.publicKey, requireAttestation: true },
      { client },
    );
    expect(result.status, result.message).toBe('verified');
    expect(result.entries.filter((e) => e.format === 'bundle' && e.ok)).toHaveLength(2);
  });

  test('a multi-platform image with --recursive: the index and the gated platform manifest', async () => {
    const repo = freshRepo('recursive');
    const ref = await copyTestImage('multi-arch', repo);
    const signed = await cli(
      'sign',
      ref,
      '--policy',
      policy,
      '--key',
      keys.keyPath,
      '--recursive',
      '--platform',
      'linux/arm64',
    );
    expect(signed.code, signed.err).toBe(0);
    const digests = [
      ...new Set([...signed.err.matchAll(/signed (sha256:[a-f0-9]{64})/g)].map((m) => m[1])),
    ];
    expect(digests).toHaveLength(2);
    for (const digest of digests) {
      const result = await verifyImage(
        { registry: testEnv().registry, repository: repo, digest: digest! },
        { publicKey: keys.key.publicKey, requireAttestation: true },
        { client },
      );
      expect(result.status, result.message).toBe('verified');
    }
  });

  test('a failing verdict is never signed: nothing is written', async () => {
    const repo = freshRepo('fail');
    const ref = await copyTestImage('good', repo);
    const res = await cli('check', ref, '--policy', failPolicy, '--sign', '--key', keys.keyPath);
    expect(res.code).toBe(1);
    const tags = await client.listTags({ registry: testEnv().registry, repository: repo });
    expect(tags).toEqual(['v1']);
  });
});
