import { describe, expect, test } from 'vitest';
import { parseCommandLine } from '../../../src/cli/args.js';

describe('the command line', () => {
  test('check takes one image, several outputs and the report files', () => {
    expect(
      parseCommandLine([
        'check',
        'alpine',
        '--policy',
        'p.yml',
        '--format',
        'json',
        '--output',
        'sarif=out/gate.sarif',
        '--output',
        'markdown=gate.md',
        '--trivy-report',
        't.json',
        '--tls-verify=false',
        '--platform',
        'linux/arm64',
      ]),
    ).toEqual({
      command: 'check',
      image: 'alpine',
      policy: 'p.yml',
      format: 'json',
      outputs: [
        { format: 'sarif', file: 'out/gate.sarif' },
        { format: 'markdown', file: 'gate.md' },
      ],
      trivyReport: 't.json',
      common: { tlsVerify: false, debug: false, platform: 'linux/arm64' },
    });
  });

  test('check takes where the scanner databases come from and are kept', () => {
    const command = parseCommandLine([
      'check',
      'alpine',
      '--trivy-db-repository',
      '127.0.0.1:5000/trivy-db:2',
      '--grype-db-url',
      'http://127.0.0.1:8080/latest.json',
      '--cache-dir',
      '/var/cache/gate',
    ]);
    expect(command).toMatchObject({
      scannerDb: {
        trivyRepository: '127.0.0.1:5000/trivy-db:2',
        grypeUpdateUrl: 'http://127.0.0.1:8080/latest.json',
        cacheDir: '/var/cache/gate',
      },
    });
    expect(parseCommandLine(['check', 'alpine'])).not.toHaveProperty('scannerDb');
  });

  test('no command, help and version', () => {
    expect(parseCommandLine([]).command).toBe('help');
    expect(parseCommandLine(['--help']).command).toBe('help');
    expect(parseCommandLine(['-v']).command).toBe('version');
  });

  test.each([
    [['inspect'], 'inspect takes exactly one IMAGE (got 0)'],
    [['inspect', 'a', 'b'], 'inspect takes exactly one IMAGE (got 2)'],
    [['inspect', 'a', '--format', 'sarif'], 'unknown format "sarif" (one of: table, json)'],
    [['check', 'a', '--output', 'sarif'], '--output takes FORMAT=FILE'],
    [['check', 'a', '--output', 'pdf=x'], 'unknown format "pdf"'],
    [['check', 'a', '--tls-verify=maybe'], '--tls-verify takes true or false'],
    [['check', 'a', '--polcy', 'x'], "Unknown option '--polcy'"],
    [['merge'], 'merge needs at least one report file'],
    [['scan', 'a'], 'unknown command "scan"'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
