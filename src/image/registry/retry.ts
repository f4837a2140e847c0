import { GateError } from '../../errors.js';
import type { Logger } from '../../log.js';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  retries: number;
  /** First backoff delay; doubled on each retry, with jitter. */
  baseDelayMs: number;
  /** Upper bound for one wait, whether from backoff or from Retry-After. */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random: () => number;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Four retries at 0.5, 1, 2, 4 s (±jitter): a flaky registry gets ~8 s, not minutes. */
export function defaultRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    retries: 4,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    sleep: defaultSleep,
    random: Math.random,
    ...overrides,
  };
}

/**
 * Thrown by one attempt to say "this may work if tried again". `final` is what the caller sees
 * once the retries are spent; `retryAfterMs` is the server's own hint, when it gave one.
 */
export class Retryable extends Error {
  constructor(
    readonly final: GateError,
    readonly retryAfterMs?: number,
  ) {
    super(final.message);
  }
}

/** Runs `attempt` until it succeeds, throws something other than Retryable, or retries run out. */
export async function retrying<T>(
  policy: RetryPolicy,
  log: Logger,
  what: string,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      if (n >= policy.retries) {
        if (n === 0) throw err.final;
        throw new GateError(
          err.final.code,
          `${err.final.message} (gave up after ${n + 1} attempts)`,
          {
            cause: err.final,
          },
        );
      }
      const delay = retryDelay(n, err.retryAfterMs, policy);
      log.debug(`${what}: ${err.final.message}; retrying in ${delay} ms`);
      await policy.sleep(delay);
    }
  }
}

/** Exponential backoff with jitter (50–100 % of the step), or the server's Retry-After, capped. */
export function retryDelay(
  retry: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const step = policy.baseDelayMs * 2 ** retry;
  return Math.round(Math.min(step * (0.5 + policy.random() / 2), policy.maxDelayMs));
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`, as milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Rate limits and server-side failures that usually pass. 501 (not implemented) does not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Connection failures worth another try. DNS "no such host" and TLS certificate errors are not:
 * they will fail the same way every time.
 */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up|aborted/i.test(message);
}
