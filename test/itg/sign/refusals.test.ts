/**
 * What `verifyImage` must refuse, each case built the way an attacker would try it, plus the
 * survival of other signers and other tools' referrers. Real registry (distribution 2.8, no
 * referrers API: the fallback tag index), real verdicts from `check`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { check } from '../../../src/commands/check.js';
import { sha256 } from '../../../src/image/digest.js';
import { MANIFEST_ACCEPT } from '../../../src/image/manifest.js';
import { RegistryClient, type RepositoryRef } from '../../../src/image/registry/client.js';
import { silentLogger } from '../../../src/log.js';
import type { Verdict } from '../../../src/policy/verdict.js';
import { buildAttLayer, buildKeyBundle, buildSigLayer } from '../../../src/sign/entries.js';
import {
  digestTag,
  type ImageIndex,
  type ImageManifest,
  MediaTypes,
  PredicateTypes,
} from '../../../src/sign/formats.js';
import { signVerdict } from '../../../src/sign/sign.js';
import { SignatureStore } from '../../../src/sign/store.js';
import { verifyImage } from '../../../src/sign/verify.js';
import { verdictStatement } from '../../../src/sign/vsa.js';
import { testEnv } from '../../helpers/env.js';
import { copyTestImage, freshRepo, writeKeyPair } from '../../helpers/sign-env.js';

const client = new RegistryClient({ retries: 0 });
const DAY = 86_400_000;

let dir: string;
let policy: string;
let alice: Awaited<ReturnType<typeof writeKeyPair>>;
let bob: Awaited<ReturnType<typeof writeKeyPair>>;

interface Target {
  ref: string;
  repo: RepositoryRef;
  subject: { mediaType: string; digest: string; size: number };
  verdict: Verdict;
}

/** A fresh copy of a test image, gated for real with the pass policy. */
async function gated(image: string, label: string): Promise<Target> {
  const repository = freshRepo(label);
  const ref = await copyTestImage(image, repository);
  const repo = { registry: testEnv().registry, repository };
  const top = await client.getManifest(repo, 'v1', MANIFEST_ACCEPT);
  const verdict = await check({
    // The tag: nothing moves it during a test (gateAndSign itself checks the pinned digest).
    image: `docker://${repo.registry}/${repository}:v1`,
    policyPath: policy,
    log: silentLogger,
  });
  expect(verdict.decision).toBe('pass');
  return {
    ref,
    repo,
    subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
    verdict,
  };
}

function sign(t: Target, who = alice, verdict = t.verdict) {
  return signVerdict({ client, repo: t.repo, subject: t.subject, key: who.key, verdict });
}

function verifyWith(t: Target | string, who = alice, extra: object = {}) {
  return verifyImage(
    typeof t === 'string' ? t : t.ref,
    { publicKey: who.key.publicKey, ...extra },
    { client },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ig-sign-refuse-'));
  policy = join(dir, 'pass.yml');
  await writeFile(policy, 'apiVersion: image-gate/v1\nrules:\n  non-root: true\n  secrets: true\n');
  alice = await writeKeyPair(dir, 'alice');
  bob = await writeKeyPair(dir, 'bob');
});

