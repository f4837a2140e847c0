/**
 * A container that goes between the list and the inspect: a race the real engine cannot be
 * made to lose on purpose, so the engine here is a stand-in answering like dockerd does (404).
 */
import { describe, expect, test } from 'vitest';
import type { ContainerInspect, EngineClient } from '../../../src/watch/engine.js';
import { watchOnce } from '../../../src/watch/watcher.js';

const h = (c: string) => `sha256:${c.repeat(64)}`;

function engine(
  inspect: Record<string, ContainerInspect | undefined | Error>,
  repoDigests: string[] = [],
): EngineClient {
  return {
    negotiate: async () => '1.41',
    info: async () => ({ apiVersion: '1.41', store: 'classic', name: 'n', serverVersion: '20.10' }),
    listContainers: async () => Object.keys(inspect).map((Id) => ({ Id })),
    inspectContainer: async (id: string) => {
      const v = inspect[id];
      if (v instanceof Error) throw v;
      return v;
    },
    inspectImage: async (id: string) => ({ Id: id, RepoDigests: repoDigests }),
    archive: async () => undefined,
  } as unknown as EngineClient;
}

const running = (id: string): ContainerInspect => ({
  Id: id,
  Name: `/${id}`,
  Image: h('a'),
  State: { Running: true },
  Config: { User: '1000', Image: 'local:1' },
  HostConfig: {},
});

describe('containers that vanish or fail mid-pass', () => {
  test('gone between list and inspect (404), or stopped: left out, the others reported', async () => {
    const { containers } = await watchOnce({
      engine: engine({
        kept: running('kept'),
        gone: undefined,
        stopped: { ...running('stopped'), State: { Running: false } },
      }),
      verify: async () => ({ state: 'verified', detail: '' }),
      labels: [],
      sinks: [],
    });
    expect(containers.map((c) => [c.id, c.state])).toEqual([['kept', 'no-registry-digest']]);
  });

  test('an inspect that fails otherwise is an error state for that container, never dropped', async () => {
    const { containers } = await watchOnce({
      engine: engine({ bad: new Error('engine answered 500') }),
      verify: async () => ({ state: 'verified', detail: '' }),
      labels: [],
      sinks: [],
    });
    expect(containers).toMatchObject([{ id: 'bad', state: 'error', root: true }]);
    expect(containers[0]!.detail).toMatch(/engine answered 500/);
  });
});

describe('registry digests that do not hold the running image', () => {
  test('are never verified: the container is in error, the verifier is not asked', async () => {
    let asked = 0;
    const { containers } = await watchOnce({
      engine: engine({ c: running('c') }, [`reg.example/app@${h('b')}`]),
      verify: async () => {
        asked++;
        return { state: 'verified', detail: '' };
      },
      bind: async () => ({
        ok: false,
        detail: 'reg.example/app@… does not hold the running image',
      }),
      labels: [],
      sinks: [],
    });
    expect(containers).toMatchObject([
      { state: 'error', detail: expect.stringMatching(/does not hold/) },
    ]);
    expect(asked).toBe(0);
  });
});

describe('text others wrote', () => {
  test('a container name or reference carrying a token is masked before any output sees it', async () => {
    // Shaped like a real token, random, valid nowhere.
    const token = 'ghp_' + 'Zq8Lm2Xv7Rt4Ks9Pw3Nb6Yc1Hd5Jf0Ga2Ue7W';
    const { containers } = await watchOnce({
      engine: engine({
        leaky: { ...running('leaky'), Name: `/job-${token}`, Config: { Image: `app:${token}` } },
      }),
      verify: async () => ({ state: 'verified', detail: '' }),
      labels: [],
      sinks: [],
    });
    expect(containers).toHaveLength(1);
    expect(JSON.stringify(containers)).not.toContain(token.slice(4, 14));
  });
});
