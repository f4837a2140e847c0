/**
 * Identity by what runs. The classic-store cases use the shapes dockerd 20.10 returns here; the
 * containerd-store case is a recorded shape from the Engine API docs (v1.48+: `.Image` is the
 * pulled index digest, `ImageManifestDescriptor` the platform manifest), since Debian's engine
 * has no containerd image store to run it against.
 */
import { describe, expect, test } from 'vitest';
import type { ContainerInspect, ImageInspect } from '../../../src/watch/engine.js';
import { imageStore } from '../../../src/watch/engine.js';
import { identify } from '../../../src/watch/identity.js';

const h = (c: string) => `sha256:${c.repeat(64)}`;

function container(image: string, extra: Partial<ContainerInspect> = {}): ContainerInspect {
  return {
    Id: 'c1',
    Name: '/app',
    Image: image,
    Config: { Image: 'reg.example/app:latest' },
    ...extra,
  };
}

describe('identify (classic image store)', () => {
  test('the registry digests the engine recorded for exactly that image ID', () => {
    const image: ImageInspect = {
      Id: h('a'),
      RepoDigests: [
        `reg.example/app@${h('b')}`,
        `mirror.example/app@${h('c')}`,
        `reg.example/app@${h('b')}`,
      ],
    };
    expect(identify(container(h('a')), image, 'classic')).toEqual({
      kind: 'digests',
      manifestDigest: null,
      candidates: [
        { repository: 'reg.example/app', digest: h('b') },
        { repository: 'mirror.example/app', digest: h('c') },
      ],
    });
  });

  test('a locally built image has no registry digest: its own state, not an error', () => {
    const id = identify(container(h('a')), { Id: h('a'), RepoDigests: [] }, 'classic');
    expect(id.kind).toBe('no-registry-digest');
  });

  test('Config.Image is never used: a name with a digest in it does not count', () => {
    const c = container(h('a'), { Config: { Image: `reg.example/app@${h('b')}` } });
    expect(identify(c, { Id: h('a'), RepoDigests: null }, 'classic').kind).toBe(
      'no-registry-digest',
    );
  });

  test('an image the engine no longer knows is an error', () => {
    expect(identify(container(h('a')), undefined, 'classic').kind).toBe('error');
  });

  test('an engine answering another image than asked is an error', () => {
    const id = identify(
      container(h('a')),
      { Id: h('d'), RepoDigests: [`r.example/x@${h('b')}`] },
      'classic',
    );
    expect(id).toMatchObject({ kind: 'error', detail: expect.stringMatching(/answered image/) });
  });

  test('a container whose .Image is not a digest is an error', () => {
    expect(identify(container('app:latest'), { Id: 'app:latest' }, 'classic').kind).toBe('error');
  });
});

describe('identify (containerd image store)', () => {
  test('.Image is the pulled digest: only RepoDigests naming it count; the platform manifest is kept', () => {
    const c = container(h('1'), { ImageManifestDescriptor: { digest: h('2') } });
    const image: ImageInspect = {
      Id: h('1'),
      RepoDigests: [`reg.example/app@${h('1')}`, `reg.example/other@${h('3')}`],
    };
    expect(identify(c, image, 'containerd')).toEqual({
      kind: 'digests',
      manifestDigest: h('2'),
      candidates: [{ repository: 'reg.example/app', digest: h('1') }],
    });
  });

  test('the store is detected from /info DriverStatus', () => {
    expect(imageStore([['driver-type', 'io.containerd.snapshotter.v1']])).toBe('containerd');
    expect(
      imageStore([
        ['Backing Filesystem', 'extfs'],
        ['Supports d_type', 'true'],
      ]),
    ).toBe('classic');
  });
});