describe('verify refuses', () => {
  test('an image nobody signed: unsigned', async () => {
    const t = await gated('good', 'unsigned');
    const result = await verifyWith(t);
    expect(result.status).toBe('unsigned');
    expect(result.message).toMatch(/no signature found/);
  });

  test('another key: invalid-signature, every entry says why', async () => {
    const t = await gated('good', 'otherkey');
    await sign(t, alice);
    const result = await verifyWith(t, bob);
    expect(result.status).toBe('invalid-signature');
    expect(result.entries.length).toBe(4);
    for (const e of result.entries) {
      expect(e.ok).toBe(false);
      expect(e.reason).toMatch(/does not verify with this key/);
    }
  });

  test('a changed payload: the .sig payload and the bundle statement rewritten keep their old signatures', async () => {
    const t = await gated('good', 'tamper');
    await sign(t, alice);
    const store = new SignatureStore(client, t.repo);
    // .sig: same signature annotation, payload edited to claim another policy.
    const [layer] = await store.readLayers(t.subject.digest, '.sig');
    const edited = Buffer.from(
      layer!.blob
        .toString()
        .replace(/"dev.image-gate\/result":"PASSED"/, '"dev.image-gate/result":"PASSED","x":"y"'),
    );
    expect(edited.equals(layer!.blob)).toBe(false);
    await client.pushBlob(t.repo, sha256(edited), edited, edited.length);
    const sigManifest = JSON.parse(
      (await client.getManifest(t.repo, digestTag(t.subject.digest, '.sig'))).bytes.toString(),
    ) as ImageManifest;
    sigManifest.layers[0] = {
      ...sigManifest.layers[0]!,
      digest: sha256(edited),
      size: edited.length,
    };
    await client.putManifest(
      t.repo,
      digestTag(t.subject.digest, '.sig'),
      Buffer.from(JSON.stringify(sigManifest)),
      MediaTypes.ociManifest,
    );
    // Bundles: the DSSE payload swapped for another statement, signature kept.
    const bundles = await store.readBundles(t.subject.digest);
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
    for (const b of bundles) {
      const doc = JSON.parse(b.blob.toString()) as { dsseEnvelope: { payload: string } };
      const stmt = JSON.parse(Buffer.from(doc.dsseEnvelope.payload, 'base64').toString()) as {
        predicate: Record<string, unknown>;
      };
      stmt.predicate.tampered = true;
      doc.dsseEnvelope.payload = Buffer.from(JSON.stringify(stmt)).toString('base64');
      const blob = Buffer.from(JSON.stringify(doc));
      await client.pushBlob(t.repo, sha256(blob), blob, blob.length);
      const m = JSON.parse(
        (await client.getManifest(t.repo, b.manifestDigest)).bytes.toString(),
      ) as ImageManifest;
      m.layers[0] = { ...m.layers[0]!, digest: sha256(blob), size: blob.length };
      const bytes = Buffer.from(JSON.stringify(m));
      await client.putManifest(t.repo, sha256(bytes), bytes, MediaTypes.ociManifest);
      index.manifests.push({
        mediaType: MediaTypes.ociManifest,
        digest: sha256(bytes),
        size: bytes.length,
        artifactType: MediaTypes.bundle,
      });
    }
    await client.putManifest(
      t.repo,
      digestTag(t.subject.digest, ''),
      Buffer.from(JSON.stringify(index)),
      MediaTypes.ociIndex,
    );
    // Remove the .att so only tampered signatures remain.
    await client.putManifest(
      t.repo,
      digestTag(t.subject.digest, '.att'),
      Buffer.from(JSON.stringify({ ...sigManifest, layers: [] })),
      MediaTypes.ociManifest,
    );
    const result = await verifyWith(t);
    expect(result.status).toBe('invalid-signature');
    const sig = result.entries.find((e) => e.format === 'legacy-sig')!;
    expect(sig.reason).toMatch(/does not verify/);
    expect(result.entries.filter((e) => e.format === 'bundle').map((e) => e.reason)).toEqual([
      expect.stringMatching(/does not verify/),
      expect.stringMatching(/does not verify/),
    ]);
  });

  test('a statement about another digest, copied under this one', async () => {
    const a = await gated('good', 'swap-a');
    // Everything alice signed for image A, replayed onto a manifest with another digest.
    await sign(a, alice);
    const other = await gated('good', 'swap-c');
    // Make `other` a different digest: a one-byte difference in its manifest annotations.
    const m = JSON.parse((await client.getManifest(other.repo, 'v1')).bytes.toString()) as Record<
      string,
      unknown
    >;
    m.annotations = { moved: 'yes' };
    const bytes = Buffer.from(JSON.stringify(m));
    const newDigest = await client.putManifest(other.repo, 'v2', bytes, other.subject.mediaType);
    expect(newDigest).not.toBe(a.subject.digest);
    const store = new SignatureStore(client, other.repo);
    const name = `${a.repo.registry}/${a.repo.repository}`;
    await store.appendLayer(
      newDigest,
      '.sig',
      buildSigLayer(alice.key, name, a.subject.digest, {}),
      () => false,
    );
    await store.appendLayer(
      newDigest,
      '.att',
      buildAttLayer(alice.key, verdictStatement(a.verdict, { name, digest: a.subject.digest })),
      () => false,
    );
    const bundle = await buildKeyBundle(
      alice.key,
      verdictStatement(a.verdict, { name, digest: a.subject.digest }),
    );
    await store.pushBundle(
      { mediaType: other.subject.mediaType, digest: newDigest, size: bytes.length },
      bundle,
      PredicateTypes.vsa,
      new Date().toISOString(),
    );
    const result = await verifyWith(`${other.repo.registry}/${other.repo.repository}:v2`);
    expect(result.status).toBe('invalid-signature');
    expect(result.digest).toBe(newDigest);
    for (const e of result.entries) expect(e.reason).toMatch(new RegExp(`not ${newDigest}`));
  });

  test('an attestation older than --max-age: verdict-stale (by the signed timeVerified)', async () => {
    const t = await gated('good', 'stale');
    const old = { ...t.verdict, checkedAt: new Date(Date.now() - 3 * DAY).toISOString() };
    await sign(t, alice, old);
    expect((await verifyWith(t, alice, { maxAgeMs: 7 * DAY })).status).toBe('verified');
    const result = await verifyWith(t, alice, { maxAgeMs: DAY });
    expect(result.status).toBe('verdict-stale');
    expect(result.message).toMatch(/older than the maximum age/);
  });

  test('a FAILED verdict signed with the key: verdict-failed; and signVerdict refuses to write one', async () => {
    const t = await gated('good', 'failed');
    const failed: Verdict = { ...t.verdict, decision: 'fail', checkedAt: new Date().toISOString() };
    await expect(sign(t, alice, failed)).rejects.toThrow(/not a pass/);
    expect(await client.listTags(t.repo)).toEqual(['v1']);
    // An attacker holding the key (or an older tool) writes a signature and a FAILED VSA.
    await sign(t, alice, { ...t.verdict, checkedAt: new Date(Date.now() - 60_000).toISOString() });
    const store = new SignatureStore(client, t.repo);
    const name = `${t.repo.registry}/${t.repo.repository}`;
    await store.appendLayer(
      t.subject.digest,
      '.att',
      buildAttLayer(alice.key, verdictStatement(failed, { name, digest: t.subject.digest })),
      () => false,
    );
    const result = await verifyWith(t, alice, { requireAttestation: true });
    expect(result.status).toBe('verdict-failed');
    expect(result.message).toMatch(/says FAILED/);
  });

  test('another policy than --policy-digest: verdict-failed', async () => {
    const t = await gated('good', 'policy');
    await sign(t, alice);
    const ok = await verifyWith(t, alice, { policyDigest: t.verdict.policy.digest });
    expect(ok.status).toBe('verified');
    const result = await verifyWith(t, alice, { policyDigest: `sha256:${'0'.repeat(64)}` });
    expect(result.status).toBe('verdict-failed');
    expect(result.message).toMatch(/is for policy sha256:/);
  });

  test('a signature on a tag that moved: the tag now names an unsigned digest', async () => {
    const t = await gated('good', 'moved');
    await sign(t, alice);
    expect((await verifyWith(t)).status).toBe('verified');
    await copyTestImage('base-a', t.repo.repository, 'v1');
    const result = await verifyWith(t);
    expect(result.status).toBe('unsigned');
    expect(result.digest).not.toBe(t.subject.digest);
  });
});

