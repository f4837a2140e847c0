import { dirname } from 'node:path';
import { errorMessage } from '../errors.js';
import type { LoadedPolicy } from '../policy/types.js';
import type { ScannerName } from '../scanners/finding.js';
import { installScanner, type ToolCache } from '../scanners/install.js';
import { planScans } from '../scanners/plan.js';
import { actionsExecRunner, type CommandRunner } from '../scanners/runner.js';
import type { ActionConfig } from './config.js';
import type { ActionIo } from './io.js';

/**
 * The scanners the gate will run, put on PATH: pinned releases, checksum-verified, from the
 * tool cache. Only when they will be used (a vulnerabilities rule and no reports given), and
 * a scanner already on PATH is kept unless a version was asked for. A failed install is only
 * a warning here: the vulnerabilities rule then reports the missing scanner and fails closed.
 */
export async function prepareScanners(
  config: ActionConfig,
  policy: LoadedPolicy,
  toolCache: ToolCache,
  io: ActionIo,
  runner: CommandRunner = actionsExecRunner,
): Promise<ScannerName[]> {
  const plan = planScans({
    rule: policy.policy.rules.vulnerabilities,
    reports: { trivy: config.trivyReport, grype: config.grypeReport },
    requested: config.scanners,
  });
  if (plan.mode !== 'run') return [];
  const installed: ScannerName[] = [];
  for (const scanner of plan.scanners) {
    const version = config.scannerVersions[scanner];
    if (!version && (await runner.which(scanner))) continue;
    try {
      const exe = await installScanner(scanner, { toolCache, ...(version ? { version } : {}) });
      io.addPath(dirname(exe));
      io.info(`${scanner} installed: ${exe}`);
      installed.push(scanner);
    } catch (err) {
      io.warn(`could not install ${scanner}: ${errorMessage(err)}`);
    }
  }
  return installed;
}
