#!/usr/bin/env bash
# Gatekeeper side by side with gator v3.23.1, in the same run:
#  (a) policy verify vs gator verify over testdata/gatekeeper/...
#  (b) policy scan vs gator test over the 10,000-object corpus with 30
#      ConstraintTemplates and 30 Constraints (the ported library templates
#      and the referential one, six kinds, five copies each under new kinds).
# Wall time and peak RSS come from /usr/bin/time; each command runs RUNS
# times (default 3) and the best run counts.
# Usage: bench/gator.sh [CORPUS_DIR]   (default bench/corpus/out; generated if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
bin=$PWD/.cache/bench/bin
work=.cache/bench/gatekeeper
corpus="${1:-bench/corpus/out}"
mkdir -p "$bin"
[[ -x "$bin/gator" ]] || GOBIN="$bin" go install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@v3.23.1
go build -o bin/policy ./cmd/policy
[[ -d "$corpus" ]] || go run ./bench/corpus -n 10000 -o "$corpus"

# The policy set: 30 templates and 30 constraints.
rm -rf "$work" && mkdir -p "$work/bundle/gatekeeper/templates" "$work/bundle/gatekeeper/constraints"
lib=testdata/gatekeeper/library
declare -A src=(
  [k8srequiredlabels:K8sRequiredLabels]=$lib/requiredlabels/template.yaml
  [k8sallowedrepos:K8sAllowedRepos]=$lib/allowedrepos/template.yaml
  [k8scontainerlimits:K8sContainerLimits]=$lib/containerlimits/template.yaml
  [k8spspprivilegedcontainer:K8sPSPPrivilegedContainer]=$lib/privilegedcontainer/template.yaml
  [k8sblockwildcardingress:K8sBlockWildcardIngress]=$lib/blockwildcardingress/template.yaml
  [k8suniqueingresshost:K8sUniqueIngressHost]=testdata/gatekeeper/referential/template.yaml
)
declare -A spec=(
  [K8sRequiredLabels]='  parameters:
    labels: [{key: owner}]'
  [K8sAllowedRepos]='  match:
    kinds: [{apiGroups: [""], kinds: ["Pod"]}]
  parameters:
    repos: ["registry.example.com/"]'
  [K8sContainerLimits]='  match:
    kinds: [{apiGroups: [""], kinds: ["Pod"]}]
  parameters: {cpu: "2", memory: "4Gi"}'
  [K8sPSPPrivilegedContainer]='  match:
    kinds: [{apiGroups: [""], kinds: ["Pod"]}]
    excludedNamespaces: ["kube-*"]'
  [K8sBlockWildcardIngress]='  match:
    kinds: [{apiGroups: ["networking.k8s.io"], kinds: ["Ingress"]}]'
  [K8sUniqueIngressHost]='  match:
    kinds: [{apiGroups: ["networking.k8s.io"], kinds: ["Ingress"]}]'
)
n=0
for key in "${!src[@]}"; do
  name=${key%%:*} kind=${key##*:}
  for i in 1 2 3 4 5; do
    sed -e "s/name: $name\$/name: $name$i/" -e "s/kind: $kind\$/kind: $kind$i/" "${src[$key]}" \
      > "$work/bundle/gatekeeper/templates/$name$i.yaml"
    printf 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: %s\nmetadata:\n  name: bench-%s\nspec:\n%s\n' \
      "$kind$i" "$i" "${spec[$kind]}" > "$work/bundle/gatekeeper/constraints/$name$i.yaml"
    n=$((n + 1))
  done
done
echo "policy set: $n templates, $n constraints in $work/bundle/gatekeeper"
objects=$(grep -h -c '^kind:' -r "$corpus" | awk '{s+=$1} END {print s}')

# best WALL RSS_KB for a command over RUNS good runs. Exit codes 0 and 1
# (findings) both count, unless the run printed nothing but an error (gator
# test exits 1 for errors too): such a run is reported and retried, up to
# RUNS more times. stdin is /dev/null: gator test reads objects from stdin
# when it is not a terminal, so an inherited pipe would feed it garbage.
measure() {
  local best="" rss="" good=0 tries=0
  while (( good < runs && tries < 2 * runs )); do
    tries=$((tries + 1))
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" </dev/null >"$work/out" 2>"$work/err" || [[ $? -le 1 ]] || { cat "$work/err" >&2; return 1; }
    if [[ ! -s "$work/out" ]] && grep -qv '^Command exited' "$work/err"; then
      echo "run failed, not counted: $(grep -v '^Command exited' "$work/err" | head -1)" >&2
      continue
    fi
    good=$((good + 1))
    read -r s kb < <(tail -1 "$work/time")
    if [[ -z "$best" ]] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$s; fi
    if [[ -z "$rss" || "$kb" -gt "$rss" ]]; then rss=$kb; fi
  done
  (( good > 0 )) || { echo "no good run of $1" >&2; return 1; }
  echo "$best $rss"
}

echo "date $(date -u +%Y-%m-%d), $(nproc) cores, corpus $corpus ($objects objects)"
read -r pv_s pv_kb < <(measure bin/policy verify testdata/gatekeeper/...)
tail -1 "$work/out"
read -r gv_s gv_kb < <(measure "$bin/gator" verify testdata/gatekeeper/...)
tail -2 "$work/out" | head -1
read -r ps_s ps_kb < <(measure bin/policy scan --bundle "$work/bundle" -o json="$work/policy-scan.json" "$corpus")
read -r gt_s gt_kb < <(measure "$bin/gator" test -f "$corpus" -f "$work/bundle/gatekeeper" -o json)
cp "$work/out" "$work/gator-test.json"
pf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/policy-scan.json" 2>/dev/null || echo "?")
# gator test also reviews the templates and constraints it was given as
# objects (K8sRequiredLabels matches every kind): count those apart.
read -r gf gself < <(python3 -c '
import json, sys
rs = json.load(open(sys.argv[1])) or []
own = sum(1 for r in rs if (r.get("violatingObject") or {}).get("kind") == "ConstraintTemplate"
          or (r.get("violatingObject") or {}).get("apiVersion", "").startswith("constraints.gatekeeper.sh/"))
print(len(rs), own)' "$work/gator-test.json" 2>/dev/null || echo "? ?")
row() { awk -v a="$2" -v ak="$3" -v b="$4" -v bk="$5" -v l="$1" 'BEGIN {printf "| %s | %.2f s, %.0f MiB | %.2f s, %.0f MiB | %.1fx | %.2f |\n", l, a, ak/1024, b, bk/1024, b/a, ak/bk}'; }
echo
echo "| run | policy | gator | speed-up | RSS ratio (policy/gator) |"
echo "|---|---|---|---|---|"
row "verify testdata/gatekeeper/..." "$pv_s" "$pv_kb" "$gv_s" "$gv_kb"
row "scan $objects objects, $n constraints" "$ps_s" "$ps_kb" "$gt_s" "$gt_kb"
echo
echo "findings: policy scan $pf; gator test $gf results, $gself of them on the policy files themselves"
