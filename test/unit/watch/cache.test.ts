import { describe, expect, test } from 'vitest';
import { VerificationCache } from '../../../src/watch/cache.js';
import type { DigestRef, VerifyOutcome } from '../../../src/watch/verify.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const ref = (n: number, repository = 'reg.example/app'): DigestRef => ({
  repository,
  digest: digest(n),
});

function counting(outcome: (ref: DigestRef) => VerifyOutcome) {
  const calls: DigestRef[] = [];
  return {
    calls,
    verify: async (r: DigestRef) => {
      calls.push(r);
      await new Promise((res) => setImmediate(res));
      return outcome(r);
    },
  };
}

describe('VerificationCache', () => {
  test('200 containers of 10 images cost 10 verifications, even all at once', async () => {
    const v = counting(() => ({ state: 'verified', detail: 'ok' }));
    const cache = new VerificationCache(v.verify, { ttlMs: 60_000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => cache.get(ref(i % 10))),
    );
    expect(v.calls).toHaveLength(10);
    expect(results.filter((r) => r.fresh)).toHaveLength(10);
    expect(results.every((r) => r.outcome.state === 'verified')).toBe(true);
  });

  test('keyed by digest alone: a mirror rewriting the repository does not cost another check', async () => {
    const v = counting(() => ({ state: 'unsigned', detail: 'none' }));
    const cache = new VerificationCache(v.verify, { ttlMs: 60_000 });
    await cache.get(ref(1, 'reg.example/app'));
    await cache.get(ref(1, 'localhost:7439/reg.example/app'));
    expect(v.calls).toHaveLength(1);
  });

  test('an outcome is reused until its time to live runs out, then asked again', async () => {
    let now = 1000;
    const v = counting(() => ({ state: 'verified', detail: 'ok' }));
    const cache = new VerificationCache(v.verify, { ttlMs: 500, now: () => now });
    await cache.get(ref(1));
    now += 499;
    expect((await cache.get(ref(1))).fresh).toBe(false);
    now += 1;
    expect((await cache.get(ref(1))).fresh).toBe(true);
    expect(v.calls).toHaveLength(2);
  });

  test('errors are not kept: the next pass asks again', async () => {
    const v = counting(() => ({ state: 'error', detail: 'registry down' }));
    const cache = new VerificationCache(v.verify, { ttlMs: 60_000 });
    await cache.get(ref(1));
    await cache.get(ref(1));
    expect(v.calls).toHaveLength(2);
  });

  test('a verifier that throws yields an error state, never a pass', async () => {
    const cache = new VerificationCache(() => Promise.reject(new Error('boom')), { ttlMs: 60_000 });
    const { outcome } = await cache.get(ref(1));
    expect(outcome).toEqual({ state: 'error', detail: 'verification failed: boom' });
  });

  test('prune drops expired entries', async () => {
    let now = 0;
    const v = counting(() => ({ state: 'verified', detail: 'ok' }));
    const cache = new VerificationCache(v.verify, { ttlMs: 10, now: () => now });
    await cache.get(ref(1));
    now = 20;
    cache.prune();
    await cache.get(ref(1));
    expect(v.calls).toHaveLength(2);
  });
});
