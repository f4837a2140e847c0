import { errorMessage, GateError } from '../errors.js';
import { locationProps, verdictAnnotations } from '../github/annotations.js';
import type { GitHubClient } from '../github/client.js';
import { readRunContext, type RunContext } from '../github/context.js';
import { deriveKey } from '../github/marker.js';
import { appendStepSummary, SUMMARY_LIMIT } from '../github/summary.js';
import type { LoadedPolicy } from '../policy/types.js';
import type { Verdict } from '../policy/verdict.js';
import type { ToolCache } from '../scanners/install.js';
import { planScans } from '../scanners/plan.js';
import { actionsExec, buildImage } from './build.js';
import type { ActionConfig, BuildConfig } from './config.js';
import { writeReports } from './files.js';
import type { Gate } from './gate.js';
import type { ActionIo } from './io.js';
import { actionOutputs, type RunDecision, runDecision, statusDescription } from './outputs.js';
import { loadActionPolicy, workspacePath } from './policy.js';
import { publishComment, publishStatus, wantsComment } from './publish.js';
import { type ImageError, renderRunMarkdown } from './report.js';
import { prepareScanners } from './scanners.js';
import type { ScannerDbCache } from './db-cache.js';
import { defaultCacheDir } from '../commands/check.js';
import type { SignResult } from '../sign/sign.js';
import { signingOutputs } from './outputs.js';

/** What runAction needs from the outside world; main.ts wires the real ones (deps.ts). */
export interface ActionDeps {
  io: ActionIo;
  /** GITHUB_*, RUNNER_TEMP, GITHUB_STEP_SUMMARY: the runner's environment. */
  env: Record<string, string | undefined>;
  gate: Gate;
  /** An Octokit-like client for the token; without it there is no comment and no status. */
  github?: (token: string) => GitHubClient;
  build?: (build: BuildConfig, io: ActionIo) => Promise<string>;
  /** Where scanners are installed from; without it, only scanners already on PATH run. */
  toolCache?: ToolCache;
  /** Keeps scanner databases between runs (the Actions cache); restored before, saved after. */
  dbCache?: ScannerDbCache;
  /** The scanners' database directory (the core's default when absent). */
  scannerCacheDir?: string;
  readText?: (path: string) => string;
}

export interface ActionResult {
  decision: RunDecision;
  verdicts: Verdict[];
  errors: ImageError[];
  outputs: Record<string, string>;
  key?: string;
  comment?: string;
  status?: string;
}

const defaultBuild = (b: BuildConfig, io: ActionIo): Promise<string> =>
  buildImage(b, actionsExec, io);

/**
 * The action: build (if asked), gate every image, then report everywhere a reviewer looks:
 * job summary, sticky PR comment, commit status, annotations, outputs, report files. The step
 * fails on an error always, and on a failing verdict unless `fail: false`.
 */
export async function runAction(config: ActionConfig, deps: ActionDeps): Promise<ActionResult> {
  const { io, env } = deps;
  const ctx = readRunContext(env, deps.readText);
  let images = config.images;
  let setup: Awaited<ReturnType<typeof loadActionPolicy>>;
  try {
    // The policy first: a typo in it should not cost a whole image build to find out.
    setup = await loadActionPolicy(config.policyPath, ctx.workspace);
    if (config.build) images = [await (deps.build ?? defaultBuild)(config.build, io)];
    if (deps.toolCache) await prepareScanners(config, setup.policy, deps.toolCache, io);
  } catch (err) {
    return setupFailed(err, config, deps, ctx);
  }

  const verdicts: Verdict[] = [];
  const errors: ImageError[] = [];
  const signed: SignResult[] = [];
  const cacheDir = deps.scannerCacheDir ?? defaultCacheDir();
  const dbCache = usesScanners(config, setup.policy) ? deps.dbCache : undefined;
  await dbCache?.restore(cacheDir);
  try {
    for (const image of images) {
      io.info(`image-gate: checking ${image}`);
      try {
        verdicts.push(
          await deps.gate({
            ...gateRequest(config, image, io),
            cacheDir,
            ...(config.sign ? { sign: config.sign, onSigned: (s) => signed.push(s) } : {}),
          }),
        );
      } catch (err) {
        // The other images are still checked: one report shows everything that is wrong.
        errors.push({ image, message: errorMessage(err) });
        io.annotate({
          level: 'error',
          title: 'image-gate: error',
          message: `${image}: ${errorMessage(err)}`,
        });
      }
    }
  } finally {
    // Saved whatever the verdict: the next run needs the database most when this one failed.
    await dbCache?.save(cacheDir);
  }

  const decision = runDecision(verdicts, errors.length);
  const key =
    config.commentKey ??
    deriveKey({
      images: config.build ? config.build.tags.slice(0, 1) : images,
      job: ctx.job,
      ...(config.matrix ? { matrix: config.matrix } : {}),
    });
  const render = (maxLength: number): string =>
    renderRunMarkdown(verdicts, errors, { maxLength, detailsUrl: ctx.runUrl });

  if (config.summary) await appendStepSummary(env.GITHUB_STEP_SUMMARY, render(SUMMARY_LIMIT));
  for (const a of verdictAnnotations(verdicts, setup.locations)) io.annotate(a);
  const files = await writeReports(config, verdicts, env);

  const result: ActionResult = { decision, verdicts, errors, outputs: {}, key };
  const client = config.githubToken && deps.github ? deps.github(config.githubToken) : undefined;
  if (client && wantsComment(config.comment, ctx)) {
    result.comment = await publishComment(client, ctx, key, render, io);
  } else if (config.comment === 'always' && !ctx.pullRequest) {
    io.info('image-gate: comment: always, but this run is not about a pull request: no comment');
  }
  if (client) {
    const description = statusDescription(verdicts, decision, errors.length);
    result.status = await publishStatus(client, ctx, key, decision, description, io);
  }

  result.outputs = { ...actionOutputs(verdicts, decision, files), ...signingOutputs(signed) };
  for (const [name, value] of Object.entries(result.outputs)) io.setOutput(name, value);
  concludeStep(config, result, io);
  return result;
}

