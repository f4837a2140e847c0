import { check } from '../commands/check.js';
import type { Logger } from '../log.js';
import type { Verdict } from '../policy/verdict.js';
import type { ScannerName } from '../scanners/finding.js';
import type { SignResult } from '../sign/sign.js';
import type { SignConfig } from './config.js';

/** One image to gate, with the inputs that apply to every image of the run. */
export interface GateRequest {
  image: string;
  policyPath?: string;
  trivyReport?: string;
  grypeReport?: string;
  platform?: string;
  maxDbAge?: string;
  /** Seconds. */
  scannerTimeout?: number;
  /** Scanners to run when the policy names none. */
  scanners?: ScannerName[];
  /** The scanners' database directory. */
  cacheDir?: string;
  log: Logger;
  /** Sign the gated digest when the verdict passes. */
  sign?: SignConfig;
  /** Told what was written, after it was read back and verified. */
  onSigned?: (result: SignResult) => void;
}

export type Gate = (request: GateRequest) => Promise<Verdict>;

/** The core's check; the action's scanner inputs override the policy's. */
export const checkGate: Gate = async (r) => {
  if (!r.sign) return check(checkOptions(r));
  // Loaded only when signing: sigstore's packages stay out of plain gating.
  const { gateAndSign } = await import('../commands/sign.js');
  const { verdict, signed } = await gateAndSign({
    ...checkOptions(r),
    ...(r.sign.keyless ? { keyless: r.sign.keyless } : { keyPem: r.sign.keyPem ?? '' }),
    ...(r.sign.password !== undefined ? { password: r.sign.password } : {}),
    formats: { legacy: r.sign.legacy, bundle: true },
  });
  if (signed) r.onSigned?.(signed);
  return verdict;
};

function checkOptions(r: GateRequest) {
  return {
    image: r.image,
    log: r.log,
    ...(r.policyPath !== undefined ? { policyPath: r.policyPath } : {}),
    ...(r.trivyReport ? { trivyReport: r.trivyReport } : {}),
    ...(r.grypeReport ? { grypeReport: r.grypeReport } : {}),
    ...(r.platform ? { platform: r.platform } : {}),
    ...(r.maxDbAge ? { maxDbAge: r.maxDbAge } : {}),
    ...(r.scannerTimeout ? { scannerTimeoutMs: r.scannerTimeout * 1000 } : {}),
    ...(r.scanners?.length ? { scanners: r.scanners } : {}),
    ...(r.cacheDir ? { cacheDir: r.cacheDir } : {}),
  };
}