describe('what survives', () => {
  test('two signers on one image both survive, in both formats', async () => {
    const t = await gated('good', 'two');
    await sign(t, alice);
    await sign(t, bob);
    const store = new SignatureStore(client, t.repo);
    expect(await store.readLayers(t.subject.digest, '.sig')).toHaveLength(2);
    expect(await store.readLayers(t.subject.digest, '.att')).toHaveLength(2);
    expect(await store.readBundles(t.subject.digest)).toHaveLength(4);
    for (const who of [alice, bob]) {
      const r = await verifyWith(t, who, { requireAttestation: true });
      expect(r.status).toBe('verified');
    }
  });

  test('signing twice with one key adds no duplicate .sig layer', async () => {
    const t = await gated('good', 'twice');
    await sign(t, alice);
    const again = await sign(t, alice);
    expect(again.written.find((w) => w.format === 'legacy-sig')!.added).toBe(false);
    expect(
      await new SignatureStore(client, t.repo).readLayers(t.subject.digest, '.sig'),
    ).toHaveLength(1);
  });

  test("another tool's referrer in the fallback index survives, and is not mistaken for a signature", async () => {
    const t = await gated('good', 'othertool');
    const sbom = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    await client.pushBlob(t.repo, sha256(sbom), sbom, sbom.length);
    const empty = Buffer.from('{}');
    await client.pushBlob(t.repo, sha256(empty), empty, 2);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/spdx+json',
        config: { mediaType: MediaTypes.ociEmpty, digest: sha256(empty), size: 2 },
        layers: [{ mediaType: 'application/spdx+json', digest: sha256(sbom), size: sbom.length }],
        subject: t.subject,
      }),
    );
    const theirs = await client.putManifest(
      t.repo,
      sha256(manifest),
      manifest,
      MediaTypes.ociManifest,
    );
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: MediaTypes.ociManifest,
          digest: theirs,
          size: manifest.length,
          artifactType: 'application/spdx+json',
        },
      ],
    };
    await client.putManifest(
      t.repo,
      digestTag(t.subject.digest, ''),
      Buffer.from(JSON.stringify(index)),
      MediaTypes.ociIndex,
    );
    await sign(t, alice);
    const after = JSON.parse(
      (await client.getManifest(t.repo, digestTag(t.subject.digest, ''))).bytes.toString(),
    ) as ImageIndex;
    expect(after.manifests.map((m) => m.digest)).toContain(theirs);
    expect(after.manifests).toHaveLength(3);
    expect((await verifyWith(t, alice, { requireAttestation: true })).status).toBe('verified');
  });
});

describe('multi-platform images', () => {
  test('the index digest is signed and verified, not the platform manifest that was gated', async () => {
    const t = await gated('multi-arch', 'multi');
    expect(t.subject.mediaType).toMatch(/index|list/);
    expect(t.verdict.image.digest).not.toBe(t.subject.digest);
    const result = await sign(t, alice);
    expect(result.digest).toBe(t.subject.digest);
    const verified = await verifyWith(t, alice, { requireAttestation: true });
    expect(verified.status).toBe('verified');
    expect(verified.digest).toBe(t.subject.digest);
    // The platform manifest itself carries no signature.
    const platform = await verifyImage(
      { ...t.repo, digest: t.verdict.image.digest },
      { publicKey: alice.key.publicKey },
      { client },
    );
    expect(platform.status).toBe('unsigned');
  });
});
