#!/usr/bin/env bash
# make demo: start the local fleet (3 real clusters, seeded), audit every
# cluster, and write the reports and the history under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
policy=bin/policy
mkdir -p out

echo "== 1. the local fleet (make fleet-up)"
go run ./internal/testfleet/cmd/fleet up --dir .fleet

echo
echo "== 2. policy scan of the sample manifests (what CI runs)"
# Exit 1 (findings) and 2 (testdata/scan/broken.yaml is broken on purpose) are expected.
$policy scan -o table -o sarif=out/scan.sarif testdata/scan/ || true

echo
echo "== 3. policy audit of every cluster in the fleet"
set +e
$policy audit --config .fleet/fleet.yaml --store out/history.db \
  -o html=out/report.html -o pdf=out/report.pdf -o sarif=out/report.sarif \
  -o json=out/audit.json -o markdown=out/report.md -o table=out/report.txt
rc=$?
set -e
# 1 = findings at or above --fail-on, 3 = a cluster was partial or unreachable: both are results, not failures.
if [[ $rc -ne 0 && $rc -ne 1 && $rc -ne 3 ]]; then
  echo "demo: policy audit failed with exit code $rc" >&2
  exit $rc
fi
tail -n 1 out/report.txt

echo
echo "== 4. the audit history (run make demo again to see a trend)"
$policy history --store out/history.db

cat <<MSG

Reports:
  out/report.html   open it in a browser: xdg-open out/report.html (or file://$PWD/out/report.html)
  out/report.pdf    the same content, for auditors
  out/report.sarif  for code-scanning views
  out/audit.json    the full Result
The fleet keeps running: export KUBECONFIG=$PWD/.fleet/kubeconfig; stop it with make fleet-down.
MSG
