import { describe, expect, test } from 'vitest';
import { parseCommandLine } from '../../../src/cli/args.js';
import { parseListen, parseWatchCommand } from '../../../src/cli/watch-args.js';

describe('watch command line', () => {
  test('defaults and flags', () => {
    const cmd = parseCommandLine([
      'watch',
      '--key',
      'k.pub',
      '--once',
      '--max-age',
      '7d',
      '--label',
      'team=a',
      '--label',
      'x',
    ]);
    expect(cmd).toMatchObject({
      command: 'watch',
      key: 'k.pub',
      once: true,
      format: 'json',
      maxAgeMs: 7 * 86_400_000,
      intervalMs: 60_000,
      ttlMs: 300_000,
      labels: ['team=a', 'x'],
      tlsVerify: true,
    });
  });

  test('InfluxDB 1.x takes the password and 2.x the token from the environment, never argv', () => {
    const v1 = parseWatchCommand(
      ['--key', 'k', '--influx-url', 'http://i:8086', '--influx-db', 'd', '--influx-username', 'u'],
      { INFLUX_PASSWORD: 'pw' },
    );
    expect(v1).toMatchObject({
      influx: { version: 1, database: 'd', username: 'u', password: 'pw' },
    });
    const v2 = parseWatchCommand(
      ['--key', 'k', '--influx-url', 'http://i:8086', '--influx-org', 'o', '--influx-bucket', 'b'],
      { INFLUX_TOKEN: 't' },
    );
    expect(v2).toMatchObject({ influx: { version: 2, org: 'o', bucket: 'b', token: 't' } });
  });

  test.each([
    [[], /needs --key/],
    [['--key', 'k', '--format', 'table'], /unknown format/],
    [['--key', 'k', '--interval', '0s'], /longer than 0/],
    [['--key', 'k', '--listen', 'nope'], /HOST:PORT/],
    [['--key', 'k', '--influx-url', 'http://x'], /--influx-db .* or --influx-bucket/],
    [['--key', 'k', '--influx-url', 'http://x', '--influx-bucket', 'b'], /needs --influx-org/],
    [['--key', 'k', '--policy-digest', 'abc'], /sha256/],
    [['--key', 'k', 'extra'], /Unexpected argument/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseWatchCommand(argv as string[], {})).toThrow(message);
  });

  test('listen addresses', () => {
    expect(parseListen('127.0.0.1:9810')).toEqual({ host: '127.0.0.1', port: 9810 });
    expect(parseListen(':9810')).toEqual({ host: '0.0.0.0', port: 9810 });
    expect(parseListen('[::1]:9810')).toEqual({ host: '::1', port: 9810 });
  });
});
