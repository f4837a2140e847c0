/**
 * Real cosign (v3.1.3, built from the Go module proxy by test/env/scanners.sh) as the
 * independent verifier of what image-gate writes, in both formats and on both kinds of
 * registry, and as the signer of what image-gate verifies. No transparency log anywhere:
 * key-signed entries are checked with --insecure-ignore-tlog, as the README tells users.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../../src/commands/check.js';
import { MANIFEST_ACCEPT } from '../../../src/image/manifest.js';
import { RegistryClient, type RepositoryRef } from '../../../src/image/registry/client.js';
import { silentLogger } from '../../../src/log.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { loadSigningKey } from '../../../src/sign/keys.js';
import { type SignFormats, signVerdict } from '../../../src/sign/sign.js';
import { verifyImage } from '../../../src/sign/verify.js';
import { testEnv } from '../../helpers/env.js';
import {
  COSIGN,
  copyTestImage,
  exec,
  freshRepo,
  startReferrersRegistry,
  writeKeyPair,
} from '../../helpers/sign-env.js';

const VSA = 'https://slsa.dev/verification_summary/v1';
const client = new RegistryClient({ retries: 0 });

let dir: string;
let policy: string;
let keys: Awaited<ReturnType<typeof writeKeyPair>>;
let other: Awaited<ReturnType<typeof writeKeyPair>>;
let referrers: { registry: string; stop: () => void };

interface Signed {
  /** `host/repo@sha256:…`, what cosign is given. */
  pinned: string;
  repo: RepositoryRef;
  digest: string;
  verdict: Verdict;
}

/** Copies a test image, gates it for real, signs it with image-gate in `formats`. */
async function gateAndSign(
  label: string,
  formats: SignFormats,
  registry = testEnv().registry,
  image = 'good',
): Promise<Signed> {
  const repository = freshRepo(label);
  await copyTestImage(image, repository, 'v1', registry);
  const repo = { registry, repository };
  const top = await client.getManifest(repo, 'v1', MANIFEST_ACCEPT);
  const verdict = await check({
    image: `docker://${registry}/${repository}:v1`,
    policyPath: policy,
    log: silentLogger,
  });
  expect(verdict.decision).toBe('pass');
  await signVerdict({
    client,
    repo,
    subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
    key: keys.key,
    verdict,
    formats,
  });
  return { pinned: `${registry}/${repository}@${top.digest}`, repo, digest: top.digest, verdict };
}

function cosign(...args: string[]) {
  return exec(COSIGN, args, { COSIGN_PASSWORD: keys.password });
}

function cosignVerify(pub: string, image: string, ...extra: string[]) {
  return cosign(
    'verify',
    '--key',
    pub,
    '--insecure-ignore-tlog=true',
    '--allow-insecure-registry',
    ...extra,
    image,
  );
}

function cosignVerifyVsa(pub: string, image: string, ...extra: string[]) {
  return cosign(
    'verify-attestation',
    '--key',
    pub,
    '--type',
    VSA,
    '--insecure-ignore-tlog=true',
    '--allow-insecure-registry',
    ...extra,
    image,
  );
}

/** The VSA predicates cosign printed (one JSON envelope per line). */
function printedVerdicts(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { payload: string })
    .map(
      (e) =>
        JSON.parse(Buffer.from(e.payload, 'base64').toString()) as {
          predicate: Record<string, unknown>;
        },
    )
    .map((s) => s.predicate);
}

beforeAll(async () => {
  if (!existsSync(COSIGN))
    throw new Error(`cosign is not built at ${COSIGN}: run bash test/env/scanners.sh cosign`);
  dir = await mkdtemp(join(tmpdir(), 'ig-cosign-'));
  policy = join(dir, 'pass.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n');
  keys = await writeKeyPair(dir, 'gate');
  other = await writeKeyPair(dir, 'other');
  referrers = await startReferrersRegistry();
});

afterAll(() => referrers?.stop());

