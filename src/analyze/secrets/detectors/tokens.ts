import type { Detector } from '../types.js';
import { entropy, hasCrc32Checksum, hasSequence, isExampleValue } from '../values.js';
import { wordiness } from './generic.js';
import { matchGroup } from './match.js';

// Vendor tokens with a fixed prefix. The prefix is both the prefilter literal and what the
// excerpt may keep (4 characters at most). Boundaries (`(?<![\w])`) keep us out of longer words
// and base64 blobs that happen to contain the prefix.

/** Random-looking enough: documentation uses `EXAMPLE`, `xxxx` or one repeated character. */
function plausible(body: string, minEntropy: number): boolean {
  return !isExampleValue(body) && !hasSequence(body) && entropy(body) >= minEntropy;
}

export const awsAccessKeyId: Detector = {
  id: 'aws-access-key-id',
  title: 'AWS access key id',
  windows: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  quick: /A(?:KI|SI|BI|CC)A/,
  // AKIA = long-term user key, ASIA = STS temporary key; 16 more base32 characters.
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])/dg,
      4,
      (k) => plausible(k.slice(4), 2.5),
    ),
};

export const githubToken: Detector = {
  id: 'github-token',
  title: 'GitHub token',
  windows: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'b_pa'],
  quick: /gh[pousr]_|github_pat_/,
  // Classic tokens carry a CRC32 checksum (`ghp_` + 30 random + 6 check characters): with it a
  // token glued to a preceding word (`tokenghp_…`) is still certain. Without it, a token needs a
  // word boundary and the whole base62 alphabet: GitHub's documentation sample
  // (`ghp_16C7e42F292c6912E7710c838347Ae178B4a`) is hex. Fine-grained tokens (`github_pat_`) are
  // distinctive enough to be found glued to anything.
  find: (text, lineEnd) => {
    const line = text.slice(0, lineEnd);
    return [
      ...matchGroup(line, /(gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9_])/dg, 4, (t, m) =>
        checksummedOrBounded(t, m, 4),
      ),
      ...matchGroup(
        line,
        /(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/dg,
        4,
        (t) => plausible(t.slice(11), 3),
      ),
    ];
  },
};

/**
 * A `prefix` + 30 + 6 token with a valid CRC32 checksum anywhere, or otherwise a random-looking
 * token on a word boundary that uses letters beyond hex.
 */
function checksummedOrBounded(t: string, m: RegExpExecArray, prefix: number): boolean {
  const body = t.slice(prefix);
  if (body.length === 36 && hasCrc32Checksum(body)) return true;
  const before = m.index > 0 ? (m.input[m.index - 1] ?? '') : '';
  // `ghp_PersonalAccessToken0124…` in READMEs: words, not random characters.
  return (
    !/[A-Za-z0-9]/.test(before) &&
    /[g-zG-Z]/.test(body) &&
    wordiness(body) < 0.45 &&
    plausible(body, 3.5)
  );
}

export const gitlabToken: Detector = {
  id: 'gitlab-token',
  title: 'GitLab token',
  windows: ['glpa', 'glpt', 'gldt', 'glrt', 'glcb', 'glft', 'glim', 'glso', 'gloa', 'glag'],
  quick: /gl(?:pat|ptt|dt|rt|cbt|ft|imt|soat|oas|agent)-/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      // The prefixes are distinctive: a token glued to a preceding word is still found.
      /(gl(?:pat|ptt|dt|rt|cbt|ft|imt|soat|oas|agent)-[A-Za-z0-9_-]{20,})/dg,
      4,
      (t) => plausible(t.slice(t.indexOf('-') + 1), 3),
    ),
};

export const slackToken: Detector = {
  id: 'slack-token',
  title: 'Slack token',
  windows: ['oxb-', 'oxa-', 'oxp-', 'oxr-', 'oxs-', 'oxe-'],
  quick: /xox[baprse]-/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      // `xoxb-` and friends are distinctive: found glued to a preceding word too.
      /(xox[baprse]-(?:\d+-)*[A-Za-z0-9-]{10,})/dg,
      4,
      (t) => /\d/.test(t) && plausible(t.slice(5), 2.5),
    ),
};

export const slackWebhook: Detector = {
  id: 'slack-webhook',
  title: 'Slack incoming webhook URL',
  windows: ['oks.'],
  quick: /hooks\.slack\.com\//,
  // The secret is the path; `https://hooks.slack.com/` stays readable.
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /hooks\.slack\.com\/((?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,})/dg,
      0,
      (p) => plausible(p.replace(/^[a-z]+\//, ''), 3.5),
    ),
};

export const stripeKey: Detector = {
  id: 'stripe-key',
  title: 'Stripe live secret key',
  windows: ['k_li'],
  quick: /[sr]k_live_/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?<![A-Za-z0-9_])([sr]k_live_[A-Za-z0-9]{20,247})(?![A-Za-z0-9])/dg,
      4,
      (k) => plausible(k.slice(8), 3),
    ),
};

export const googleApiKey: Detector = {
  id: 'google-api-key',
  title: 'Google API key',
  windows: ['AIza'],
  quick: /AIza/,
  find: (text, lineEnd) =>
    matchGroup(
      text.slice(0, lineEnd),
      /(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/dg,
      4,
      (k) => plausible(k.slice(4), 3),
    ),
};

export const npmToken: Detector = {
  id: 'npm-token',
  title: 'npm access token',
  windows: ['npm_'],
  quick: /npm_/,
  // `npm_` + 30 random + 6 characters of CRC32 checksum, like GitHub's.
  find: (text, lineEnd) =>
    matchGroup(text.slice(0, lineEnd), /(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/dg, 4, (t, m) =>
      checksummedOrBounded(t, m, 4),
    ),
};
