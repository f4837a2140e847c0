import { describe, expect, it } from 'vitest';
import { evaluateBaseImage } from '../../../src/policy/rules/base-image.js';
import type { ResolvedBase } from '../../../src/policy/rules/base-image.js';

/** `sha256:` + 64 hex made from a short tag, so tables stay readable. */
const d = (tag: string): string => `sha256:${tag.padEnd(64, '0')}`;

const debian: ResolvedBase = {
  reference: 'docker://r.example/debian:12',
  digest: d('dd'),
  diffIds: [d('a1'), d('a2')],
};
const tools: ResolvedBase = {
  reference: 'docker://r.example/debian-tools:12',
  diffIds: [d('a1'), d('a2'), d('b1')],
};
const alpine: ResolvedBase = { reference: 'docker://r.example/alpine:3', diffIds: [d('c1')] };

describe('evaluateBaseImage', () => {
  it.each([
    {
      name: 'image built on a base',
      image: [d('a1'), d('a2'), d('e1')],
      bases: [alpine, debian],
      status: 'pass',
      summary: 'built on docker://r.example/debian:12: its 2 layers, then 1 layer of its own',
      details: {
        base: { reference: debian.reference, digest: d('dd'), layers: 2 },
        sharedLayers: 2,
      },
    },
    {
      name: 'image identical to the base passes',
      image: [d('a1'), d('a2')],
      bases: [debian],
      status: 'pass',
      summary:
        'built on docker://r.example/debian:12: its 2 layers, then the image is that base, no layers of its own',
      details: {
        base: { reference: debian.reference, digest: d('dd'), layers: 2 },
        sharedLayers: 2,
      },
    },
    {
      name: 'several matches: the base with the most layers is named',
      image: [d('a1'), d('a2'), d('b1'), d('e1')],
      bases: [debian, tools],
      status: 'pass',
      summary: 'built on docker://r.example/debian-tools:12: its 3 layers, then 1 layer of its own',
      details: { base: { reference: tools.reference, layers: 3 }, sharedLayers: 3 },
    },
  ])('$name', ({ image, bases, status, summary, details }) => {
    const r = evaluateBaseImage(image, bases);
    expect(r).toEqual({ rule: 'base-image', status, summary, findings: [], details });
  });

  it('fails naming the closest base and where the layers part', () => {
    const r = evaluateBaseImage([d('a1'), d('x2'), d('e1')], [alpine, debian]);
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(
      `not built on an allowed base: closest is docker://r.example/debian:12, sharing 1 of its 2 layers; layer #1 differs (image ${d('x2')}, base ${d('a2')})`,
    );
    expect(r.details).toEqual({
      base: { reference: debian.reference, digest: d('dd'), layers: 2 },
      sharedLayers: 1,
      firstDifferentLayer: 1,
      imageDiffId: d('x2'),
      baseDiffId: d('a2'),
    });
    expect(r.findings).toEqual([
      'docker://r.example/alpine:3: shares 0 of its 1 layer',
      'docker://r.example/debian:12: shares 1 of its 2 layers',
    ]);
  });

  it('a base that merely appears later in the image does not count (prefix only)', () => {
    const r = evaluateBaseImage([d('c1'), d('a1'), d('a2')], [debian]);
    expect(r.status).toBe('fail');
    expect(r.details).toMatchObject({ sharedLayers: 0, firstDifferentLayer: 0 });
  });

  it('an image shorter than the base fails without an image diffID', () => {
    const r = evaluateBaseImage([d('a1')], [debian]);
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('the image ends after 1 layer, before the base does');
    expect(r.details).toEqual({
      base: { reference: debian.reference, digest: d('dd'), layers: 2 },
      sharedLayers: 1,
      firstDifferentLayer: 1,
      baseDiffId: d('a2'),
    });
  });

  it('on a tie, the first listed base is the closest', () => {
    const other: ResolvedBase = { reference: 'other', diffIds: [d('a1'), d('f2')] };
    const r = evaluateBaseImage([d('a1'), d('x2')], [other, debian]);
    expect(r.details.base?.reference).toBe('other');
  });

  it.each([
    {
      name: 'an unresolvable base is an error, never a pass, even when another matches',
      image: [d('a1'), d('a2'), d('e1')],
      bases: [debian, { reference: 'docker://r.example/gone:1', error: 'manifest unknown' }],
      summary:
        'cannot check the base image: 1 allowed base unusable; the image is built on docker://r.example/debian:12',
      error: 'docker://r.example/gone:1: cannot be resolved: manifest unknown',
    },
    {
      name: 'an unresolvable base with no match is an error, not a fail',
      image: [d('z1')],
      bases: [{ reference: 'docker://r.example/gone:1', error: 'timeout' }],
      summary: 'cannot check the base image: 1 allowed base unusable',
      error: 'docker://r.example/gone:1: cannot be resolved: timeout',
    },
    {
      name: 'a base with no layers would match anything: error',
      image: [d('z1')],
      bases: [{ reference: 'scratch', diffIds: [] }],
      summary: 'cannot check the base image: 1 allowed base unusable',
      error: 'scratch: has no layers, so it cannot be told apart from any image',
    },
    {
      name: 'no bases at all',
      image: [d('z1')],
      bases: [],
      summary: 'no allowed base to compare with',
      error: 'no allowed bases given',
    },
  ])('$name', ({ image, bases, summary, error }) => {
    const r = evaluateBaseImage(image, bases);
    expect(r.status).toBe('error');
    expect(r.summary).toBe(summary);
    expect(r.error).toBe(error);
  });
});
