/**
 * Keyless signing through @sigstore/sign against sigstore's mock Fulcio, CT log, TSA and Rekor
 * on loopback, stored in the real registry, verified by identity under the mock trusted root.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../../src/commands/check.js';
import { MANIFEST_ACCEPT } from '../../../src/image/manifest.js';
import { RegistryClient, type RepositoryRef } from '../../../src/image/registry/client.js';
import { silentLogger } from '../../../src/log.js';
import type { KeylessIdentity } from '../../../src/sign/entries.js';
import { signVerdict } from '../../../src/sign/sign.js';
import { SignatureStore } from '../../../src/sign/store.js';
import { verifyImage } from '../../../src/sign/verify.js';
import { testEnv } from '../../helpers/env.js';
import {
  COSIGN,
  copyTestImage,
  exec,
  freshRepo,
  runCliCaptured,
  writeKeyPair,
} from '../../helpers/sign-env.js';
import { type MockSigstore, startMockSigstore } from '../../helpers/sigstore-mock.js';

const client = new RegistryClient({ retries: 0 });
const ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW = 'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1';

let mock: MockSigstore;
let policy: string;
let dir: string;

beforeAll(async () => {
  mock = await startMockSigstore();
  dir = await mkdtemp(join(tmpdir(), 'ig-keyless-'));
  policy = join(dir, 'pass.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n');
});
afterAll(() => mock?.stop());

function identity(overrides: Partial<KeylessIdentity> = {}): KeylessIdentity {
  return {
    trustedRoot: mock.trustedRoot,
    subject: WORKFLOW,
    issuer: ISSUER,
    workflowRepository: 'acme/api',
    ...overrides,
  };
}

async function signKeyless(label: string, tlog: boolean) {
  const repository = freshRepo(label);
  await copyTestImage('good', repository);
  const repo: RepositoryRef = { registry: testEnv().registry, repository };
  const top = await client.getManifest(repo, 'v1', MANIFEST_ACCEPT);
  const verdict = await check({
    image: `docker://${repo.registry}/${repository}:v1`,
    policyPath: policy,
    log: silentLogger,
  });
  const token = mock.token({ iss: ISSUER, sub: WORKFLOW, repository: 'acme/api' });
  const result = await signVerdict({
    client,
    repo,
    subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
    verdict,
    keyless: {
      fulcioURL: mock.url,
      tsaURL: mock.url,
      ...(tlog ? { tlog: { rekorURL: mock.url } } : {}),
      identityToken: async () => token,
      verify: identity(),
    },
  });
  return { repo, digest: top.digest, result };
}

describe('keyless signing (mock Fulcio, CT log, TSA, Rekor on loopback)', () => {
  test('tlog off by default: bundles with a certificate and a TSA timestamp, no log entry; verified by identity', async () => {
    const { repo, digest, result } = await signKeyless('keyless', false);
    expect(result.written.map((w) => `${w.format} ${w.kind}`)).toEqual([
      'bundle signature',
      'bundle attestation',
    ]);
    const bundles = await new SignatureStore(client, repo).readBundles(digest);
    for (const b of bundles) {
      const json = JSON.parse(b.blob.toString()) as {
        verificationMaterial: {
          certificate?: unknown;
          tlogEntries?: unknown[];
          timestampVerificationData?: { rfc3161Timestamps?: unknown[] };
        };
      };
      expect(json.verificationMaterial.certificate).toBeDefined();
      expect(json.verificationMaterial.tlogEntries ?? []).toHaveLength(0);
      expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(
        1,
      );
    }
    const verified = await verifyImage(
      { ...repo, digest },
      { keyless: identity(), requireAttestation: true },
      { client },
    );
    expect(verified.status, verified.message).toBe('verified');
  });

  test('cosign verifies the keyless bundles by identity under the same trusted root', async () => {
    const { repo, digest } = await signKeyless('keyless-cosign', false);
    const root = join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(mock.trustedRoot));
    const image = `${repo.registry}/${repo.repository}@${digest}`;
    const common = [
      '--trusted-root',
      root,
      '--certificate-identity',
      WORKFLOW,
      '--certificate-oidc-issuer',
      ISSUER,
      '--insecure-ignore-tlog=true',
      '--allow-insecure-registry',
    ];
    const sig = await exec(COSIGN, ['verify', ...common, image]);
    expect(sig.code, sig.stderr).toBe(0);
    const att = await exec(COSIGN, [
      'verify-attestation',
      '--type',
      'https://slsa.dev/verification_summary/v1',
      ...common,
      image,
    ]);
    expect(att.code, att.stderr).toBe(0);
    const wrong = await exec(COSIGN, [
      'verify',
      ...common.map((a) => (a === WORKFLOW ? `${WORKFLOW}x` : a)),
      image,
    ]);
    expect(wrong.code).not.toBe(0);
  });

  test('image-gate verify with the keyless flags (cosign names), by tag', async () => {
    const { repo } = await signKeyless('keyless-cli', false);
    const root = join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(mock.trustedRoot));
    const image = `${repo.registry}/${repo.repository}:v1`;
    const flags = [
      '--certificate-oidc-issuer',
      ISSUER,
      '--trusted-root',
      root,
      '--require-attestation',
    ];
    const ok = await runCliCaptured('verify', image, '--certificate-identity', WORKFLOW, ...flags);
    expect(ok.code, ok.out + ok.err).toBe(0);
    const re = await runCliCaptured(
      'verify',
      image,
      '--certificate-identity-regexp',
      '^https://github\\.com/acme/',
      '--certificate-github-workflow-repository',
      'acme/api',
      ...flags,
    );
    expect(re.code, re.out + re.err).toBe(0);
    const wrong = await runCliCaptured(
      'verify',
      image,
      '--certificate-identity',
      'someone@example.org',
      ...flags,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/does not verify for this identity/);
  });

  test('image-gate sign --keyless with SIGSTORE_ID_TOKEN, then verify by identity', async () => {
    const repository = freshRepo('keyless-sign-cli');
    const ref = await copyTestImage('good', repository);
    const root = join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(mock.trustedRoot));
    process.env.SIGSTORE_ID_TOKEN = mock.token({
      iss: ISSUER,
      sub: WORKFLOW,
      repository: 'acme/api',
    });
    try {
      const signed = await runCliCaptured(
        'sign',
        ref,
        '--policy',
        policy,
        '--keyless',
        '--trusted-root',
        root,
        '--fulcio-url',
        mock.url,
        '--tsa-url',
        mock.url,
      );
      expect(signed.code, signed.err).toBe(0);
      expect(signed.err).toMatch(/bundle signature/);
      expect(signed.err).not.toMatch(/legacy/);
    } finally {
      delete process.env.SIGSTORE_ID_TOKEN;
    }
    const verified = await runCliCaptured(
      'verify',
      ref,
      '--certificate-identity',
      WORKFLOW,
      '--certificate-oidc-issuer',
      ISSUER,
      '--trusted-root',
      root,
      '--require-attestation',
    );
    expect(verified.code, verified.out).toBe(0);
  });

  test('tlog: true adds a Rekor entry', async () => {
    const { repo, digest } = await signKeyless('keyless-tlog', true);
    const [b] = await new SignatureStore(client, repo).readBundles(digest);
    const json = JSON.parse(b!.blob.toString()) as {
      verificationMaterial: { tlogEntries?: unknown[] };
    };
    expect(json.verificationMaterial.tlogEntries).toHaveLength(1);
    const verified = await verifyImage({ ...repo, digest }, { keyless: identity() }, { client });
    expect(verified.status, verified.message).toBe('verified');
  });

  test('another identity, issuer or repository is refused; so is a key', async () => {
    const { repo, digest } = await signKeyless('keyless-who', false);
    const target = { ...repo, digest };
    for (const other of [
      identity({
        subject: 'https://github.com/evil/api/.github/workflows/release.yml@refs/tags/v1',
      }),
      identity({ issuer: 'https://accounts.google.com' }),
      identity({ workflowRepository: 'evil/api' }),
    ]) {
      const r = await verifyImage(target, { keyless: other }, { client });
      expect(r.status).toBe('invalid-signature');
      expect(r.entries.every((e) => /does not verify for this identity/.test(e.reason ?? ''))).toBe(
        true,
      );
    }
    const keys = await writeKeyPair(dir, `k${Date.now()}`);
    const byKey = await verifyImage(target, { publicKey: keys.key.publicKey }, { client });
    expect(byKey.status).toBe('invalid-signature');
    expect(byKey.entries[0]!.reason).toMatch(/signed keyless/);
  });

  test('a regular expression identity, as --certificate-identity-regexp', async () => {
    const { repo, digest } = await signKeyless('keyless-re', false);
    const ok = await verifyImage(
      { ...repo, digest },
      { keyless: identity({ subject: /^https:\/\/github\.com\/acme\/api\// }) },
      { client },
    );
    expect(ok.status).toBe('verified');
  });

  test('legacy formats cannot be asked for keyless', async () => {
    const repo = { registry: testEnv().registry, repository: freshRepo('keyless-legacy') };
    await expect(
      signVerdict({
        client,
        repo,
        subject: { mediaType: 'x', digest: `sha256:${'0'.repeat(64)}`, size: 1 },
        verdict: { decision: 'pass', rules: [] } as never,
        formats: { legacy: true },
        keyless: {
          fulcioURL: mock.url,
          tsaURL: mock.url,
          identityToken: async () => '',
          verify: identity(),
        },
      }),
    ).rejects.toThrow(/legacy .* need a key/);
  });
});