/** Whether scanners will run (planScans decides: a vulnerabilities rule, no reports given). */
function usesScanners(config: ActionConfig, policy: LoadedPolicy): boolean {
  return (
    planScans({
      rule: policy.policy.rules.vulnerabilities,
      reports: { trivy: config.trivyReport, grype: config.grypeReport },
    }).mode === 'run'
  );
}

function gateRequest(config: ActionConfig, image: string, io: ActionIo) {
  return {
    image,
    log: io,
    ...(config.policyPath !== undefined ? { policyPath: config.policyPath } : {}),
    ...(config.trivyReport ? { trivyReport: config.trivyReport } : {}),
    ...(config.grypeReport ? { grypeReport: config.grypeReport } : {}),
    ...(config.platform ? { platform: config.platform } : {}),
    ...(config.maxDbAge ? { maxDbAge: config.maxDbAge } : {}),
    ...(config.scannerTimeout ? { scannerTimeout: config.scannerTimeout } : {}),
    ...(config.scanners.length ? { scanners: config.scanners } : {}),
  };
}

function concludeStep(config: ActionConfig, result: ActionResult, io: ActionIo): void {
  const { decision, verdicts, errors } = result;
  if (decision === 'pass') {
    io.info(`image-gate: PASS (${verdicts.length} of ${verdicts.length} images passed)`);
    return;
  }
  if (decision === 'error') {
    const what =
      errors.length > 0
        ? `${errors.length} of ${errors.length + verdicts.length} images could not be checked`
        : 'a rule could not be evaluated';
    io.fail(`image-gate: error: ${what}; see the annotations and the job summary`);
    return;
  }
  const failed = verdicts
    .filter((v) => v.decision === 'fail')
    .map(
      (v) =>
        `${v.image.reference} (${v.rules
          .filter((r) => r.status === 'fail')
          .map((r) => r.rule)
          .join(', ')})`,
    );
  const message = `image-gate: FAIL: ${failed.join('; ')}`;
  if (config.fail) io.fail(message);
  else io.warn(`${message}; the step passes because fail is false`);
}

/**
 * A policy that does not load, a build that fails, a bad input: nothing was gated. The
 * annotation goes to the file and line at fault, the summary says why, and the step fails.
 */
async function setupFailed(
  err: unknown,
  config: ActionConfig,
  deps: ActionDeps,
  ctx: RunContext,
): Promise<ActionResult> {
  const message = errorMessage(err);
  const location = err instanceof GateError ? err.location : undefined;
  const title =
    err instanceof GateError && err.code === 'policy'
      ? 'image-gate: invalid policy'
      : 'image-gate: error';
  if (config.summary) {
    const summary = renderRunMarkdown(
      [],
      [{ image: config.images.join(', ') || config.build?.tags[0] || '-', message }],
      {
        maxLength: SUMMARY_LIMIT,
      },
    );
    await appendStepSummary(deps.env.GITHUB_STEP_SUMMARY, summary);
  }
  const outputs = actionOutputs([], 'error', {});
  for (const [name, value] of Object.entries(outputs)) deps.io.setOutput(name, value);
  deps.io.fail(
    message,
    location
      ? {
          title,
          ...locationProps({ ...location, file: workspacePath(location.file, ctx.workspace) }),
        }
      : { title },
  );
  return { decision: 'error', verdicts: [], errors: [{ image: '-', message }], outputs };
}
