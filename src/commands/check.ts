import type { Logger } from '../log.js';
import type { Verdict } from '../policy/verdict.js';

/** Everything `image-gate check` needs; the CLI and the action each build one. */
export interface CheckOptions {
  /** Image reference in skopeo's transport syntax. */
  image: string;
  /** Policy file; undefined means the built-in default policy. */
  policyPath?: string;
  trivyReport?: string;
  grypeReport?: string;
  /** `os/arch[/variant]`, default `linux/amd64`. */
  platform?: string;
  /** Verify TLS for non-loopback registries (default true). */
  tlsVerify?: boolean;
  /** Directory holding docker's config.json (default `$DOCKER_CONFIG` or `~/.docker`). */
  dockerConfigDir?: string;
  log: Logger;
}

/** Reads the image once, runs every rule of the policy and returns the verdict. */
export async function check(_options: CheckOptions): Promise<Verdict> {
  throw new Error('check: not implemented yet');
}
