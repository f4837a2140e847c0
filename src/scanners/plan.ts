import { GateError } from '../errors.js';
import type { ScannerName } from './finding.js';
import type { CommandRunner } from './runner.js';

export const ALL_SCANNERS: readonly ScannerName[] = ['trivy', 'grype'];

/**
 * How the vulnerabilities rule gets its findings. Decided here and only here: the CLI, the
 * action (which installs what will run) and the gate all ask `planScans`.
 */
export type ScanPlan =
  | { mode: 'off' }
  /** `missing`: scanners the policy names that no report was given for (each an error). */
  | {
      mode: 'reports';
      reports: { scanner: ScannerName; file: string }[];
      missing: ScannerName[];
    }
  /** `named`: the policy or the caller named the scanners, so each one must be installed. */
  | { mode: 'run'; scanners: ScannerName[]; named: boolean };

export interface PlanInput {
  /** The policy's vulnerabilities rule; absent means the rule is off. */
  rule: { scanners?: ScannerName[] } | undefined;
  /** Reports made elsewhere (`--trivy-report`, `--grype-report`): then no scanner runs. */
  reports: Partial<Record<ScannerName, string | undefined>>;
  /** The caller's scanners (the action's `scanners` input), used when the policy names none. */
  requested?: readonly ScannerName[];
}

/** The policy's scanners, else the caller's, else every one installed. Reports replace runs. */
export function planScans({ rule, reports, requested }: PlanInput): ScanPlan {
  if (!rule) return { mode: 'off' };
  const given = ALL_SCANNERS.filter((s) => reports[s]).map((s) => ({
    scanner: s,
    file: reports[s]!,
  }));
  if (given.length > 0) {
    const missing = (rule.scanners ?? []).filter((s) => !reports[s]);
    return { mode: 'reports', reports: given, missing };
  }
  const named = rule.scanners ?? (requested?.length ? [...requested] : undefined);
  return named ? { mode: 'run', scanners: named, named: true } : runAll();
}

function runAll(): ScanPlan {
  return { mode: 'run', scanners: [...ALL_SCANNERS], named: false };
}

export interface Located {
  found: { scanner: ScannerName; executable: string }[];
  /** Scanners that must run but were not found: each one an error of the rule. */
  errors: { scanner: string; message: string }[];
}

/**
 * The executables of a run plan, through the runner port. A named scanner that is missing is an
 * error; with none named, the ones installed run, and none at all is an error.
 */
export async function locateScanners(
  plan: Extract<ScanPlan, { mode: 'run' }>,
  runner: CommandRunner,
  executables: Partial<Record<ScannerName, string>> = {},
): Promise<Located> {
  const found: Located['found'] = [];
  const errors: Located['errors'] = [];
  for (const scanner of plan.scanners) {
    const executable = executables[scanner] ?? (await runner.which(scanner));
    if (executable !== undefined) found.push({ scanner, executable });
    else if (plan.named) errors.push({ scanner, message: notFound(scanner).message });
  }
  if (!plan.named && found.length === 0) {
    errors.push({
      scanner: 'trivy/grype',
      message:
        'no vulnerability scanner found on PATH: install trivy or grype, or pass --trivy-report/--grype-report',
    });
  }
  return { found, errors };
}

function notFound(scanner: ScannerName): GateError {
  return new GateError(
    'scanner',
    `${scanner} was not found on PATH: install it, or let the action install its pinned release`,
  );
}
