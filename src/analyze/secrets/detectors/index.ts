import type { Detector } from '../types.js';
import {
  dockerConfigAuth,
  npmrcAuthToken,
  urlCredentials,
  urlPasswordParameter,
} from './config.js';
import { awsSecretAccessKey, definedSecret, genericSecret } from './generic.js';
import { INFRA_DETECTORS } from './infra.js';
import {
  encodedPrivateKey,
  gcpServiceAccount,
  jwkPrivateKey,
  kubeconfigClientKey,
  privateKey,
  puttyPrivateKey,
} from './keys.js';
import { PROVIDER_DETECTORS } from './providers.js';
import {
  awsAccessKeyId,
  githubToken,
  gitlabToken,
  googleApiKey,
  npmToken,
  slackToken,
  slackWebhook,
  stripeKey,
} from './tokens.js';

export { keystoreHits, KEYSTORE_HEAD } from './binary.js';
export { installTimeKey } from './install-keys.js';

/**
 * Every detector, most specific first: on a line, a span claimed by an earlier detector is not
 * reported again by a later one, so `GITHUB_TOKEN=ghp_…` is a GitHub token, not a generic secret.
 */
export const DETECTORS: readonly Detector[] = [
  privateKey,
  gcpServiceAccount,
  kubeconfigClientKey,
  encodedPrivateKey,
  puttyPrivateKey,
  jwkPrivateKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  githubToken,
  gitlabToken,
  slackToken,
  slackWebhook,
  stripeKey,
  googleApiKey,
  npmToken,
  ...PROVIDER_DETECTORS,
  ...INFRA_DETECTORS,
  npmrcAuthToken,
  dockerConfigAuth,
  urlCredentials,
  urlPasswordParameter,
  definedSecret,
  genericSecret,
];
