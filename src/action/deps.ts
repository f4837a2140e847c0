import { getOctokit } from '@actions/github';
import * as toolCache from '@actions/tool-cache';
import type { GitHubClient } from '../github/client.js';
import { coreIo } from './core-io.js';
import { actionsDbCache } from './db-cache.js';
import { checkGate } from './gate.js';
import type { ActionDeps } from './run.js';

/** The real world: @actions/core for the runner, Octokit on GITHUB_API_URL, the core's check. */
export function actionDeps(env: Record<string, string | undefined> = process.env): ActionDeps {
  const io = coreIo();
  return {
    io,
    env,
    gate: checkGate,
    github: (token) => getOctokit(token) as unknown as GitHubClient,
    toolCache,
    dbCache: actionsDbCache(io),
  };
}
