#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when they are missing:
# chromium (HTML report rendering), poppler-utils (pdftotext), postgresql.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0
echo "deps: installing ${need[*]} with apt-get" >&2
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "deps: FAILED at step: apt-get update (network?)" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || { echo "deps: FAILED at step: apt-get install ${need[*]}" >&2; exit 1; }
