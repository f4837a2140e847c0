import { describe, expect, test } from 'vitest';
import {
  formatSize,
  shortDigest,
  shortMediaType,
  showControl,
  severityText,
} from '../../../src/report/format.js';
import { finding } from './builders.js';

describe('format helpers', () => {
  test.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [12_345_678, '12.3 MB'],
    [999_999, '1.0 MB'],
    [3_200_000_000, '3.2 GB'],
  ])('formatSize(%d) is %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test('shortDigest keeps the algorithm and 12 hex digits', () => {
    expect(shortDigest('sha256:' + '0123456789abcdef'.repeat(4))).toBe('sha256:0123456789ab');
    expect(shortDigest(undefined)).toBe('-');
  });

  test('shortMediaType', () => {
    expect(shortMediaType('application/vnd.oci.image.layer.v1.tar+gzip')).toBe('oci tar+gzip');
    expect(shortMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe(
      'docker tar.gzip',
    );
    expect(shortMediaType('application/x-custom')).toBe('application/x-custom');
  });

  test('showControl makes newlines and escape sequences visible', () => {
    expect(showControl('a\nb\u001b[31mc\td')).toBe('a\\nb\\x1b[31mc\\td');
  });

  test('severity disagreements name each scanner, trivy first', () => {
    const f = finding({
      severity: 'critical',
      severityBySource: { grype: 'critical', trivy: 'high' },
    });
    expect(severityText(f)).toBe('high (trivy) / critical (grype)');
    expect(severityText(finding())).toBe('high');
  });
});
