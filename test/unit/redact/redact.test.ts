import { describe, expect, test } from 'vitest';
import { errorDetail, errorMessage, GateError } from '../../../src/errors.js';
import { stderrLogger } from '../../../src/log.js';
import {
  escapeControls,
  maskSecrets,
  redactCredentials,
  safeArgv,
  safeDeep,
  safeText,
} from '../../../src/redact.js';
import { parseReference } from '../../../src/image/reference.js';
import { SecretScanner } from '../../../src/analyze/secrets/scanner.js';
import { plantSecrets, secretValues } from '../../images/leak-fixture.mjs';

const s = plantSecrets();

/** True when any 10-character slice of any planted secret occurs in `text`. */
function leaks(text: string): boolean {
  return secretValues(s).some((v) =>
    Array.from({ length: v.length - 9 }, (_, i) => v.slice(i, i + 10)).some((x) =>
      text.includes(x),
    ),
  );
}

describe('escapeControls: the one escaping function', () => {
  test('C0, DEL, C1, CR and bidi overrides become visible escapes', () => {
    expect(escapeControls('a\u001b[2Jb\rc\u009bd\u007f\u202eevil\u2066')).toBe(
      'a\\x1b[2Jb\\rc\\x9bd\\x7f\\u202eevil\\u2066',
    );
  });

  test('LF and TAB are kept only when asked (multi-line text), CR never', () => {
    expect(escapeControls('a\nb\tc\rd', true)).toBe('a\nb\tc\\rd');
    expect(escapeControls('a\nb\tc')).toBe('a\\nb\\tc');
  });

  test('it is idempotent: escaping twice changes nothing more', () => {
    const once = escapeControls('\u001b]0;title\u0007');
    expect(escapeControls(once)).toBe(once);
  });
});

describe('redactCredentials', () => {
  test('URL userinfo and every query value', () => {
    expect(
      redactCredentials('GET https://bob:hunter2@reg.example/v2/?token=abc&x=1#f failed'),
    ).toBe('GET https://***@reg.example/v2/?token=***&x=***#f failed');
  });

  test('the userinfo of an image reference without a scheme', () => {
    expect(redactCredentials('pulling "bob:hunter2@127.0.0.1:5000/app:1"')).toBe(
      'pulling "***@127.0.0.1:5000/app:1"',
    );
    // A digest reference is not userinfo.
    expect(redactCredentials('alpine@sha256:abc and ghcr.io/a/b@sha256:0f')).toBe(
      'alpine@sha256:abc and ghcr.io/a/b@sha256:0f',
    );
  });

  test('Bearer and Basic credentials', () => {
    expect(redactCredentials('Authorization: Bearer eyJhbGciOi.x1.y2')).toBe(
      'Authorization: Bearer ***',
    );
    expect(redactCredentials('Basic dXNlcjpwYXNz=')).toBe('Basic ***');
    expect(redactCredentials('Basic authentication failed')).toBe('Basic authentication failed');
  });
});

describe('safeText masks what any detector finds, wherever the text came from', () => {
  test('paths, env var names, label keys and a token in prose', () => {
    for (const text of [
      `/app/${s.gitlab}/${s.stripe}.txt`,
      `env ${s.github}`,
      `label ${s.slack}`,
      `user "${s.npm}" runs as uid 0`,
    ]) {
      expect(leaks(safeText(text)), text).toBe(false);
    }
    expect(safeText(`/app/${s.gitlab}/x`)).toBe('/app/glpa****/x');
  });

  test('a secret found once is masked wherever it is quoted later, even bare', () => {
    const t = plantSecrets();
    expect(safeText(`/app/${t.password}/x`)).toContain(t.password);
    expect(new SecretScanner().scanString(`DB_PASSWORD=${t.password}`)).toHaveLength(1);
    expect(safeText(`/app/${t.password}/x`)).toBe('/app/****/x');
    expect(safeText(`label=${t.password}`)).toBe('label=****');
  });

  test('--flag VALUE pairs are read as --flag=VALUE', () => {
    const history = `/bin/sh -c #(nop)  CMD ["--password" "${s.password}"]`;
    expect(leaks(maskSecrets(history))).toBe(false);
    expect(maskSecrets(`run --api-key ${s.password} --verbose`)).toBe(
      'run --api-key **** --verbose',
    );
    expect(safeArgv(['--password', s.password, '--user', 'bob'])).toEqual([
      '--password',
      '****',
      '--user',
      'bob',
    ]);
  });

  test('safeDeep covers every string of a value, keys included', () => {
    const value = {
      [s.stripe]: [`x ${s.github}`, { nested: `aws_secret_access_key=${s.awsSecret}` }],
      ok: 'plain',
      n: 3,
    };
    const safe = safeDeep(value);
    expect(leaks(JSON.stringify(safe))).toBe(false);
    expect(safe.ok).toBe('plain');
    expect(safe.n).toBe(3);
  });
});

describe('errors and logs', () => {
  test('a GateError message is safe from birth; errorMessage makes any error safe', () => {
    const e = new GateError(
      'registry',
      `cannot reach https://u:${s.registryPassword}@h/x \u001b[31m ${s.github}`,
    );
    expect(leaks(e.message)).toBe(false);
    expect(e.message).toContain('\\x1b[31m');
    const plain = new Error(
      `fetch failed: http://u:${s.registryPassword}@127.0.0.1/?t=${s.password}`,
    );
    expect(leaks(errorMessage(plain))).toBe(false);
    expect(leaks(errorDetail(new Error('outer', { cause: plain })))).toBe(false);
  });

  test('an invalid reference never echoes its userinfo', () => {
    for (const ref of [
      `bob:${s.registryPassword}@127.0.0.1:5000/app:1`,
      `docker://bob:${s.registryPassword}@127.0.0.1:5000/app:1`,
      `${s.registryPassword}@alpine`,
      `alpine@${s.github}`,
    ]) {
      let message = '';
      try {
        parseReference(ref);
      } catch (err) {
        message = errorMessage(err);
      }
      expect(message, ref).toMatch(/^invalid image reference/);
      expect(leaks(message), message).toBe(false);
    }
  });

  test('stderrLogger writes every level safely, --debug included', () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const log = stderrLogger(true);
      log.debug(`GET http://u:${s.registryPassword}@127.0.0.1/v2/ → 401`);
      log.info(`token ${s.github}`);
      log.warn(`\u001b[2J${s.slack}`);
    } finally {
      process.stderr.write = write;
    }
    expect(written).toHaveLength(3);
    expect(leaks(written.join(''))).toBe(false);
    expect(written.join('')).not.toContain('\u001b');
  });
});
