#!/usr/bin/env bash
# Times `policy scan` over the generated 10,000-object corpus, process start
# included, and prints objects per second and peak RSS.
# Usage: bench/scan.sh [CORPUS_DIR] (default bench/corpus/out; generated if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-bench/corpus/out}"
[[ -d "$dir" ]] || go run ./bench/corpus -n 10000 -o "$dir"
[[ -x bin/policy ]] || go build -o bin/policy ./cmd/policy
objects=$(grep -c '^kind:' -r "$dir" | awk -F: '{s+=$2} END {print s}')
echo "corpus: $dir ($objects objects), $(nproc) cores, $(date -u +%Y-%m-%d)"
for run in 1 2 3; do
  # exit 1 is expected: the corpus holds misconfigured objects
  /usr/bin/time -f "%e %M" -o /tmp/fleetguard-scan-time bin/policy scan -o json=- "$dir" >/dev/null || [[ $? -eq 1 ]]
  read -r secs kb < /tmp/fleetguard-scan-time
  awk -v s="$secs" -v kb="$kb" -v n="$objects" -v r="$run" 'BEGIN {printf "run %d: %.2f s, %.0f objects/s, peak RSS %.0f MiB\n", r, s, n/s, kb/1024}'
done
