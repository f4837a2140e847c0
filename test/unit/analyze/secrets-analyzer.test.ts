import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { configSecrets, SecretsAnalyzer } from '../../../src/analyze/secrets-analyzer.js';
import { openImage } from '../../../src/image/open.js';
import type { ImageConfig } from '../../../src/image/types.js';
import { walkImage } from '../../../src/layers/walk.js';
import { buildOciImage } from '../../../scripts/oci-builder.mjs';

// Shaped like a real token, random, valid nowhere.
const TOKEN = 'ghp_' + 'Zq8Lm2Xv7Rt4Ks9Pw3Nb6Yc1Hd5Jf0Ga2Ue7W';
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('secrets in the image config', () => {
  const config: ImageConfig = {
    rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64)] },
    config: { Env: ['PATH=/bin', `GITHUB_TOKEN=${TOKEN}`], Labels: { 'ci.token': TOKEN } },
    history: [
      { created_by: 'ADD rootfs.tar /' },
      { created_by: `ARG TOKEN=${TOKEN}`, empty_layer: true },
      { created_by: `|1 TOKEN=${TOKEN} /bin/sh -c make` },
      { created_by: 'docker commit', comment: `fixed with ${TOKEN}`, empty_layer: true },
    ],
  };
  const found = configSecrets(config, config.rootfs.diff_ids);

  test('env, labels, history created_by and comments, each with where it is', () => {
    expect(found.map((f) => [f.kind, f.path ?? f.historyIndex, f.layerIndex])).toEqual([
      ['env', 'GITHUB_TOKEN', undefined],
      ['label', 'ci.token', undefined],
      ['history', 1, undefined],
      ['history', 2, 1],
      ['history', 3, undefined],
    ]);
    expect(found[3]!.diffId).toBe(config.rootfs.diff_ids[1]);
  });

  test('no finding carries the token', () => {
    expect(JSON.stringify(found)).not.toContain(TOKEN.slice(4));
  });

  test('a token in any other free-text config field is a finding too (not only masked)', () => {
    const fields: ImageConfig = {
      rootfs: { type: 'layers', diff_ids: [] },
      author: `ci ${TOKEN}`,
      config: {
        User: TOKEN,
        Entrypoint: ['/app', `--token=${TOKEN}`],
        Cmd: ['serve', TOKEN],
        WorkingDir: `/srv/${TOKEN}`,
        Volumes: { [`/data/${TOKEN}`]: {} },
        Healthcheck: { Test: ['CMD', 'curl', `-H`, `Authorization: token ${TOKEN}`] },
        OnBuild: [`RUN echo ${TOKEN}`],
      } as ImageConfig['config'],
    };
    const where = configSecrets(fields, []).map((f) => `${f.kind} ${f.path}`);
    expect(where).toEqual([
      'config User',
      'config Entrypoint',
      'config Cmd',
      'config WorkingDir',
      'config OnBuild',
      'config Volumes',
      'config Healthcheck',
      'config author',
    ]);
  });
});

describe('secrets in layer files', () => {
  test('a secret in a file that a later layer deletes is found, with its layer', async () => {
    const img = await buildOciImage([
      { members: [{ path: 'etc/hostname', content: 'box\n' }] },
      { members: [{ path: 'root/.git-credentials', content: `https://ci:${TOKEN}@github.com\n` }] },
      { members: [{ path: 'root/.wh..git-credentials', content: '' }] },
    ]);
    dirs.push(img.dir);
    const image = await openImage(img.ref);
    const secrets = new SecretsAnalyzer();
    await walkImage(image, [secrets]);
    await image.close();
    expect(secrets.findings()).toEqual([
      expect.objectContaining({
        kind: 'file',
        path: '/root/.git-credentials',
        line: 1,
        layerIndex: 1,
        diffId: img.diffIds[1],
      }),
    ]);
  });
});
