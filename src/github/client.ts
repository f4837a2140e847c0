/**
 * The slice of Octokit that src/github uses: `octokit.request(route, params)`. Taking it as a
 * port keeps this folder free of @actions/* and lets unit tests answer with plain objects.
 */
export interface GitHubResponse<T = unknown> {
  status: number;
  data: T;
  headers: Record<string, string | number | undefined>;
}

export interface GitHubClient {
  request(route: string, params?: Record<string, unknown>): Promise<GitHubResponse>;
}

/** The HTTP status of a failed request: Octokit's RequestError carries it as `status`. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * A token that may not write: 403 is what GitHub answers to the read-only token of a fork pull
 * request (and 404 for a repository the token cannot see at all).
 */
export function isPermissionError(err: unknown): boolean {
  const status = httpStatus(err);
  return status === 403 || status === 404;
}

/** The `page` of the `rel="next"` link of a list response, if there is a next page. */
export function nextPage(headers: GitHubResponse['headers']): number | undefined {
  const link = headers.link ?? headers.Link;
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    const page = new URL(m[1]!).searchParams.get('page');
    return page !== null && /^\d+$/.test(page) ? Number(page) : undefined;
  }
  return undefined;
}
