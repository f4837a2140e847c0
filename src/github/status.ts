import type { GitHubClient } from './client.js';
import { httpStatus, isPermissionError } from './client.js';

export type StatusState = 'success' | 'failure' | 'error' | 'pending';

/** GitHub rejects longer descriptions (422). */
export const DESCRIPTION_LIMIT = 140;
/** Longest context we send; GitHub stores it as a short string column. */
export const CONTEXT_LIMIT = 255;

export interface CommitStatus {
  owner: string;
  repo: string;
  sha: string;
  state: StatusState;
  /** `image-gate/<key>`: one status per comment key, so matrix legs each get theirs. */
  context: string;
  description: string;
  targetUrl?: string;
}

export type StatusResult = { ok: true } | { ok: false; status?: number; message: string };

/** `text` cut to `max` characters with an ellipsis, at a code point boundary. */
export function clip(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Sets the commit status; a token that may not (fork pull requests) gives a result, not a throw. */
export async function setCommitStatus(
  client: GitHubClient,
  s: CommitStatus,
): Promise<StatusResult> {
  try {
    await client.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      owner: s.owner,
      repo: s.repo,
      sha: s.sha,
      state: s.state,
      context: clip(s.context, CONTEXT_LIMIT),
      description: clip(s.description, DESCRIPTION_LIMIT),
      ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
    });
    return { ok: true };
  } catch (err) {
    if (!isPermissionError(err)) throw err;
    const status = httpStatus(err);
    return { ok: false, ...(status ? { status } : {}), message: (err as Error).message };
  }
}
