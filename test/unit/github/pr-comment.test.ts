import { describe, expect, test } from 'vitest';
import { nextPage } from '../../../src/github/client.js';
import { commentMarker } from '../../../src/github/marker.js';
import { commentBody, reportBudget, upsertComment } from '../../../src/github/pr-comment.js';
import { fakeClient } from './client-fake.js';

const TARGET = { owner: 'acme', repo: 'api', issueNumber: 7 };
const LIST = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
const CREATE = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
const UPDATE = 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}';

/** A PR with `comments` over pages of `perPage`, answering as GitHub does (Link headers). */
function pr(comments: { id: number; body: string }[], perPage = 100) {
  return fakeClient((route, params) => {
    if (route === LIST) {
      const page = Number(params.page ?? 1);
      const slice = comments.slice((page - 1) * perPage, page * perPage);
      const more = page * perPage < comments.length;
      const link = more
        ? `<https://api.github.com/repositories/1/issues/7/comments?per_page=${perPage}&page=${page + 1}>; rel="next"`
        : undefined;
      return { data: slice, headers: link ? { link } : {} };
    }
    if (route === CREATE)
      return { status: 201, data: { id: 999, body: params.body, html_url: 'https://x/c/999' } };
    if (route === UPDATE)
      return { data: { id: params.comment_id, body: params.body, html_url: 'https://x/c/1' } };
    return undefined;
  });
}

describe('sticky comment', () => {
  test('creates the comment when there is none, with the marker first', async () => {
    const client = pr([{ id: 1, body: 'LGTM' }]);
    const result = await upsertComment(client, TARGET, 'api (gate)', '### report');
    expect(result).toEqual({ action: 'created', id: 999, url: 'https://x/c/999' });
    const post = client.calls.find((c) => c.route === CREATE)!;
    expect(post.params).toMatchObject({ owner: 'acme', repo: 'api', issue_number: 7 });
    expect(post.params.body).toBe(`${commentMarker('api (gate)')}\n### report`);
  });

  test('updates its own comment in place, found on a later page', async () => {
    const others = Array.from({ length: 250 }, (_, i) => ({ id: i + 10, body: `comment ${i}` }));
    const mine = { id: 5000, body: commentBody('api (gate)', 'old report') };
    const client = pr([...others, mine]);
    const result = await upsertComment(client, TARGET, 'api (gate)', 'new report');
    expect(result).toMatchObject({ action: 'updated', id: 5000 });
    expect(client.calls.filter((c) => c.route === LIST).map((c) => c.params.page)).toEqual([
      1, 2, 3,
    ]);
    expect(client.calls.filter((c) => c.route === CREATE)).toHaveLength(0);
    expect(client.calls.find((c) => c.route === UPDATE)!.params).toMatchObject({
      comment_id: 5000,
      body: commentBody('api (gate)', 'new report'),
    });
  });

  test('an identical body is left alone', async () => {
    const client = pr([{ id: 3, body: commentBody('k', 'same') }]);
    expect(await upsertComment(client, TARGET, 'k', 'same')).toMatchObject({
      action: 'unchanged',
      id: 3,
    });
    expect(client.calls.map((c) => c.route)).toEqual([LIST]);
  });

  test("another key's comment, or a quote of ours, is not ours", async () => {
    const client = pr([
      { id: 1, body: commentBody('api (gate, arm64)', 'arm') },
      { id: 2, body: `> ${commentBody('api (gate)', 'quoted')}` },
    ]);
    const result = await upsertComment(client, TARGET, 'api (gate)', 'amd');
    expect(result.action).toBe('created');
  });

  test('403 (a fork) is a result, not an exception', async () => {
    const client = fakeClient((route) =>
      route === LIST ? { data: [] } : route === CREATE ? { status: 403 } : undefined,
    );
    expect(await upsertComment(client, TARGET, 'k', 'r')).toMatchObject({
      action: 'forbidden',
      status: 403,
    });
  });

  test('other failures are thrown', async () => {
    const client = fakeClient((route) => (route === LIST ? { status: 502 } : undefined));
    await expect(upsertComment(client, TARGET, 'k', 'r')).rejects.toThrow(/502/);
  });

  test('the budget leaves room for the marker line', () => {
    const key = 'x'.repeat(300);
    expect(reportBudget(key) + commentMarker(key).length + 1).toBe(65_536);
  });

  test('Link headers: only rel="next" counts', () => {
    expect(
      nextPage({
        link: '<https://a/x?page=3&per_page=100>; rel="next", <https://a/x?page=9>; rel="last"',
      }),
    ).toBe(3);
    expect(nextPage({ link: '<https://a/x?page=1>; rel="prev"' })).toBeUndefined();
    expect(nextPage({})).toBeUndefined();
  });
});
