#!/usr/bin/env bash
# Times `policy scan` over the generated 10,000-object corpus with the default
# bundle, process start included: three runs, then the median wall time,
# objects per second, CPU time and peak RSS, and the load average, since the
# machine is shared.
# Usage: bench/scan.sh [CORPUS_DIR] (default bench/corpus/out; generated if missing)
# POLICY=path/to/policy uses that binary (default bin/policy, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-bench/corpus/out}"
policy="${POLICY:-bin/policy}"
[[ -d "$dir" ]] || go run ./bench/corpus -n 10000 -o "$dir"
[[ -x "$policy" ]] || go build -o "$policy" ./cmd/policy
objects=$(grep -c '^kind:' -r "$dir" | awk -F: '{s+=$2} END {print s}')
times=$(mktemp)
trap 'rm -f "$times"' EXIT
echo "corpus: $dir ($objects objects), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "command: $policy scan -o json=- $dir >/dev/null"
for run in 1 2 3; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  # exit 1 is expected: the corpus holds misconfigured objects
  /usr/bin/time -f "%e %U %S %M" -o "$times.run" "$policy" scan -o json=- "$dir" >/dev/null || [[ $? -eq 1 ]]
  read -r secs user sys kb < <(tail -n1 "$times.run")
  echo "$secs $user $sys $kb $load" >>"$times"
  awk -v s="$secs" -v u="$user" -v y="$sys" -v kb="$kb" -v n="$objects" -v r="$run" -v l="$load" \
    'BEGIN {printf "run %d: %.2f s, %.0f objects/s, CPU %.2f s (user %.2f + sys %.2f), peak RSS %.0f MiB, load average %s\n", r, s, n/s, u+y, u, y, kb/1024, l}'
done
rm -f "$times.run"
sort -n "$times" | awk -v n="$objects" 'NR == 2 {printf "median of 3: %.2f s, %.0f objects/s (target 5,000), CPU %.2f s\n", $1, n/$1, $2+$3}'
sort -n -k4 "$times" | awk 'NR == 2 {printf "median peak RSS: %.0f MiB\n", $4/1024}'
