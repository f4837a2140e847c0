import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkRequest, type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';

// The fake is only as good as its checks: it must refuse what GitHub would refuse.
describe('fake GitHub checks requests against the REST API description', () => {
  const url = (path: string): URL => new URL(path, 'http://127.0.0.1');

  test('a valid comment, status and list are accepted', () => {
    expect(
      checkRequest('POST', url('/repos/a/b/issues/7/comments'), { body: 'x' }).problems,
    ).toEqual([]);
    expect(
      checkRequest('POST', url(`/repos/a/b/statuses/${'a'.repeat(40)}`), {
        state: 'success',
        context: 'image-gate/x',
        description: 'ok',
        target_url: 'https://github.com/a/b/actions/runs/1',
      }),
    ).toMatchObject({ template: '/repos/{owner}/{repo}/statuses/{sha}', problems: [] });
    expect(
      checkRequest('GET', url('/repos/a/b/issues/7/comments?per_page=100&page=2'), undefined)
        .problems,
    ).toEqual([]);
  });

  test('wrong bodies, parameters and paths are violations', () => {
    expect(
      checkRequest('POST', url('/repos/a/b/issues/7/comments'), { text: 'x' }).problems[0],
    ).toMatch(/must have required property 'body'/);
    expect(
      checkRequest('POST', url(`/repos/a/b/statuses/${'a'.repeat(40)}`), { state: 'passed' })
        .problems[0],
    ).toMatch(/allowed values/);
    expect(
      checkRequest('PATCH', url('/repos/a/b/issues/comments/abc'), { body: 'x' }).problems[0],
    ).toMatch(/comment_id=abc/);
    expect(
      checkRequest('GET', url('/repos/a/b/issues/7/comments?perpage=5'), undefined).problems[0],
    ).toMatch(/unknown query parameter perpage/);
    expect(checkRequest('POST', url('/repos/a/b/pulls/7/comment'), {}).problems[0]).toMatch(
      /not an operation/,
    );
  });
});

describe('fake GitHub server', () => {
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub({ owner: 'acme', repo: 'api' });
  });
  afterAll(() => gh.close());

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: 'token t' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  test('pages lists with Link headers and answers 403 to writes when forbidden', async () => {
    gh.reset();
    gh.seedComments(7, 45);
    const first = await call('GET', '/repos/acme/api/issues/7/comments?per_page=20');
    expect(first.status).toBe(200);
    expect(((await first.json()) as unknown[]).length).toBe(20);
    expect(first.headers.get('link')).toMatch(/page=2>; rel="next".*page=3>; rel="last"/);
    const last = await call('GET', '/repos/acme/api/issues/7/comments?per_page=20&page=3');
    expect(((await last.json()) as unknown[]).length).toBe(5);
    expect(last.headers.get('link')).not.toMatch(/rel="next"/);

    const created = await call('POST', '/repos/acme/api/issues/7/comments', { body: 'hi' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      body: 'hi',
      html_url: expect.stringContaining('#issuecomment-'),
    });
    gh.forbidWrites = true;
    expect((await call('POST', '/repos/acme/api/issues/7/comments', { body: 'x' })).status).toBe(
      403,
    );
    expect(gh.violations).toEqual([]);
  });

  test('refuses what GitHub refuses: long bodies and descriptions', async () => {
    gh.reset();
    const long = await call('POST', '/repos/acme/api/issues/7/comments', {
      body: 'x'.repeat(65_537),
    });
    expect(long.status).toBe(422);
    const status = await call('POST', `/repos/acme/api/statuses/${'b'.repeat(40)}`, {
      state: 'success',
      context: 'c',
      description: 'd'.repeat(141),
    });
    expect(status.status).toBe(422);
    const bad = await call('POST', '/repos/acme/api/issues/7/comments', { nobody: 1 });
    expect(bad.status).toBe(422);
    expect(gh.violations).toHaveLength(1);
  });
});
