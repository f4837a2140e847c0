import type { Detector } from '../types.js';
import { dockerConfigAuth, npmrcAuthToken, urlCredentials } from './config.js';
import { awsSecretAccessKey, genericSecret } from './generic.js';
import { gcpServiceAccount, privateKey } from './keys.js';
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

/**
 * Every detector, most specific first: on a line, a span claimed by an earlier detector is not
 * reported again by a later one, so `GITHUB_TOKEN=ghp_…` is a GitHub token, not a generic secret.
 */
export const DETECTORS: readonly Detector[] = [
  privateKey,
  gcpServiceAccount,
  awsAccessKeyId,
  awsSecretAccessKey,
  githubToken,
  gitlabToken,
  slackToken,
  slackWebhook,
  stripeKey,
  googleApiKey,
  npmToken,
  npmrcAuthToken,
  dockerConfigAuth,
  urlCredentials,
  genericSecret,
];
