import type { GitHubClient, GitHubResponse } from '../../../src/github/client.js';

/** A scripted Octokit `request`: records calls, answers from a handler; throws like Octokit. */
export interface Call {
  route: string;
  params: Record<string, unknown>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function fakeClient(
  handler: (route: string, params: Record<string, unknown>) => Partial<GitHubResponse> | undefined,
): GitHubClient & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async request(route, params = {}) {
      calls.push({ route, params });
      const res = handler(route, params);
      if (!res) throw new HttpError(404, `no answer for ${route}`);
      const status = res.status ?? 200;
      if (status >= 400) throw new HttpError(status, `HTTP ${status}`);
      return { status, data: res.data, headers: res.headers ?? {} };
    },
  };
}
