import type { DigestRef, VerifyDigest, VerifyOutcome } from './verify.js';

export interface CacheOptions {
  /** How long a settled outcome is reused, in milliseconds. */
  ttlMs: number;
  now?: () => number;
}

/**
 * Verifications cached per digest with a time to live, and shared while in flight: 200
 * containers of 10 images cost 10 verifications per TTL. The key is the digest alone (the
 * repository a mirror or cache rewrites to must not make the same bytes look new). Errors are
 * not kept: the next pass asks again.
 */
export class VerificationCache {
  private readonly settled = new Map<string, { at: number; outcome: VerifyOutcome }>();
  private readonly inFlight = new Map<string, Promise<VerifyOutcome>>();
  private readonly now: () => number;
  /** Calls made to the underlying verifier (for the verifications counter and tests). */
  calls = 0;

  constructor(
    private readonly verify: VerifyDigest,
    private readonly options: CacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get(ref: DigestRef): Promise<{ outcome: VerifyOutcome; fresh: boolean }> {
    const key = ref.digest;
    const hit = this.settled.get(key);
    if (hit && this.now() - hit.at < this.options.ttlMs) {
      return Promise.resolve({ outcome: hit.outcome, fresh: false });
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending.then((outcome) => ({ outcome, fresh: false }));
    const started = this.run(ref).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started.then((outcome) => ({ outcome, fresh: true }));
  }

  /** Drops entries older than the TTL so the map stays as small as the set of images seen. */
  prune(): void {
    const now = this.now();
    for (const [key, entry] of this.settled) {
      if (now - entry.at >= this.options.ttlMs) this.settled.delete(key);
    }
  }

  private async run(ref: DigestRef): Promise<VerifyOutcome> {
    this.calls++;
    let outcome: VerifyOutcome;
    try {
      outcome = await this.verify(ref);
    } catch (err) {
      // A verifier that throws is an error state, never a pass.
      outcome = { state: 'error', detail: `verification failed: ${(err as Error).message}` };
    }
    if (outcome.state !== 'error') this.settled.set(ref.digest, { at: this.now(), outcome });
    return outcome;
  }
}
