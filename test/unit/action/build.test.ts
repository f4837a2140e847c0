import { describe, expect, test } from 'vitest';
import {
  actionsExec,
  buildArgs,
  buildImage,
  daemonReference,
  type Exec,
} from '../../../src/action/build.js';

const BUILD = {
  context: 'app',
  file: 'app/Dockerfile',
  buildArgs: ['A=1'],
  target: 'run',
  tags: ['acme/api:pr-1', 'acme/api:latest'],
  platform: 'linux/arm64',
};

describe('docker build', () => {
  test('buildx loads the image into the engine; classic build has no --platform', () => {
    expect(buildArgs(BUILD, true)).toEqual([
      'buildx',
      'build',
      '--load',
      '--file',
      'app/Dockerfile',
      '--build-arg',
      'A=1',
      '--target',
      'run',
      '--platform',
      'linux/arm64',
      '--tag',
      'acme/api:pr-1',
      '--tag',
      'acme/api:latest',
      'app',
    ]);
    expect(buildArgs(BUILD, false).slice(0, 2)).toEqual(['build', '--file']);
    expect(buildArgs(BUILD, false)).not.toContain('--platform');
  });

  test('the first tag through the daemon, with an explicit tag', () => {
    expect(daemonReference('acme/api:pr-1')).toBe('docker-daemon:acme/api:pr-1');
    expect(daemonReference('localhost:5000/api')).toBe('docker-daemon:localhost:5000/api:latest');
  });

  test('buildx is detected with `docker buildx version`; output is shown as untrusted', async () => {
    const calls: string[][] = [];
    const exec: Exec = async (_cmd, args) => {
      calls.push(args);
      if (args[0] === 'buildx' && args[1] === 'version')
        return { code: 1, output: "'buildx' is not a docker command" };
      return { code: 0, output: '::set-output name=x::y\nSuccessfully built 123\n' };
    };
    const shown: string[] = [];
    const ref = await buildImage(BUILD, exec, { info: () => {}, untrusted: (t) => shown.push(t) });
    expect(ref).toBe('docker-daemon:acme/api:pr-1');
    expect(calls[1]![0]).toBe('build');
    expect(shown[0]).toMatch(/set-output/);
  });

  test('a failed build is an error with its last line', async () => {
    const exec: Exec = async (_c, args) =>
      args[1] === 'version'
        ? { code: 0, output: '' }
        : { code: 1, output: 'step 1\nERROR: failed to solve: no such file\n' };
    await expect(buildImage(BUILD, exec, { info: () => {}, untrusted: () => {} })).rejects.toThrow(
      /docker buildx build failed \(exit 1\): ERROR: failed to solve/,
    );
  });
});

describe('running docker through @actions/exec', () => {
  test('the exit code and stdout and stderr interleaved come back; nothing is echoed', async () => {
    const seen: string[] = [];
    const result = await actionsExec('sh', ['-c', 'echo built; echo warn >&2; exit 3'], (t) =>
      seen.push(t),
    );
    expect(result.code).toBe(3);
    expect(result.output.split('\n').sort()).toEqual(['', 'built', 'warn']);
    expect(seen.join('')).toBe(result.output);
  });

  test('a missing docker rejects (buildImage turns that into a daemon error)', async () => {
    await expect(actionsExec('image-gate-no-such-docker', ['build'])).rejects.toThrow(
      /Unable to locate executable file: image-gate-no-such-docker/,
    );
  });
});
