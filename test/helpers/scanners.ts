/**
 * The real scanners and their test databases, for integration tests: the binaries that
 * test/env/scanners.sh built (`$IMAGE_GATE_TEST_DIR/tools.env`), the databases test/scanners/dbs.sh
 * published (`scanners/dbs.env`) and the vuln-* images of test/scanners/images.sh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from './env.js';

const HINT =
  'run: bash test/env/start.sh && bash test/env/scanners.sh && bash test/scanners/images.sh && bash test/scanners/dbs.sh';

export interface RealScanners {
  trivy: string;
  grype: string;
  trivyVersion: string;
  grypeVersion: string;
  /** `127.0.0.1:PORT/image-gate-test/trivy-db:2`: built an hour before dbs.sh ran. */
  trivyDb: string;
  /** Built ten days before, NextUpdate long past. */
  trivyDbStale: string;
  /** Grype's update URL (latest.json) of the fresh database. */
  grypeDb: string;
  grypeDbStale: string;
}

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${HINT}`);
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)='(.*)'$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The real Trivy and Grype and where their test databases are served; throws with a hint. */
export function realScanners(): RealScanners {
  const dir = testEnv().dir;
  const tools = readEnvFile(join(dir, 'tools.env'));
  const dbs = readEnvFile(join(dir, 'scanners', 'dbs.env'));
  const need = (env: Record<string, string>, key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${key} is not set: ${HINT}`);
    return value;
  };
  return {
    trivy: need(tools, 'IMAGE_GATE_TEST_TRIVY'),
    grype: need(tools, 'IMAGE_GATE_TEST_GRYPE'),
    trivyVersion: need(tools, 'IMAGE_GATE_TEST_TRIVY_VERSION'),
    grypeVersion: need(tools, 'IMAGE_GATE_TEST_GRYPE_VERSION'),
    trivyDb: need(dbs, 'IMAGE_GATE_TEST_TRIVY_DB'),
    trivyDbStale: need(dbs, 'IMAGE_GATE_TEST_TRIVY_DB_STALE'),
    grypeDb: need(dbs, 'IMAGE_GATE_TEST_GRYPE_DB'),
    grypeDbStale: need(dbs, 'IMAGE_GATE_TEST_GRYPE_DB_STALE'),
  };
}

export interface VulnImage {
  /** `docker://127.0.0.1:PORT/image-gate-test/NAME:latest` */
  docker: string;
  daemon: string;
  dockerArchive: string;
  /** `oci:DIR` (no tag: the layout holds this one image) */
  oci: string;
  /** Path of the OCI layout directory. */
  ociDir: string;
  configDigest: string;
  manifestDigest: string;
  diffIds: string[];
}

/** vuln-app (minimist 1.2.5) or vuln-app-arm (minimist 1.2.6), built by test/scanners/images.sh. */
export function vulnImage(name: 'vuln-app' | 'vuln-app-arm'): VulnImage {
  const file = join(testEnv().dir, 'scanners', 'images', name, 'info.json');
  if (!existsSync(file)) throw new Error(`${name} is not built (no ${file}): ${HINT}`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as {
    ref: string;
    configDigest: string;
    manifestDigest: string;
    diffIds: string[];
    dockerArchive: string;
    oci: string;
  };
  return {
    docker: `docker://${info.ref}`,
    daemon: `docker-daemon:${info.ref}`,
    dockerArchive: `docker-archive:${info.dockerArchive}`,
    oci: `oci:${info.oci}`,
    ociDir: info.oci,
    configDigest: info.configDigest,
    manifestDigest: info.manifestDigest,
    diffIds: info.diffIds,
  };
}

/** vuln-multi: an OCI layout whose index holds vuln-app (linux/amd64) and vuln-app-arm (linux/arm64/v8). */
export function vulnMulti(): { oci: string; docker: string; platforms: Record<string, string> } {
  const file = join(testEnv().dir, 'scanners', 'images', 'vuln-multi', 'info.json');
  if (!existsSync(file)) throw new Error(`vuln-multi is not built (no ${file}): ${HINT}`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as {
    ref: string;
    oci: string;
    platforms: Record<string, string>;
  };
  return {
    oci: `oci:${info.oci}:latest`,
    docker: `docker://${info.ref}`,
    platforms: info.platforms,
  };
}
