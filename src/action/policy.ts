import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { RuleLocations } from '../github/annotations.js';
import { loadPolicy } from '../policy/load.js';
import { loadWithPositions } from '../policy/positions.js';
import type { LoadedPolicy } from '../policy/types.js';
import { RULE_NAMES } from '../policy/verdict.js';

/**
 * A path as annotations need it: relative to the repository root (the workspace), or GitHub
 * cannot place the annotation on the file.
 */
export function workspacePath(file: string, workspace: string): string {
  if (!isAbsolute(file)) return file.replace(/^\.\//, '');
  const rel = relative(workspace, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/**
 * Loads the policy before any image is read: a broken policy is a GateError with its file and
 * line, reported once instead of once per image. Also finds the line of each rule, where the
 * failure annotations of that rule go.
 */
export async function loadActionPolicy(
  path: string | undefined,
  workspace: string,
): Promise<{ policy: LoadedPolicy; locations: RuleLocations }> {
  const policy = await loadPolicy(path);
  if (path === undefined) return { policy, locations: {} };
  const file = workspacePath(path, workspace);
  const locations: RuleLocations = {};
  try {
    const doc = loadWithPositions(await readFile(path, 'utf8'), path);
    for (const rule of RULE_NAMES) {
      const at = doc.positions.get(`/rules/${rule}`);
      const pos = at?.key ?? at?.value;
      if (pos) locations[rule] = { file, line: pos.line };
    }
  } catch {
    // The policy loaded, so this cannot fail in practice; annotations then just have no line.
  }
  return { policy, locations };
}
