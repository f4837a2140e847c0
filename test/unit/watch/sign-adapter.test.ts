import { describe, expect, test } from 'vitest';
import type { VerifyResult } from '../../../src/sign/verify.js';
import { splitRepository, toOutcome } from '../../../src/watch/sign-adapter.js';

const att = {
  format: 'legacy-att' as const,
  kind: 'attestation' as const,
  where: 'x',
  ok: true,
  verdict: { result: 'PASSED', timeVerified: '2026-01-02T03:04:05Z' },
};

describe('sign adapter', () => {
  test('every verify status maps to the watch state of the same name, with the verdict time', () => {
    const base = { digest: 'sha256:x', entries: [], message: 'm' };
    const cases: [VerifyResult, string][] = [
      [{ ...base, status: 'verified', signature: att, attestation: att }, 'verified'],
      [{ ...base, status: 'unsigned' }, 'unsigned'],
      [{ ...base, status: 'invalid-signature' }, 'invalid-signature'],
      [{ ...base, status: 'verdict-failed', attestation: att }, 'verdict-failed'],
      [{ ...base, status: 'verdict-stale', attestation: att, ageMs: 1 }, 'verdict-stale'],
      [{ status: 'error', entries: [], message: 'm', error: new Error('x') }, 'error'],
    ];
    for (const [result, state] of cases) expect(toOutcome(result).state).toBe(state);
    expect(toOutcome(cases[0]![0])).toEqual({
      state: 'verified',
      detail: 'm',
      verdictIssuedAt: '2026-01-02T03:04:05Z',
    });
  });

  test('RepoDigests repositories split like docker does', () => {
    expect(splitRepository('127.0.0.1:5391/a/b')).toEqual({
      registry: '127.0.0.1:5391',
      repository: 'a/b',
    });
    expect(splitRepository('ghcr.io/o/r')).toEqual({ registry: 'ghcr.io', repository: 'o/r' });
    expect(splitRepository('alpine')).toEqual({
      registry: 'docker.io',
      repository: 'library/alpine',
    });
    expect(splitRepository('user/app')).toEqual({ registry: 'docker.io', repository: 'user/app' });
    expect(splitRepository('localhost/app')).toEqual({ registry: 'localhost', repository: 'app' });
  });
});
