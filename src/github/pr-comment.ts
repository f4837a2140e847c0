import type { GitHubClient } from './client.js';
import { isPermissionError, nextPage } from './client.js';
import { commentMarker } from './marker.js';

/** GitHub refuses issue comment bodies longer than this (in characters). */
export const COMMENT_LIMIT = 65_536;

export interface CommentTarget {
  owner: string;
  repo: string;
  /** Pull request number: PR conversation comments are issue comments. */
  issueNumber: number;
}

export type UpsertResult =
  | { action: 'created' | 'updated' | 'unchanged'; id: number; url?: string }
  | { action: 'forbidden'; status?: number; message: string };

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

/** The body as posted: the marker on the first line, then the report. */
export function commentBody(key: string, markdown: string): string {
  return `${commentMarker(key)}\n${markdown}`;
}

/** Room the report leaves for the marker line, so marker + report stays under the limit. */
export function reportBudget(key: string, limit = COMMENT_LIMIT): number {
  return limit - commentMarker(key).length - 1;
}

/**
 * The comment that carries this key's marker on its first line. A comment that merely quotes
 * ours (`> <!-- …`) does not start with it. Every page is read: on a busy pull request ours
 * may be far from the first one.
 */
export async function findComment(
  client: GitHubClient,
  target: CommentTarget,
  key: string,
): Promise<IssueComment | undefined> {
  const marker = commentMarker(key);
  let page: number | undefined = 1;
  while (page !== undefined) {
    const res = await client.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      per_page: 100,
      page,
    });
    const comments = res.data as IssueComment[];
    const mine = comments.find((c) => (c.body ?? '').startsWith(marker));
    if (mine) return mine;
    const next = nextPage(res.headers);
    // A server that repeats a page must not keep us here.
    page = next !== undefined && next > page ? next : undefined;
  }
  return undefined;
}

/**
 * Creates the comment for `key`, or updates it in place; an identical body is left alone. A
 * token that may not write (fork pull requests) gives `forbidden`, not an exception: the job
 * summary still has the report, and the gate's decision must not depend on the comment.
 */
export async function upsertComment(
  client: GitHubClient,
  target: CommentTarget,
  key: string,
  markdown: string,
): Promise<UpsertResult> {
  const body = commentBody(key, markdown);
  try {
    const existing = await findComment(client, target, key);
    if (existing && existing.body === body) {
      return { action: 'unchanged', id: existing.id, ...urlOf(existing) };
    }
    if (existing) {
      const res = await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner: target.owner,
        repo: target.repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', id: existing.id, ...urlOf(res.data as IssueComment) };
    }
    const res = await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      body,
    });
    const created = res.data as IssueComment;
    return { action: 'created', id: created.id, ...urlOf(created) };
  } catch (err) {
    if (!isPermissionError(err)) throw err;
    const status = (err as { status: number }).status;
    return { action: 'forbidden', status, message: (err as Error).message };
  }
}

function urlOf(comment: IssueComment | undefined): { url?: string } {
  return comment?.html_url ? { url: comment.html_url } : {};
}
