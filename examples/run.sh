#!/usr/bin/env bash
# The main job on the bundled example, from a fresh checkout: installs the npm dependencies,
# builds two example images (no Docker needed) and gates both with image-gate check.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
node examples/build-example.mjs
echo
echo "\$ image-gate check oci:examples/.build/app-good:latest --policy examples/policy.yml"
node dist/cli.js check oci:examples/.build/app-good:latest --policy examples/policy.yml
echo
echo "\$ image-gate check oci:examples/.build/app-leaky:latest --policy examples/policy.yml"
set +e
node dist/cli.js check oci:examples/.build/app-leaky:latest --policy examples/policy.yml --output json=examples/.build/app-leaky.json
code=$?
set -e
echo
echo "exit code $code (1 = the gate failed the image, as it should); JSON report in examples/.build/app-leaky.json"
[ "$code" -eq 1 ]
