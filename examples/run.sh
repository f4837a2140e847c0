#!/usr/bin/env bash
# The main job on the bundled example, from a fresh checkout: installs the npm dependencies,
# builds two example images (no Docker needed) and gates both with image-gate check. When Trivy
# and Grype are on PATH it also gates their vulnerabilities, against the example database (built
# here with Go from test/scanners/advisories.json, the scanners' own database packages); when
# they are not, it says how to install them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# IMAGE_GATE_CLI: another build of the CLI (default: the committed dist/cli.js).
cli=${IMAGE_GATE_CLI:-dist/cli.js}
node examples/build-example.mjs
echo
echo "\$ image-gate check oci:examples/.build/app-good:latest --policy examples/policy.yml"
node "$cli" check oci:examples/.build/app-good:latest --policy examples/policy.yml
echo
echo "\$ image-gate check oci:examples/.build/app-leaky:latest --policy examples/policy.yml"
set +e
node "$cli" check oci:examples/.build/app-leaky:latest --policy examples/policy.yml --output json=examples/.build/app-leaky.json
code=$?
set -e
echo
echo "exit code $code (1 = the gate failed the image, as it should); JSON report in examples/.build/app-leaky.json"
[ "$code" -eq 1 ]

echo
if ! command -v trivy >/dev/null || ! command -v grype >/dev/null; then
  cat <<'TEXT'
Vulnerabilities were not gated: Trivy and Grype are not installed. To gate them here too:
  bash test/env/scanners.sh    # builds the pinned Trivy 0.74.0 and Grype 0.121.3 (needs Go 1.26)
  export PATH="$HOME/.cache/image-gate-tools/trivy-0.74.0:$HOME/.cache/image-gate-tools/grype-0.121.3:$PATH"
  bash examples/run.sh
or install their releases (https://trivy.dev, https://github.com/anchore/grype). In GitHub
Actions the image-gate action installs the pinned releases itself.
TEXT
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "Vulnerabilities were not gated: building the example database needs Go 1.26 (the scanners' database packages are Go)."
  exit 0
fi

# The example database, as a first run would have downloaded it: Trivy's trivy.db and
# metadata.json in the cache, Grype's archive imported with its own `grype db import`.
db=$PWD/examples/.build/db
home=$PWD/examples/.build/home
cache=$home/.cache/image-gate
rm -rf "$db" "$home"
(cd test/scanners/trivy-db && go run . -advisories ../advisories.json -out "$db/trivy" 2>/dev/null)
(cd test/scanners/grype-db && go run . -advisories ../advisories.json -out "$db/grype" >/dev/null)
mkdir -p "$cache/trivy/db"
cp "$db/trivy/db/trivy.db" "$db/trivy/db/metadata.json" "$cache/trivy/db/"
GRYPE_DB_CACHE_DIR="$cache/grype" grype db import "$(ls "$db"/grype/vulnerability-db_*.tar.gz)" >/dev/null
echo "example vulnerability database: $(jq -r .UpdatedAt "$db/trivy/db/metadata.json") (Trivy), $(jq -r .built "$db/grype/latest.json") (Grype)"

policy=examples/policies/example-vulnerabilities.yml
echo
echo "\$ image-gate check oci:examples/.build/app-good:latest --policy $policy"
HOME=$home node "$cli" check oci:examples/.build/app-good:latest --policy $policy
echo
echo "\$ image-gate check oci:examples/.build/app-leaky:latest --policy $policy"
set +e
HOME=$home node "$cli" check oci:examples/.build/app-leaky:latest --policy $policy
code=$?
set -e
echo
echo "exit code $code (1: minimist 1.2.5 has the critical CVE-2021-44906, and the npm token ships)"
[ "$code" -eq 1 ]
