# shellcheck shell=bash
# Shared by the test environment scripts; sourced, never run. Callers define die() and STATE.

# pid_of FILE: the PID in FILE when that process is alive and its command line mentions our state
# directory (so a stale file whose PID was reused by another program is never trusted).
pid_of() {
  local f=$1 pid
  [ -s "$f" ] || return 1
  pid=$(tr -dc '0-9' <"$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null)" == *"$STATE"* ]] || return 1
  echo "$pid"
}

# use_test_env: loads $STATE/env.sh written by start.sh and checks that the engine and the
# registry answer; sets DOCKER and REG.
use_test_env() {
  [ -s "$STATE/env.sh" ] || die "no $STATE/env.sh: run test/env/start.sh first"
  # shellcheck disable=SC1091
  source "$STATE/env.sh"
  DOCKER=$IMAGE_GATE_TEST_DOCKER
  REG=$IMAGE_GATE_TEST_REGISTRY
  export DOCKER_HOST=$IMAGE_GATE_TEST_DOCKER_HOST DOCKER_BUILDKIT=0
  "$DOCKER" version >/dev/null 2>&1 || die "dockerd at $DOCKER_HOST does not answer: run test/env/start.sh"
  curl -fsS -o /dev/null --max-time 3 "http://$REG/v2/" || die "registry $REG does not answer: run test/env/start.sh"
}
