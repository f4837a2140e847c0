import { describe, expect, test } from 'vitest';
import { PrometheusSink } from '../../../src/watch/prometheus.js';
import type { ContainerReport } from '../../../src/watch/state.js';

const report = (id: string, over: Partial<ContainerReport> = {}): ContainerReport => ({
  id,
  name: `name-${id}`,
  image: 'reg.example/app:1',
  imageId: `sha256:${'a'.repeat(64)}`,
  digest: `reg.example/app@sha256:${'b'.repeat(64)}`,
  manifestDigest: null,
  state: 'verified',
  detail: '',
  root: false,
  uid: 1000,
  privileged: false,
  capAdd: [],
  verdictIssuedAt: '2026-01-01T00:00:00Z',
  ...over,
});

const text = (s: PrometheusSink) => s.text.metrics();

describe('PrometheusSink', () => {
  test('one set of series per running container, removed when it goes', async () => {
    const s = new PrometheusSink();
    s.snapshot({
      containers: [report('c1'), report('c2', { state: 'unsigned', verdictIssuedAt: null })],
      engineUp: true,
    });
    let body = await text(s);
    expect(body).toContain(
      'image_gate_watch_container_status{container_id="c2",state="unsigned"} 1',
    );
    expect(body).toContain(
      'image_gate_watch_verdict_issued_timestamp_seconds{container_id="c1"} 1767225600',
    );
    expect(body).toContain('image_gate_watch_containers{state="unsigned"} 1');
    s.snapshot({ containers: [report('c1')], engineUp: true });
    body = await text(s);
    expect(body).not.toContain('c2');
    expect(body).toContain('image_gate_watch_containers{state="unsigned"} 0');
  });

  test('a state change replaces the status series instead of adding one', async () => {
    const s = new PrometheusSink();
    s.snapshot({ containers: [report('c1', { state: 'unsigned' })], engineUp: true });
    s.snapshot({ containers: [report('c1', { state: 'verified' })], engineUp: true });
    const body = await text(s);
    expect(body.match(/image_gate_watch_container_status\{/g)).toHaveLength(1);
    expect(body).toContain('state="verified"');
  });

  test('HELP and TYPE come first; _total only on counters; the engine gauge follows the snapshot', async () => {
    const s = new PrometheusSink();
    s.snapshot({ containers: [], engineUp: false });
    s.verified({ state: 'unsigned', detail: '' });
    s.failed('engine');
    const body = await text(s);
    expect(body).toContain('# HELP image_gate_watch_engine_up 1 when the Docker engine answers');
    expect(body).toContain('# TYPE image_gate_watch_engine_up gauge\nimage_gate_watch_engine_up 0');
    expect(body).toContain('image_gate_watch_verifications_total{result="unsigned"} 1');
    expect(body).toContain('image_gate_watch_errors_total{kind="engine"} 1');
    for (const m of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      expect(m[1]!.endsWith('_total')).toBe(m[2] === 'counter');
    }
  });

  test('label values are escaped', async () => {
    const s = new PrometheusSink();
    s.snapshot({ containers: [report('c1', { image: 'a"b\\c\nd' })], engineUp: true });
    expect(await text(s)).toContain('image_ref="a\\"b\\\\c\\nd"');
  });

  test('OpenMetrics only when the scraper asks for it', async () => {
    const s = new PrometheusSink();
    expect(s.registryFor(undefined).contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(s.registryFor('text/plain').contentType).toBe(
      'text/plain; version=0.0.4; charset=utf-8',
    );
    const om = s.registryFor('application/openmetrics-text;version=1.0.0,text/plain;q=0.5');
    expect(om.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const body = await om.metrics();
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toContain('# TYPE image_gate_watch_verifications counter');
    // prom-client renames counters in place for OpenMetrics: the text format must keep _total.
    expect(await s.text.metrics()).toContain('# TYPE image_gate_watch_verifications_total counter');
  });
});
