/**
 * The real test environment for integration tests: the private dockerd and registry started by
 * test/env/start.sh and the images built by test/images/build.sh (and test/images/bench.sh).
 *
 * Values come from `$IMAGE_GATE_TEST_DIR/env.sh` (default /tmp/image-gate-test), each overridable
 * by the environment variable of the same name. Image references use the transports of
 * containers-image (skopeo), which image-gate also accepts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestEnv {
  /** State directory (`$IMAGE_GATE_TEST_DIR`). */
  dir: string;
  /** `unix:///…/docker.sock` of the test dockerd. */
  dockerHost: string;
  /** `127.0.0.1:PORT` of the test registry (plain HTTP). */
  registry: string;
  /** Filesystem root of the registry storage (`docker/registry/v2/…` below it). */
  registryStorage: string;
  /** Where build.sh writes `<name>/{docker-archive.tar,oci/,oci-archive.tar,info.json}`. */
  imagesDir: string;
  /** The docker client the scripts use. */
  dockerCli: string;
}

/** What build.sh recorded about an image (`images/<name>/info.json`). */
export interface ImageInfo {
  name: string;
  ref: string;
  /**
   * Config digest (`sha256:…`) in the registry, the docker archive and the engine: the image ID.
   */
  imageId: string;
  configDigest: string;
  /** Digest of the registry's `:latest` manifest (docker v2 schema 2). */
  manifestDigest: string;
  /**
   * The OCI layout and OCI archive hold skopeo's OCI conversion: an OCI manifest and a config
   * re-marshalled as an OCI image config (skopeo 1.9), hence other digests; same diff IDs.
   */
  ociManifestDigest: string;
  ociConfigDigest: string;
  diffIds: string[];
  layers: number;
  /** `127.0.0.1:PORT/image-gate-test/NAME:zstd` (OCI manifest, zstd layers), when built. */
  zstd?: string;
  zstdManifestDigest?: string;
  zstdConfigDigest?: string;
}

export interface TestImage {
  docker: string;
  /** OCI manifest with zstd layers in the registry, for the images that have one. */
  zstd?: string;
  dockerArchive: string;
  oci: string;
  ociArchive: string;
  daemon: string;
  info: ImageInfo;
}

const HINT = 'run: bash test/env/start.sh && bash test/images/build.sh';

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return out;
}

let cached: TestEnv | undefined;

/** The test environment; throws with a hint when it has not been started. */
export function testEnv(): TestEnv {
  if (cached) return cached;
  const dir = process.env.IMAGE_GATE_TEST_DIR ?? '/tmp/image-gate-test';
  const file = readEnvFile(join(dir, 'env.sh'));
  const get = (key: string): string | undefined => process.env[key] ?? file[key];
  // env.sh's DOCKER_HOST wins over an ambient DOCKER_HOST that may point at another engine.
  const dockerHost =
    get('IMAGE_GATE_TEST_DOCKER_HOST') ?? file.DOCKER_HOST ?? process.env.DOCKER_HOST;
  const registry = get('IMAGE_GATE_TEST_REGISTRY');
  if (!dockerHost || !registry) {
    throw new Error(`image-gate test environment not found in ${dir}/env.sh: ${HINT}`);
  }
  cached = {
    dir,
    dockerHost,
    registry,
    registryStorage: get('IMAGE_GATE_TEST_REGISTRY_STORAGE') ?? join(dir, 'registry'),
    imagesDir: join(dir, 'images'),
    dockerCli: get('IMAGE_GATE_TEST_DOCKER') ?? 'docker',
  };
  return cached;
}

