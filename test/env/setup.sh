#!/usr/bin/env bash
# Installs the system packages the integration tests and benchmarks need, when they are missing.
# Idempotent: does nothing (not even `apt-get update`) when everything is already there.
#   docker.io        dockerd 20.10 + containerd + runc + a docker CLI (/usr/bin/docker)
#   docker-registry  the CNCF distribution registry 2.8 (`docker-registry serve CONFIG`)
#   skopeo           copies between transports; the tests' reference for digests
#   busybox-static   the only userland of the test images (they are all FROM scratch, no pulls)
#   isal             igzip, the fast gzip the walker may use
#   ripgrep          reference scanner for secret-detection comparisons
#   debootstrap      the Debian root filesystem of the benchmark images (+ debian-archive-keyring)
#   curl jq openssl  used by the scripts in test/env and test/images
#   influxdb         influxd 1.6, the InfluxDB the watch test writes to (started per test on a free port)
#   prometheus       the Prometheus server and promtool the watch test scrapes and checks rules with
#   openssh-client default-jre-headless  ssh-keygen and keytool: real keys and keystores for the
#                    secrets corpus (test/secrets/corpus.ts)
#   time             /usr/bin/time: peak memory of the CLI on hostile inputs (test/itg/hostile.test.ts)
# A package counts as present when dpkg has it installed, or (for the ones that can come from
# elsewhere, e.g. docker-ce on a CI runner) when its command is on PATH.
set -euo pipefail

# package:command ("-" = dpkg only; busybox-static must be the static build, so dpkg only)
wanted=(docker.io:dockerd docker-registry:docker-registry skopeo:skopeo busybox-static:-
  isal:igzip ripgrep:rg debootstrap:debootstrap debian-archive-keyring:- curl:curl jq:jq openssl:openssl
  openssh-client:ssh-keygen default-jre-headless:keytool time:/usr/bin/time
  influxdb:influxd prometheus:promtool)

missing=()
for w in "${wanted[@]}"; do
  pkg=${w%%:*} cmd=${w#*:}
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] && continue
  [ "$cmd" != "-" ] && command -v "$cmd" >/dev/null 2>&1 && continue
  missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all present (${wanted[*]%%:*})" >&2
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
echo "setup: done" >&2
