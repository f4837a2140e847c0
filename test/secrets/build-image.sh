#!/usr/bin/env bash
# Builds image-gate-test/secrets-corpus: the labelled corpus of test/secrets/corpus.ts planted in
# files, deleted files, Env, history and labels (test/secrets/image-context.ts), FROM base-a of
# test/images/build.sh, with the test engine. Saves it as a docker archive next to the
# expectations: $IMAGE_GATE_TEST_DIR/images/secrets-corpus/{docker-archive.tar,expected.json}.
# Needs test/env/start.sh and test/images/build.sh to have run; ssh-keygen, openssl and keytool.
set -Eeuo pipefail
die() {
  echo "build-image: error: $*" >&2
  exit 1
}
cd "$(dirname "$0")/../.."
STATE=${IMAGE_GATE_TEST_DIR:-/tmp/image-gate-test}
# shellcheck source=test/env/lib.sh
source test/env/lib.sh
use_test_env
out=$STATE/images/secrets-corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx esbuild test/secrets/image-context.ts --bundle --platform=node --format=esm --log-level=warning --outfile="$work/context.mjs"
node "$work/context.mjs" "$work/ctx" >&2
"$DOCKER" build -q -t image-gate-test/secrets-corpus:latest "$work/ctx" >/dev/null
mkdir -p "$out"
"$DOCKER" save -o "$out/docker-archive.tar.tmp" image-gate-test/secrets-corpus:latest
mv "$out/docker-archive.tar.tmp" "$out/docker-archive.tar"
cp "$work/ctx/expected.json" "$out/expected.json"
echo "secrets-corpus: $out/docker-archive.tar" >&2