function readInfo<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new Error(`${what} is not built (no ${file}): ${HINT}`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every transport of a test image built by test/images/build.sh. */
export function testImage(name: string): TestImage {
  const env = testEnv();
  const dir = join(env.imagesDir, name);
  const info = readInfo<ImageInfo>(join(dir, 'info.json'), `test image "${name}"`);
  if (!info.imageId) throw new Error(`"${name}" is an index: use multiArchImage()`);
  const repo = `${env.registry}/image-gate-test/${name}`;
  return {
    docker: `docker://${repo}:latest`,
    ...(info.zstd ? { zstd: `docker://${info.zstd}` } : {}),
    dockerArchive: `docker-archive:${join(dir, 'docker-archive.tar')}`,
    oci: `oci:${join(dir, 'oci')}:latest`,
    ociArchive: `oci-archive:${join(dir, 'oci-archive.tar')}:latest`,
    daemon: `docker-daemon:${repo}:latest`,
    info,
  };
}

export interface MultiArchImage {
  docker: string;
  oci: string;
  ociArchive: string;
  /** Digest of the OCI image index. */
  manifestDigest: string;
  /** Manifest digest by platform: `linux/amd64` (= good's) and `linux/arm64/v8`. */
  platforms: Record<string, string>;
}

/** The hand-written OCI index (linux/amd64 = `good`, linux/arm64/v8 = good + a marker layer). */
export function multiArchImage(): MultiArchImage {
  const env = testEnv();
  const dir = join(env.imagesDir, 'multi-arch');
  const info = readInfo<{ manifestDigest: string; platforms: Record<string, string> }>(
    join(dir, 'info.json'),
    'test image "multi-arch"',
  );
  return {
    docker: `docker://${env.registry}/image-gate-test/multi-arch:latest`,
    oci: `oci:${join(dir, 'oci')}:latest`,
    ociArchive: `oci-archive:${join(dir, 'oci-archive.tar')}:latest`,
    manifestDigest: info.manifestDigest,
    platforms: info.platforms,
  };
}

export interface TestSecrets {
  awsAccessKeyId: string;
  awsSecretAccessKey: string;
  githubToken: string;
  labelToken: string;
  docGithubToken: string;
  docAwsAccessKeyId: string;
  rsaPrivateKeyFile: string;
  rsaPrivateKeyLine: string;
  where: Record<string, string>;
}

/** The generated secret values planted in the secret-* images (see secrets.json's `where`). */
export function testSecrets(): TestSecrets {
  const file = join(testEnv().dir, 'secrets', 'secrets.json');
  return readInfo<TestSecrets>(file, 'the test secrets');
}

export interface BenchImage {
  docker: string;
  dockerArchive: string;
  oci: string;
  daemon: string;
  layers: number;
  uncompressedBytes: number;
  compressedBytes: number;
}

/** A benchmark image (`debian-base`, `app`, `large`) built by test/images/bench.sh. */
export function benchImage(name: string): BenchImage {
  const dir = join(
    process.env.IMAGE_GATE_BENCH_DIR ?? '/var/cache/image-gate-bench',
    'images',
    name,
  );
  const info = readInfo<{
    ref: string;
    layers: number;
    uncompressedBytes: number;
    compressedBytes: number;
    dockerArchive: string;
    oci: string;
  }>(join(dir, 'info.json'), `benchmark image "${name}" (run: bash test/images/bench.sh)`);
  return {
    docker: `docker://${info.ref}`,
    dockerArchive: `docker-archive:${info.dockerArchive}`,
    oci: `oci:${info.oci}:latest`,
    daemon: `docker-daemon:${info.ref}`,
    layers: info.layers,
    uncompressedBytes: info.uncompressedBytes,
    compressedBytes: info.compressedBytes,
  };
}

/** `skopeo ARGS… REF` with the options REF's transport needs here (plain HTTP, our daemon). */
export async function skopeo(args: string[], ref: string): Promise<Buffer> {
  const extra: string[] = [];
  if (ref.startsWith('docker://')) extra.push('--tls-verify=false');
  if (ref.startsWith('docker-daemon:')) extra.push('--daemon-host', testEnv().dockerHost);
  const { stdout } = await run('skopeo', [...args, ...extra, ref], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Digest of the manifest (or index) bytes exactly as skopeo reads them. */
export async function skopeoDigest(ref: string): Promise<string> {
  return sha256(await skopeo(['inspect', '--raw'], ref));
}

/** Digest of the config bytes exactly as skopeo reads them (an index: the host platform's). */
export async function skopeoConfigDigest(ref: string): Promise<string> {
  return sha256(await skopeo(['inspect', '--config', '--raw'], ref));
}