describe('cosign accepts what image-gate writes', () => {
  test('both formats, fallback tag registry: cosign v3 verify (bundle) and the legacy path both pass', async () => {
    const s = await gateAndSign('both', { legacy: true, bundle: true });
    const bundle = await cosignVerify(keys.pubPath, s.pinned);
    expect(bundle.code, bundle.stderr).toBe(0);
    const legacy = await cosignVerify(keys.pubPath, s.pinned, '--new-bundle-format=false');
    expect(legacy.code, legacy.stderr).toBe(0);
    expect(legacy.stdout).toContain(`"docker-manifest-digest":"${s.digest}"`);
    for (const extra of [[], ['--new-bundle-format=false']]) {
      const att = await cosignVerifyVsa(keys.pubPath, s.pinned, ...extra);
      expect(att.code, att.stderr).toBe(0);
      const [vsa] = printedVerdicts(att.stdout);
      expect(vsa).toMatchObject({
        verificationResult: 'PASSED',
        resourceUri: `oci://${s.repo.registry}/${s.repo.repository}@${s.digest}`,
        policy: { digest: { sha256: s.verdict.policy.digest.replace('sha256:', '') } },
        timeVerified: s.verdict.checkedAt,
      });
    }
  });

  test('legacy only (.sig/.att): cosign v3 falls back to them when no bundle exists', async () => {
    const s = await gateAndSign('legacy', { legacy: true, bundle: false });
    expect((await cosignVerify(keys.pubPath, s.pinned)).code).toBe(0);
    expect((await cosignVerifyVsa(keys.pubPath, s.pinned)).code).toBe(0);
  });

  test('bundles through the referrers API: cosign finds and accepts them', async () => {
    const s = await gateAndSign('api', { legacy: false, bundle: true }, referrers.registry);
    const sig = await cosignVerify(keys.pubPath, s.pinned);
    expect(sig.code, sig.stderr).toBe(0);
    const att = await cosignVerifyVsa(keys.pubPath, s.pinned);
    expect(att.code, att.stderr).toBe(0);
  });

  test('a multi-platform image: cosign accepts the signature on the index digest', async () => {
    const s = await gateAndSign('multi', {}, testEnv().registry, 'multi-arch');
    expect(s.digest).not.toBe(s.verdict.image.digest);
    expect((await cosignVerify(keys.pubPath, s.pinned)).code).toBe(0);
    expect((await cosignVerifyVsa(keys.pubPath, s.pinned)).code).toBe(0);
  });

  test('cosign refuses image-gate signatures under another key, in both formats', async () => {
    const s = await gateAndSign('wrongkey', {});
    expect((await cosignVerify(other.pubPath, s.pinned)).code).not.toBe(0);
    expect(
      (await cosignVerify(other.pubPath, s.pinned, '--new-bundle-format=false')).code,
    ).not.toBe(0);
    expect((await cosignVerifyVsa(other.pubPath, s.pinned)).code).not.toBe(0);
  });

  test('cosign signs with the key image-gate generate-key-pair wrote', async () => {
    const repository = freshRepo('genkey');
    await copyTestImage('good', repository);
    const top = await client.getManifest(
      { registry: testEnv().registry, repository },
      'v1',
      MANIFEST_ACCEPT,
    );
    const pinned = `${testEnv().registry}/${repository}@${top.digest}`;
    const signed = await cosign(
      'sign',
      '--key',
      keys.keyPath,
      '--new-bundle-format=false',
      '--use-signing-config=false',
      '--tlog-upload=false',
      '--allow-insecure-registry',
      '-y',
      pinned,
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect((await cosignVerify(keys.pubPath, pinned)).code).toBe(0);
  });
});

describe('image-gate verifies what cosign signed', () => {
  let cosignKey: { keyPath: string; pubPath: string };
  beforeAll(async () => {
    const prefix = join(dir, 'made-by-cosign');
    const made = await exec(COSIGN, ['generate-key-pair', '--output-key-prefix', prefix], {
      COSIGN_PASSWORD: 'cosign-pw',
    });
    expect(made.code, made.stderr).toBe(0);
    cosignKey = { keyPath: `${prefix}.key`, pubPath: `${prefix}.pub` };
  });

  test("cosign's encrypted key file is decrypted by image-gate (and refused with the wrong password)", async () => {
    const pem = await readFile(cosignKey.keyPath, 'utf8');
    const key = loadSigningKey(pem, () => 'cosign-pw', cosignKey.keyPath);
    expect(key.publicKeyPem.trim()).toBe((await readFile(cosignKey.pubPath, 'utf8')).trim());
    expect(() => loadSigningKey(pem, () => 'nope', cosignKey.keyPath)).toThrow(/wrong password/);
  });

  test('a cosign v3 bundle signature and a legacy .sig, and a cosign attestation of a VSA', async () => {
    const repository = freshRepo('bycosign');
    await copyTestImage('good', repository);
    const repo = { registry: testEnv().registry, repository };
    const top = await client.getManifest(repo, 'v1', MANIFEST_ACCEPT);
    const pinned = `${repo.registry}/${repository}@${top.digest}`;
    const target = { ...repo, digest: top.digest };
    const env = { COSIGN_PASSWORD: 'cosign-pw' };
    const signingConfig = join(dir, 'no-services.json');
    expect((await exec(COSIGN, ['signing-config', 'create', '--out', signingConfig])).code).toBe(0);
    const bundle = await exec(
      COSIGN,
      [
        'sign',
        '--key',
        cosignKey.keyPath,
        '--signing-config',
        signingConfig,
        '--allow-insecure-registry',
        '-y',
        pinned,
      ],
      env,
    );
    expect(bundle.code, bundle.stderr).toBe(0);
    const { pubPath } = cosignKey;
    const publicKey = (await import('../../../src/sign/keys.js')).loadPublicKey(
      await readFile(pubPath, 'utf8'),
      pubPath,
    );
    let result = await verifyImage(target, { publicKey }, { client });
    expect(result.status, result.message).toBe('verified');
    expect(result.status === 'verified' && result.signature.format).toBe('bundle');

    const legacy = await exec(
      COSIGN,
      [
        'sign',
        '--key',
        cosignKey.keyPath,
        '--new-bundle-format=false',
        '--use-signing-config=false',
        '--tlog-upload=false',
        '--allow-insecure-registry',
        '-y',
        pinned,
      ],
      env,
    );
    expect(legacy.code, legacy.stderr).toBe(0);
    result = await verifyImage(target, { publicKey }, { client });
    expect(
      result.entries
        .filter((e) => e.ok && e.kind === 'signature')
        .map((e) => e.format)
        .sort(),
    ).toEqual(['bundle', 'legacy-sig']);

    const predicate = join(dir, 'vsa.json');
    await writeFile(
      predicate,
      JSON.stringify({
        verifier: { id: 'https://example.org/other-gate' },
        timeVerified: new Date().toISOString(),
        resourceUri: `oci://${pinned}`,
        policy: { uri: 'https://example.org/policy', digest: { sha256: 'a'.repeat(64) } },
        verificationResult: 'PASSED',
        verifiedLevels: ['OTHER_GATE_OK'],
      }),
    );
    const attested = await exec(
      COSIGN,
      [
        'attest',
        '--key',
        cosignKey.keyPath,
        '--type',
        VSA,
        '--predicate',
        predicate,
        '--signing-config',
        signingConfig,
        '--allow-insecure-registry',
        '-y',
        pinned,
      ],
      env,
    );
    expect(attested.code, attested.stderr).toBe(0);
    result = await verifyImage(
      target,
      { publicKey, requireAttestation: true, maxAgeMs: 3_600_000, policyDigest: 'a'.repeat(64) },
      { client },
    );
    expect(result.status, result.message).toBe('verified');
    expect(result.status === 'verified' && result.attestation?.format).toBe('bundle');
  });
});
