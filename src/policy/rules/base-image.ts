import type { BaseImageDetails, RuleResult } from '../verdict.js';
import { plural } from './text.js';

/**
 * An allowed base as the caller resolved it for the checked image's platform: its layers, or
 * why they could not be had (src/gate/bases.ts produces these; its type is assignable here).
 */
export type ResolvedBase =
  | { reference: string; digest?: string; diffIds: string[] }
  | { reference: string; digest?: string; error: string };

export type BaseImageResult = RuleResult & { rule: 'base-image' };

/**
 * The image is built on an allowed base when its diff_ids begin with all of that base's
 * diff_ids, in order. An image identical to a base (no layers of its own) passes: it is that
 * base, which is allowed.
 *
 * A base that could not be resolved makes the rule an error even when another base matches:
 * an allow-list that cannot be read is a broken policy, and reporting it beats passing on
 * what happened to resolve. It is never a pass, and never a fail either, since the image may be
 * built on exactly that base.
 */
export function evaluateBaseImage(imageDiffIds: string[], bases: ResolvedBase[]): BaseImageResult {
  const result = (
    status: BaseImageResult['status'],
    summary: string,
    findings: string[],
    details: BaseImageDetails,
    error?: string,
  ): BaseImageResult => ({
    rule: 'base-image',
    status,
    summary,
    ...(error !== undefined ? { error } : {}),
    findings,
    details,
  });

  if (bases.length === 0) {
    return result('error', 'no allowed base to compare with', [], {}, 'no allowed bases given');
  }
  const broken = bases.flatMap((b) =>
    'error' in b
      ? [`${b.reference}: cannot be resolved: ${b.error}`]
      : b.diffIds.length === 0
        ? [`${b.reference}: has no layers, so it cannot be told apart from any image`]
        : [],
  );
  const usable = bases.filter(
    (b): b is Extract<ResolvedBase, { diffIds: string[] }> =>
      !('error' in b) && b.diffIds.length > 0,
  );
  const compared = usable.map((base) => ({
    base,
    shared: commonPrefix(imageDiffIds, base.diffIds),
  }));
  // Several matches (debian and debian+tools): the one with most layers is the real parent.
  const matches = compared
    .filter((c) => c.shared === c.base.diffIds.length)
    .sort((a, b) => b.shared - a.shared);
  const match = matches[0];
  // The closest base: the longest common prefix; on a tie, the first listed.
  const closest = compared.reduce<(typeof compared)[number] | undefined>(
    (best, c) => (best === undefined || c.shared > best.shared ? c : best),
    undefined,
  );

  const baseInfo = (b: (typeof usable)[number]) => ({
    reference: b.reference,
    ...(b.digest !== undefined ? { digest: b.digest } : {}),
    layers: b.diffIds.length,
  });

  if (broken.length > 0) {
    const details: BaseImageDetails = match
      ? { base: baseInfo(match.base), sharedLayers: match.shared }
      : {};
    const also = match ? `; the image is built on ${match.base.reference}` : '';
    return result(
      'error',
      `cannot check the base image: ${plural(broken.length, 'allowed base')} unusable${also}`,
      broken,
      details,
      broken.join('; '),
    );
  }

  if (match) {
    const own = imageDiffIds.length - match.shared;
    const ownText =
      own === 0
        ? 'the image is that base, no layers of its own'
        : `${plural(own, 'layer')} of its own`;
    return result(
      'pass',
      `built on ${match.base.reference}: its ${plural(match.shared, 'layer')}, then ${ownText}`,
      [],
      { base: baseInfo(match.base), sharedLayers: match.shared },
    );
  }

  const c = closest!;
  const index = c.shared;
  const imageDiffId = imageDiffIds[index];
  const baseDiffId = c.base.diffIds[index];
  const where =
    imageDiffId === undefined
      ? `the image ends after ${plural(index, 'layer')}, before the base does`
      : `layer #${index} differs (image ${imageDiffId}, base ${baseDiffId})`;
  const findings = compared.map(
    ({ base, shared }) =>
      `${base.reference}: shares ${shared} of its ${plural(base.diffIds.length, 'layer')}`,
  );
  return result(
    'fail',
    `not built on an allowed base: closest is ${c.base.reference}, sharing ${c.shared} of its ${plural(c.base.diffIds.length, 'layer')}; ${where}`,
    findings,
    {
      base: baseInfo(c.base),
      sharedLayers: c.shared,
      firstDifferentLayer: index,
      ...(imageDiffId !== undefined ? { imageDiffId } : {}),
      ...(baseDiffId !== undefined ? { baseDiffId } : {}),
    },
  );
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
