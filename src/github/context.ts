import { readFileSync } from 'node:fs';

/** The pull request the run is about, from the event payload. */
export interface PullRequestInfo {
  number: number;
  /** The commit the checks belong to: the PR head, not the merge commit in GITHUB_SHA. */
  headSha: string;
  headRepo?: string;
  baseRepo?: string;
  /** Head in another repository: GITHUB_TOKEN is read-only on `pull_request` events then. */
  fork: boolean;
}

/** What the action needs to know about the workflow run, read from the runner's environment. */
export interface RunContext {
  eventName: string;
  owner: string;
  repo: string;
  /** The commit to attach the status to: the PR head when there is a PR, else GITHUB_SHA. */
  sha: string;
  runId: string;
  job: string;
  serverUrl: string;
  /** The run's page, where the job summary is: the link of statuses and truncated comments. */
  runUrl: string;
  pullRequest?: PullRequestInfo;
  workspace: string;
}

/** Events where a pull request comment is posted when `comment: auto`. */
export const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

type Env = Record<string, string | undefined>;

/** Reads GITHUB_* and the event payload at GITHUB_EVENT_PATH. */
export function readRunContext(
  env: Env,
  readText = (p: string) => readFileSync(p, 'utf8'),
): RunContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ?? '';
  const payload = env.GITHUB_EVENT_PATH ? readPayload(env.GITHUB_EVENT_PATH, readText) : {};
  const pullRequest = pullRequestOf(payload);
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    owner,
    repo,
    sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? '',
    runId,
    job: env.GITHUB_JOB ?? '',
    serverUrl,
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}`,
    ...(pullRequest ? { pullRequest } : {}),
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}

function readPayload(path: string, readText: (p: string) => string): unknown {
  try {
    return JSON.parse(readText(path)) as unknown;
  } catch {
    // The runner always writes one; a missing or broken file only loses the PR details.
    return {};
  }
}

/** The PR of a `pull_request`/`pull_request_target` payload (`issue_comment` has none). */
export function pullRequestOf(payload: unknown): PullRequestInfo | undefined {
  const pr = get(payload, 'pull_request');
  const number = get(pr, 'number') ?? get(payload, 'number');
  const headSha = get(get(pr, 'head'), 'sha');
  if (typeof number !== 'number' || typeof headSha !== 'string') return undefined;
  const headRepo = get(get(get(pr, 'head'), 'repo'), 'full_name');
  const baseRepo = get(get(get(pr, 'base'), 'repo'), 'full_name');
  // `head.repo.fork` is true for any branch of a repository that is itself a fork, so compare
  // names; a deleted head repository (`head.repo: null`) can only have been a fork.
  const fork =
    typeof headRepo === 'string' && typeof baseRepo === 'string'
      ? headRepo.toLowerCase() !== baseRepo.toLowerCase()
      : get(get(pr, 'head'), 'repo') === null;
  return {
    number,
    headSha,
    ...(typeof headRepo === 'string' ? { headRepo } : {}),
    ...(typeof baseRepo === 'string' ? { baseRepo } : {}),
    fork,
  };
}

function get(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
