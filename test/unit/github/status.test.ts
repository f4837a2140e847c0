import { describe, expect, test } from 'vitest';
import { clip, setCommitStatus } from '../../../src/github/status.js';
import { fakeClient } from './client-fake.js';

const STATUS = {
  owner: 'acme',
  repo: 'api',
  sha: 'a'.repeat(40),
  state: 'failure' as const,
  context: 'image-gate/api (gate)',
  description: 'failed: non-root',
  targetUrl: 'https://github.com/acme/api/actions/runs/1',
};

describe('commit status', () => {
  test('posts state, context, description and the run URL on the SHA', async () => {
    const client = fakeClient(() => ({ status: 201, data: { id: 1 } }));
    expect(await setCommitStatus(client, STATUS)).toEqual({ ok: true });
    expect(client.calls).toEqual([
      {
        route: 'POST /repos/{owner}/{repo}/statuses/{sha}',
        params: {
          owner: 'acme',
          repo: 'api',
          sha: STATUS.sha,
          state: 'failure',
          context: 'image-gate/api (gate)',
          description: 'failed: non-root',
          target_url: STATUS.targetUrl,
        },
      },
    ]);
  });

  test('the description never exceeds 140 characters', async () => {
    const client = fakeClient(() => ({ status: 201, data: {} }));
    await setCommitStatus(client, { ...STATUS, description: '€'.repeat(500) });
    const sent = client.calls[0]!.params.description as string;
    expect([...sent].length).toBe(140);
    expect(sent.endsWith('…')).toBe(true);
    expect(clip('a\n b', 140)).toBe('a b');
  });

  test('403 is a result (fork); other errors are thrown', async () => {
    expect(
      await setCommitStatus(
        fakeClient(() => ({ status: 403 })),
        STATUS,
      ),
    ).toMatchObject({ ok: false, status: 403 });
    await expect(
      setCommitStatus(
        fakeClient(() => ({ status: 500 })),
        STATUS,
      ),
    ).rejects.toThrow();
  });
});
