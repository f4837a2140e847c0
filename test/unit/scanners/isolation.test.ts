import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  createSandbox,
  scannerEnv,
  WORKSPACE_SCANNER_FILES,
  workspaceScannerFiles,
} from '../../../src/scanners/isolation.js';

const dir = mkdtempSync(path.join(tmpdir(), 'image-gate-isolation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the environment a scanner gets', () => {
  test('no ambient scanner setting or config location survives; the rest passes through', () => {
    const env = scannerEnv(
      {
        PATH: '/usr/bin',
        TMPDIR: '/tmp',
        HTTPS_PROXY: 'http://proxy:3128',
        HOME: '/home/dev',
        XDG_CONFIG_HOME: '/home/dev/.config',
        XDG_CONFIG_DIRS: '/etc/xdg',
        TRIVY_IGNOREFILE: '/repo/.trivyignore',
        TRIVY_SEVERITY: 'CRITICAL',
        GRYPE_CONFIG: '/repo/.grype.yaml',
        GRYPE_ONLY_FIXED: 'true',
        SYFT_EXCLUDE: '/usr/lib',
        STEREOSCOPE_TMP: '/x',
      },
      '/cache/home',
      '/cache',
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      TMPDIR: '/tmp',
      HTTPS_PROXY: 'http://proxy:3128',
      HOME: '/cache/home',
      XDG_CONFIG_HOME: '/cache/home/.config',
      XDG_CONFIG_DIRS: '/cache/home/.config-dirs',
      XDG_CACHE_HOME: '/cache/xdg-cache',
      XDG_DATA_HOME: '/cache/home/.local/share',
      XDG_DATA_DIRS: '/cache/home/.data-dirs',
      XDG_STATE_HOME: '/cache/home/.local/state',
    });
  });
});

describe('the sandbox', () => {
  test('an empty working directory, and explicit config files with nothing that drops findings', async () => {
    const sandbox = await createSandbox(path.join(dir, 'cache'));
    try {
      expect(readdirSync(sandbox.cwd)).toEqual([]);
      expect(path.dirname(sandbox.trivyConfig)).not.toBe(sandbox.cwd);
      expect(readFileSync(sandbox.trivyIgnore, 'utf8')).toBe('');
      expect(readdirSync(sandbox.trivyModules)).toEqual([]);
      const grype = readFileSync(sandbox.grypeConfig, 'utf8');
      for (const line of [
        'ignore: []',
        'exclude: []',
        'vex-documents: []',
        'only-fixed: false',
        'ignore-wontfix: ""',
      ]) {
        expect(grype).toContain(`\n${line}\n`);
      }
      expect(sandbox.env.HOME).toBe(path.join(dir, 'cache', 'home'));
    } finally {
      await sandbox.remove();
    }
  });
});

describe('scanner configuration in the workspace', () => {
  test('every file a scanner would read from its working directory is found', () => {
    const ws = path.join(dir, 'ws');
    mkdirSync(path.join(ws, '.grype'), { recursive: true });
    mkdirSync(path.join(ws, '.syft'), { recursive: true });
    mkdirSync(path.join(ws, '.vex'), { recursive: true });
    for (const f of WORKSPACE_SCANNER_FILES) if (f !== '.vex') writeFileSync(path.join(ws, f), '');
    expect(workspaceScannerFiles(ws)).toEqual([...WORKSPACE_SCANNER_FILES]);
    expect(workspaceScannerFiles(path.join(dir, 'cache'))).toEqual([]);
  });
});
