import semver from 'semver';
import { defineConfig } from 'vitest/config';
import { SIGNING_NODE_RANGE } from './src/sign/node-version.js';

// Signing, verification and watch need sigstore's packages, which support only newer Node
// versions. On an older Node their integration tests cannot run at all, and the tests that prove
// those commands refuse to start run instead; on a supported Node it is the other way round. No
// case is skipped either way: each run holds exactly the tests that apply to its Node.
const sigstoreNode = semver.satisfies(process.versions.node, SIGNING_NODE_RANGE);
const needsSigstore = ['test/itg/sign/**', 'test/itg/watch/**'];
const oldNodeOnly = ['test/unit/old-node/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: sigstoreNode ? oldNodeOnly : [],
        },
      },
      {
        test: {
          name: 'itg',
          include: ['test/itg/**/*.test.ts'],
          exclude: sigstoreNode ? [] : needsSigstore,
          // Integration tests share one dockerd and one registry: run files one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
