import { describe, expect, test } from 'vitest';
import { pullRequestOf, readRunContext } from '../../../src/github/context.js';

const HEAD = 'a'.repeat(40);
const MERGE = 'f'.repeat(40);

function payload(head: string | null, base = 'acme/api'): unknown {
  return {
    action: 'synchronize',
    number: 42,
    pull_request: {
      number: 42,
      head: {
        sha: HEAD,
        ref: 'feature',
        repo: head === null ? null : { full_name: head, fork: head !== base },
      },
      base: { sha: 'b'.repeat(40), ref: 'main', repo: { full_name: base, fork: false } },
    },
    repository: { full_name: base },
  };
}

function context(event: string, body: unknown) {
  return readRunContext(
    {
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: '/event.json',
      GITHUB_REPOSITORY: 'acme/api',
      GITHUB_SHA: MERGE,
      GITHUB_RUN_ID: '99',
      GITHUB_JOB: 'gate',
      GITHUB_SERVER_URL: 'https://github.example.com/',
      GITHUB_WORKSPACE: '/ws',
    },
    () => JSON.stringify(body),
  );
}

describe('run context', () => {
  test('pull_request: the head SHA, not the merge commit, and the run URL', () => {
    const ctx = context('pull_request', payload('acme/api'));
    expect(ctx).toMatchObject({
      eventName: 'pull_request',
      owner: 'acme',
      repo: 'api',
      sha: HEAD,
      job: 'gate',
      runUrl: 'https://github.example.com/acme/api/actions/runs/99',
      pullRequest: { number: 42, headSha: HEAD, fork: false },
    });
  });

  test('pull_request_target from a fork is a fork', () => {
    const ctx = context('pull_request_target', payload('mallory/api'));
    expect(ctx.pullRequest).toMatchObject({
      fork: true,
      headRepo: 'mallory/api',
      baseRepo: 'acme/api',
    });
  });

  test('a branch of a repository that is itself a fork is not a fork PR', () => {
    const body = payload('acme/api') as { pull_request: { head: { repo: { fork: boolean } } } };
    body.pull_request.head.repo.fork = true;
    expect(pullRequestOf(body)?.fork).toBe(false);
  });

  test('a deleted fork (head.repo null) is a fork', () => {
    expect(pullRequestOf(payload(null))?.fork).toBe(true);
  });

  test('push: no pull request, GITHUB_SHA', () => {
    const ctx = context('push', {
      ref: 'refs/heads/main',
      after: MERGE,
      head_commit: { id: MERGE },
    });
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.sha).toBe(MERGE);
  });

  test('an unreadable payload loses only the PR details', () => {
    const ctx = readRunContext(
      { GITHUB_EVENT_PATH: '/nope', GITHUB_SHA: MERGE, GITHUB_REPOSITORY: 'a/b' },
      () => {
        throw new Error('ENOENT');
      },
    );
    expect(ctx).toMatchObject({
      sha: MERGE,
      owner: 'a',
      repo: 'b',
      serverUrl: 'https://github.com',
    });
  });
});
