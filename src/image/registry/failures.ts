import { GateError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import { isRetryableNetworkError, isRetryableStatus, parseRetryAfter, Retryable } from './retry.js';
import { headerValue, readErrorBody } from './transport.js';
import type { HttpResponse } from './transport.js';

/**
 * Turning HTTP answers and socket errors into one-line GateErrors that name the registry and
 * the status, and deciding which of them deserve another attempt.
 */

/** The GateError code for a final HTTP status. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'registry';
}

/**
 * `registry HOST answered 404 for manifest demo/app:latest: MANIFEST_UNKNOWN manifest unknown`.
 * Consumes the (bounded) body for the registry's own error code. Retryable statuses come back
 * wrapped in Retryable with the server's Retry-After.
 */
export async function statusFailure(
  registry: string,
  what: string,
  res: HttpResponse,
): Promise<GateError | Retryable> {
  const detail = registryErrorDetail(await readErrorBody(res));
  const error = new GateError(
    codeForStatus(res.status),
    `registry ${registry} answered ${res.status} for ${what}${detail ? `: ${detail}` : ''}`,
  );
  if (!isRetryableStatus(res.status)) return error;
  return new Retryable(error, parseRetryAfter(headerValue(res.headers, 'retry-after')));
}

/** The first entry of the distribution spec's `{"errors":[{"code","message"}]}`, on one line. */
export function registryErrorDetail(body: string): string {
  let text = '';
  try {
    const doc = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = doc.errors?.[0];
    if (first) text = [first.code, first.message].filter(Boolean).join(' ');
  } catch {
    // Not the spec's JSON (a proxy's HTML page, say): its text says too little to show.
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** `cannot reach registry HOST: connect ECONNREFUSED …`, with a hint for TLS trouble. */
export function networkFailure(
  registry: string,
  err: unknown,
  target = 'registry',
): GateError | Retryable {
  const error = new GateError(
    'registry',
    `cannot reach ${target} ${registry}: ${describeNetworkError(err)}`,
    {
      cause: err,
    },
  );
  return isRetryableNetworkError(err) ? new Retryable(error) : error;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = (e?.message ?? String(err)).split('\n')[0]!;
  const code = e?.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return `TLS certificate not trusted (${message}); use --tls-verify=false for a registry with a self-signed certificate`;
  }
  if (code === 'EPROTO' || /wrong version number/i.test(message)) {
    return `TLS handshake failed (${message}); does the registry speak plain HTTP?`;
  }
  return message || code || 'unknown network error';
}

/** A body that broke off half-way (reset, timeout): worth another attempt when retryable. */
export function transferFailure(
  registry: string,
  what: string,
  err: unknown,
): GateError | Retryable {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const error = new GateError(
    'registry',
    `registry ${registry}: reading ${what} failed: ${message}`,
    {
      cause: err,
    },
  );
  return isRetryableNetworkError(err) ? new Retryable(error) : error;
}
