import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where and how a scanner runs so that nothing in the checked-out repository, the user's home or
 * the environment can change what it finds: an empty working directory of image-gate's own, a
 * home inside image-gate's cache, no ambient TRIVY_* / GRYPE_* / SYFT_* settings, and explicit
 * config and ignore files (empty ones, written here) so that no default location is searched.
 */
export interface Sandbox {
  /** The empty working directory the scanner runs in. */
  cwd: string;
  /** The complete environment of the scanner. */
  env: Record<string, string>;
  /** An empty Trivy config, passed with `--config`. */
  trivyConfig: string;
  /** An empty ignore file, passed with `--ignorefile`. */
  trivyIgnore: string;
  /** An empty directory, passed with `--module-dir` (Trivy modules can rewrite results). */
  trivyModules: string;
  /** Grype's config, passed with `--config`: an explicit file turns off every search path. */
  grypeConfig: string;
  remove(): Promise<void>;
}

/** Variables that configure the scanners or tell them where to look for configuration. */
const AMBIENT = /^(HOME|XDG_.*|TRIVY_.*|GRYPE_.*|SYFT_.*|STEREOSCOPE_.*)$/;

/**
 * Grype settings that must hold whatever its defaults become. Waivers live in the policy only, so
 * there are no ignore rules; EOL warnings are on so an end-of-life distro is reported. `pretty`:
 * Grype's JSON is otherwise one line, which @actions/exec's line splitter rescans on every chunk.
 */
const GRYPE_CONFIG = `# Written by image-gate: the only Grype configuration the scan reads.
check-for-app-update: false
pretty: true
only-fixed: false
only-notfixed: false
ignore-wontfix: ""
fail-on-severity: ""
ignore: []
exclude: []
vex-documents: []
vex-add: []
alerts:
  enable-eol-distro-warnings: true
`;

export async function createSandbox(cacheDir: string): Promise<Sandbox> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'image-gate-scan-'));
  const home = path.join(cacheDir, 'home');
  // Apart from the cwd, so that stays empty; a fresh random name, so nobody can plant it.
  const own = await mkdtemp(path.join(tmpdir(), 'image-gate-scan-config-'));
  await mkdir(home, { recursive: true });
  await mkdir(path.join(own, 'modules'));
  const files = {
    trivyConfig: path.join(own, 'trivy.yaml'),
    trivyIgnore: path.join(own, 'trivyignore'),
    trivyModules: path.join(own, 'modules'),
    grypeConfig: path.join(own, 'grype.yaml'),
  };
  await writeFile(files.trivyConfig, '# Written by image-gate: no Trivy settings.\n{}\n');
  await writeFile(files.trivyIgnore, '');
  await writeFile(files.grypeConfig, GRYPE_CONFIG);
  return {
    cwd,
    env: scannerEnv(process.env, home, cacheDir),
    ...files,
    async remove() {
      await rm(cwd, { recursive: true, force: true });
      await rm(own, { recursive: true, force: true });
    },
  };
}

/** The process's environment without ambient scanner settings, home and XDG dirs ours. */
export function scannerEnv(
  ambient: NodeJS.ProcessEnv,
  home: string,
  cacheDir: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ambient)) {
    if (value !== undefined && !AMBIENT.test(key)) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CONFIG_DIRS: path.join(home, '.config-dirs'),
    XDG_CACHE_HOME: path.join(cacheDir, 'xdg-cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_DATA_DIRS: path.join(home, '.data-dirs'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
  };
}

/**
 * Files in a workspace that would steer a scanner run there (config, ignore lists, VEX). The
 * scanners never read them (see above); the verdict says they were found and ignored.
 */
export const WORKSPACE_SCANNER_FILES = [
  'trivy.yaml',
  'trivy.yml',
  'trivy-secret.yaml',
  '.trivyignore',
  '.trivyignore.yaml',
  '.trivyignore.yml',
  '.grype.yaml',
  '.grype.yml',
  '.grype/config.yaml',
  '.grype/config.yml',
  '.syft.yaml',
  '.syft.yml',
  '.syft/config.yaml',
  '.syft/config.yml',
  '.vex',
] as const;

export function workspaceScannerFiles(dir: string): string[] {
  return WORKSPACE_SCANNER_FILES.filter((f) => existsSync(path.join(dir, f)));
}
