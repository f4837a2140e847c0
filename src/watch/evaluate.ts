import { errorMessage } from '../errors.js';
import { safeText } from '../redact.js';
import type { BindDigest } from './bind.js';
import type { VerificationCache } from './cache.js';
import type { ContainerInspect, EngineClient, ImageStore } from './engine.js';
import { identify } from './identity.js';
import type { ContainerReport, WatchState } from './state.js';
import { rootFacts, type RootFacts } from './user.js';
import { formatDigestRef, type DigestRef, type VerifyOutcome } from './verify.js';

export interface EvaluateContext {
  engine: EngineClient;
  store: ImageStore;
  cache: VerificationCache;
  /**
   * Root facts per container ID: the user a process was started as does not change while it
   * runs, so the account files are read once per container, not on every relist.
   */
  rootCache?: Map<string, RootFacts>;
  /** Classic store: checks that a registry digest holds the running image (bind.ts). */
  bind?: BindDigest;
  /** Called once per verification actually made (not for cache hits). */
  onVerified?: (outcome: VerifyOutcome) => void;
}

/**
 * Inspects one container and gives it its state. `undefined` when the container is gone or
 * stopped (it may vanish between list and inspect). Everything else, failures included, yields
 * a report: an error is a state, never dropped.
 */
export async function evaluateContainer(
  ctx: EvaluateContext,
  id: string,
): Promise<ContainerReport | undefined> {
  const report = await evaluate(ctx, id);
  // The name, the reference and the details (registry and engine errors) are text others wrote:
  // printed, exported as labels and stored, so made safe once, here.
  return (
    report && {
      ...report,
      name: safeText(report.name),
      image: safeText(report.image),
      detail: safeText(report.detail),
    }
  );
}

async function evaluate(ctx: EvaluateContext, id: string): Promise<ContainerReport | undefined> {
  let container: ContainerInspect | undefined;
  try {
    container = await ctx.engine.inspectContainer(id);
  } catch (err) {
    return errorReport(id, `inspect failed: ${errorMessage(err)}`);
  }
  if (!container || container.State?.Running === false) return undefined;
  const base = baseReport(container);
  try {
    const [image, root] = await Promise.all([
      ctx.engine.inspectImage(container.Image),
      cachedRootFacts(ctx, container),
    ]);
    const report = { ...base, root: root.root, uid: root.uid };
    const identity = identify(container, image, ctx.store);
    if (identity.kind === 'error') return { ...report, state: 'error', detail: identity.detail };
    if (identity.kind === 'no-registry-digest') {
      return {
        ...report,
        manifestDigest: identity.manifestDigest,
        state: 'no-registry-digest',
        detail: identity.detail,
      };
    }
    const candidates = await boundCandidates(ctx, identity.candidates, container.Image);
    if (!Array.isArray(candidates)) return { ...report, state: 'error', detail: candidates.detail };
    const { ref, outcome } = await verifyCandidates(ctx, candidates);
    return {
      ...report,
      digest: formatDigestRef(ref),
      manifestDigest: identity.manifestDigest,
      state: outcome.state,
      detail: outcome.detail,
      verdictIssuedAt: 'verdictIssuedAt' in outcome ? (outcome.verdictIssuedAt ?? null) : null,
    };
  } catch (err) {
    return { ...base, state: 'error', detail: errorMessage(err) };
  }
}

/**
 * Which outcome stands when an image has several registry digests (pushed to several
 * repositories): any verified one proves the bytes that run were approved; otherwise the most
 * alarming one is reported, so a bad signature is never hidden behind "unsigned".
 */
const SEVERITY: WatchState[] = [
  'invalid-signature',
  'verdict-failed',
  'verdict-stale',
  'error',
  'unsigned',
];

async function cachedRootFacts(ctx: EvaluateContext, c: ContainerInspect): Promise<RootFacts> {
  const key = `${c.Id} ${c.State?.StartedAt ?? ''}`;
  const hit = ctx.rootCache?.get(key);
  if (hit) return hit;
  const facts = await rootFacts(ctx.engine, c.Id, c.Config?.User ?? '');
  ctx.rootCache?.set(key, facts);
  return facts;
}

async function boundCandidates(
  ctx: EvaluateContext,
  candidates: DigestRef[],
  imageId: string,
): Promise<DigestRef[] | { detail: string }> {
  if (!ctx.bind || ctx.store !== 'classic') return candidates;
  const bound: DigestRef[] = [];
  let detail = '';
  for (const ref of candidates) {
    const result = await ctx.bind(ref, imageId);
    if (result.ok) bound.push(ref);
    else detail ||= result.detail;
  }
  // None holds what runs: the engine's record cannot be trusted for this container.
  return bound.length > 0 ? bound : { detail };
}

async function verifyCandidates(
  ctx: EvaluateContext,
  candidates: DigestRef[],
): Promise<{ ref: DigestRef; outcome: VerifyOutcome }> {
  const results = await Promise.all(
    candidates.map(async (ref) => {
      const { outcome, fresh } = await ctx.cache.get(ref);
      if (fresh) ctx.onVerified?.(outcome);
      return { ref, outcome };
    }),
  );
  const verified = results.find((r) => r.outcome.state === 'verified');
  if (verified) return verified;
  const rank = (s: WatchState): number => SEVERITY.indexOf(s);
  return results.reduce((worst, r) =>
    rank(r.outcome.state) < rank(worst.outcome.state) ? r : worst,
  );
}

function baseReport(c: ContainerInspect): ContainerReport {
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    imageId: c.Image,
    digest: null,
    manifestDigest: c.ImageManifestDescriptor?.digest ?? null,
    state: 'error',
    detail: '',
    root: true,
    uid: null,
    privileged: c.HostConfig?.Privileged === true,
    capAdd: normalizeCaps(c.HostConfig?.CapAdd ?? []),
    verdictIssuedAt: null,
  };
}

function errorReport(id: string, detail: string): ContainerReport {
  return {
    id,
    name: '',
    image: '',
    imageId: '',
    digest: null,
    manifestDigest: null,
    state: 'error',
    detail,
    root: true,
    uid: null,
    privileged: false,
    capAdd: [],
    verdictIssuedAt: null,
  };
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` are the same capability to the engine. */
export function normalizeCaps(caps: string[]): string[] {
  const names = caps.map((c) => {
    const upper = c.toUpperCase();
    return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  });
  return [...new Set(names)].sort();
}
