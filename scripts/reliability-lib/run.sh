#!/usr/bin/env bash
# Shared runner of scripts/drills and scripts/soak: makes a temp folder ($RELIABILITY_TMP) for
# the clusters' state, runs the TypeScript entry given as $1 (with the remaining arguments) in
# the background, and on any exit (normal, error, Ctrl-C, SIGTERM) stops by pid what is left:
# the entry itself, then every cluster under the temp folder (scripts/cluster.sh down, which
# signals only the recorded pids whose command line names that folder), then removes it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

die() {
  printf 'reliability: %s\n' "$*" >&2
  exit 1
}
[[ -x node_modules/.bin/tsx ]] || die "npm packages missing: run scripts/setup.sh first"
command -v etcd >/dev/null 2>&1 || die "etcd is not on the PATH: run scripts/setup.sh first"
command -v etcdctl >/dev/null 2>&1 || die "etcdctl is not on the PATH: run scripts/setup.sh first"
command -v curl >/dev/null 2>&1 || die "curl is required (scripts/cluster.sh uses it)"

ENTRY=$1
shift
RELIABILITY_TMP=$(mktemp -d "${TMPDIR:-/tmp}/callfs-reliability.XXXXXX")
export RELIABILITY_TMP

child=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local rc=$? dir i
  trap '' INT TERM HUP
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$child" 2>/dev/null || true
  fi
  for dir in "$RELIABILITY_TMP"/*/; do
    [[ -e $dir/.callfs-dev-cluster ]] || continue
    CALLFS_DEV_STATE_DIR=${dir%/} CALLFS_DEV_SKIP_SETUP=1 "$ROOT/scripts/cluster.sh" down >&2 || true
  done
  rm -rf -- "$RELIABILITY_TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

node --import tsx "$ROOT/scripts/reliability-lib/$ENTRY" "$@" &
child=$!
set +e
wait "$child"
rc=$?
set -e
child=
exit "$rc"
