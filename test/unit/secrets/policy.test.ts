import { describe, expect, test } from 'vitest';
import type { SecretFinding } from '../../../src/analyze/types.js';
import { parsePolicy } from '../../../src/policy/parse.js';
import { DEFAULT_ALLOW_RULES, evaluateSecrets } from '../../../src/policy/rules/secrets.js';

const at = (path: string, detector = 'private-key'): SecretFinding => ({
  kind: 'file',
  detector,
  title: 'Private key',
  layerIndex: 0,
  path,
  line: 1,
  excerpt: '-----BEGIN PRIVATE KEY-----****',
});

const TEST_KEYS = [
  at('/usr/share/go-1.19/src/crypto/tls/testdata/example-key.pem'),
  at('/usr/local/go/src/net/http/client_test.go', 'url-credentials'),
  at('/root/go/pkg/mod/github.com/x/y@v1.0.0/testdata/key.pem'),
  at('/usr/lib/python3/dist-packages/cryptography/hazmat/tests/keys/rsa.pem'),
  at('/usr/local/lib/python3.12/site-packages/jwt/tests/keys/testkey_rsa.priv'),
  at('/usr/lib/python3.11/test/keycert.pem'),
  at('/app/node_modules/jsonwebtoken/test/priv.pem'),
  at('/usr/share/nodejs/ssh2/test/fixtures/id_rsa'),
];

describe('default allow rules', () => {
  test('skip the test keys toolchains and packages ship, and say how many by rule', () => {
    const r = evaluateSecrets(TEST_KEYS, []);
    expect(r.status).toBe('pass');
    expect(r.details).toEqual({
      skippedByDefaultRule: {
        'go-toolchain-tests': 3,
        'python-package-tests': 3,
        'node-module-tests': 2,
      },
    });
    expect(r.summary).toBe(
      'no secrets found (3 skipped by default rule go-toolchain-tests; 3 skipped by default rule python-package-tests; 2 skipped by default rule node-module-tests)',
    );
  });

  test('never skip a key the application ships next to them', () => {
    const app = [
      at('/app/testdata.pem'),
      at('/usr/local/go/src/app/main.go'),
      at('/app/node_modules/pkg/lib/key.pem'),
      at('/usr/lib/python3/dist-packages/app/settings.py', 'generic-secret'),
    ];
    const r = evaluateSecrets([...TEST_KEYS, ...app], []);
    expect(r.status).toBe('fail');
    expect(r.findings).toEqual(app);
  });

  test('only findings in files: a test path in the environment is still a secret', () => {
    const env: SecretFinding = { ...at('/usr/local/go/src/x/testdata/k'), kind: 'env' };
    expect(evaluateSecrets([env], []).findings).toEqual([env]);
  });

  test('a policy switches them off', () => {
    const r = evaluateSecrets(TEST_KEYS, [], { defaultAllowRules: false });
    expect(r.findings).toHaveLength(TEST_KEYS.length);
    expect(r.details).toEqual({});
  });

  test('each rule has a name, a description and globs', () => {
    for (const rule of DEFAULT_ALLOW_RULES) {
      expect(rule.name).toMatch(/^[a-z0-9-]+$/);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(rule.paths.length).toBeGreaterThan(0);
    }
  });
});

describe('install-time keys allowed by detector', () => {
  const host = at('/etc/ssh/ssh_host_ed25519_key', 'ssh-host-key');
  const snakeoil = at('/etc/ssl/private/ssl-cert-snakeoil.key', 'snakeoil-key');

  test('are findings unless the policy names them, with a reason', () => {
    expect(evaluateSecrets([host, snakeoil], []).findings).toEqual([host, snakeoil]);
    const r = evaluateSecrets([host, snakeoil], [], {
      allowDetectors: [{ detector: 'ssh-host-key', reason: 'regenerated at container start' }],
    });
    expect(r.findings).toEqual([snakeoil]);
    expect(r.details).toEqual({ allowedByDetector: { 'ssh-host-key': 1 } });
    expect(r.summary).toBe('1 secret found: 1 in files (1 allowed by detector ssh-host-key)');
  });

  test('parse from the policy file, and a reason is required', () => {
    const policy = parsePolicy(
      [
        'apiVersion: image-gate/v1',
        'rules:',
        '  secrets:',
        '    default-allow-rules: false',
        '    allow-detectors:',
        '      - detector: ssh-host-key',
        '        reason: host keys are replaced by the entrypoint',
        '',
      ].join('\n'),
      'policy.yml',
    );
    expect(policy.rules.secrets).toEqual({
      allowPaths: [],
      defaultAllowRules: false,
      allowDetectors: [
        { detector: 'ssh-host-key', reason: 'host keys are replaced by the entrypoint' },
      ],
    });
    expect(() =>
      parsePolicy(
        'apiVersion: image-gate/v1\nrules:\n  secrets:\n    allow-detectors:\n      - detector: ssh-host-key\n',
        'policy.yml',
      ),
    ).toThrow(/reason/);
  });
});
