import { errorMessage } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import type { RunContext } from '../github/context.js';
import { PULL_REQUEST_EVENTS } from '../github/context.js';
import { reportBudget, upsertComment } from '../github/pr-comment.js';
import { setCommitStatus, type StatusState } from '../github/status.js';
import type { CommentMode } from './config.js';
import type { ActionIo } from './io.js';
import type { RunDecision } from './outputs.js';

const FORK_HINT =
  'the token may not write here (a pull request from a fork gets a read-only GITHUB_TOKEN); ' +
  'the report is in the job summary';

/** Whether to comment: `auto` only on pull request events, `always` whenever there is a PR. */
export function wantsComment(mode: CommentMode, ctx: RunContext): boolean {
  if (mode === 'never' || !ctx.pullRequest) return false;
  return mode === 'always' || PULL_REQUEST_EVENTS.has(ctx.eventName);
}

/**
 * Posts or updates the sticky comment. Nothing here fails the step: the verdict does. A token
 * that may not write is a warning (forks); any other API failure is a warning too, since a
 * missing comment must neither pass nor fail the gate.
 */
export async function publishComment(
  client: GitHubClient,
  ctx: RunContext,
  key: string,
  render: (maxLength: number) => string,
  io: ActionIo,
): Promise<string> {
  const pr = ctx.pullRequest!;
  try {
    const target = { owner: ctx.owner, repo: ctx.repo, issueNumber: pr.number };
    const result = await upsertComment(client, target, key, render(reportBudget(key)));
    if (result.action === 'forbidden') {
      io.annotate({
        level: 'warning',
        title: 'image-gate: no pull request comment',
        message: `could not comment on #${pr.number} (HTTP ${result.status ?? '?'}): ${FORK_HINT}`,
      });
      return 'forbidden';
    }
    io.info(`pull request comment ${result.action}: ${result.url ?? `#${result.id}`}`);
    return result.action;
  } catch (err) {
    io.annotate({
      level: 'warning',
      title: 'image-gate: no pull request comment',
      message: `could not comment on #${pr.number}: ${errorMessage(err)}`,
    });
    return 'failed';
  }
}

const STATE: Record<RunDecision, StatusState> = {
  pass: 'success',
  fail: 'failure',
  error: 'error',
};

/** Sets the `image-gate/<key>` status on the PR head (or the pushed commit). */
export async function publishStatus(
  client: GitHubClient,
  ctx: RunContext,
  key: string,
  decision: RunDecision,
  description: string,
  io: ActionIo,
): Promise<string> {
  if (!ctx.sha || !ctx.owner) return 'skipped';
  try {
    const result = await setCommitStatus(client, {
      owner: ctx.owner,
      repo: ctx.repo,
      sha: ctx.sha,
      state: STATE[decision],
      context: `image-gate/${key}`,
      description,
      targetUrl: ctx.runUrl,
    });
    if (result.ok) return 'set';
    io.annotate({
      level: 'warning',
      title: 'image-gate: no commit status',
      message: `could not set the commit status (HTTP ${result.status ?? '?'}): ${FORK_HINT}`,
    });
    return 'forbidden';
  } catch (err) {
    io.annotate({
      level: 'warning',
      title: 'image-gate: no commit status',
      message: `could not set the commit status: ${errorMessage(err)}`,
    });
    return 'failed';
  }
}
