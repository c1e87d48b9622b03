#!/usr/bin/env bash
# Counts etcd and kube-apiserver processes started from the fleet cache.
# "hack/leftovers.sh count" prints the number; "hack/leftovers.sh check N"
# fails when more than N are running (N taken before the tests).
set -euo pipefail
cache="$(cd "$(dirname "$0")/.." && pwd)/.cache/fleet/bin"
count() { { pgrep -f "^$cache/(etcd|kube-apiserver)-" || true; } | wc -l; }
case "${1:-count}" in
  count) count ;;
  check)
    sleep 1
    now=$(count)
    if (( now > ${2:-0} )); then
      echo "leftovers: $((now - ${2:-0})) etcd/kube-apiserver processes started by the tests are still running:" >&2
      pgrep -af "^$cache/(etcd|kube-apiserver)-" >&2 || true
      exit 1
    fi ;;
esac
