import { describe, expect, test } from 'vitest';
import { formatPoint } from '../../../src/watch/line-protocol.js';
import { imageRepo, snapshotPoints } from '../../../src/watch/influx.js';
import type { ContainerReport } from '../../../src/watch/state.js';

describe('line protocol', () => {
  test('escapes every part by its own rules and suffixes integers', () => {
    const line = formatPoint({
      measurement: 'my measure,x',
      tags: { 'tag key': 'a=b,c d', empty: '' },
      fields: {
        's k': { type: 'string', value: 'say "hi" \\ bye' },
        n: { type: 'int', value: 3 },
        b: { type: 'bool', value: true },
        f: { type: 'float', value: 1.5 },
      },
      timeNs: 1700000000000000000n,
    });
    expect(line).toBe(
      'my\\ measure\\,x,tag\\ key=a\\=b\\,c\\ d s\\ k="say \\"hi\\" \\\\ bye",n=3i,b=true,f=1.5 1700000000000000000',
    );
  });

  test('a newline cannot be escaped: it becomes a space, so one point stays one line', () => {
    const line = formatPoint({
      measurement: 'm',
      tags: { name: 'evil\nm2 v=1' },
      fields: { d: { type: 'string', value: 'a\nb' } },
      timeNs: 1n,
    });
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toBe('m,name=evil\\ m2\\ v\\=1 d="a b" 1');
  });
});

const report = (over: Partial<ContainerReport>): ContainerReport => ({
  id: 'c'.repeat(64),
  name: 'web',
  image: 'reg.example:5000/team/web:1.2',
  imageId: `sha256:${'a'.repeat(64)}`,
  digest: `reg.example:5000/team/web@sha256:${'b'.repeat(64)}`,
  manifestDigest: null,
  state: 'verified',
  detail: 'ok',
  root: false,
  uid: 1000,
  privileged: false,
  capAdd: [],
  verdictIssuedAt: null,
  ...over,
});

describe('snapshot points', () => {
  test('tags are bounded (host, name, repo, state); digests and ids are fields; types never change', () => {
    const points = snapshotPoints(
      {
        containers: [
          report({}),
          report({ id: 'd'.repeat(64), digest: null, state: 'no-registry-digest' }),
        ],
        engineUp: true,
        info: { name: 'node1', apiVersion: '1.41', store: 'classic', serverVersion: '20.10' },
      },
      5n,
    );
    const [a, b, engine] = points;
    expect(Object.keys(a!.tags).sort()).toEqual(['container_name', 'host', 'image_repo', 'state']);
    expect(a!.tags.image_repo).toBe('reg.example:5000/team/web');
    for (const key of Object.keys(a!.tags)) expect(a!.fields).not.toHaveProperty(key);
    const types = (p: typeof a) =>
      Object.fromEntries(Object.entries(p!.fields).map(([k, v]) => [k, v.type]));
    expect(types(a)).toEqual(types(b));
    expect(b!.fields.digest).toEqual({ type: 'string', value: '' });
    expect(formatPoint(engine!)).toBe(
      'image_gate_watch_engine,host=node1 up=1i,containers=2i,not_verified=1i 5',
    );
  });

  test('imageRepo drops the tag and the digest but keeps a registry port', () => {
    expect(imageRepo('localhost:5000/app:1')).toBe('localhost:5000/app');
    expect(imageRepo('localhost:5000/app')).toBe('localhost:5000/app');
    expect(imageRepo(`app@sha256:${'a'.repeat(64)}`)).toBe('app');
  });
});
