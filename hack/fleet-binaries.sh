#!/usr/bin/env bash
# Builds etcd and kube-apiserver from Go modules into a cache keyed by version.
# A binary is built only when it is missing. Usage: hack/fleet-binaries.sh [CACHE_DIR]
set -euo pipefail

cache="${1:-$(cd "$(dirname "$0")/.." && pwd)/.cache/fleet}"
etcd_version="${ETCD_VERSION:-v3.6.16}"
kube_versions="${KUBE_VERSIONS:-v1.36.3 v1.33.13}"
mkdir -p "$cache/bin" "$cache/src"

step() { echo "fleet-binaries: $*" >&2; }
fail() { echo "fleet-binaries: FAILED at step: $*" >&2; exit 1; }

command -v go >/dev/null || fail "find the Go toolchain (go is not on PATH; install Go 1.26 from https://go.dev/dl)"

build_etcd() {
  local out="$cache/bin/etcd-$etcd_version"
  [[ -x "$out" ]] && return 0
  local src="$cache/src/etcd-$etcd_version"
  rm -rf "$src"; mkdir -p "$src"
  step "building etcd $etcd_version (about 30 s)"
  ( cd "$src"
    printf 'module fleettools\n\ngo 1.26\n' > go.mod
    go get -tool "go.etcd.io/etcd/server/v3@$etcd_version" >get.log 2>&1 \
      || { tail -20 get.log >&2; fail "download go.etcd.io/etcd/server/v3@$etcd_version from the Go module proxy (network?)"; }
    go build -trimpath -o "$out.tmp" go.etcd.io/etcd/server/v3 \
      || fail "go build etcd $etcd_version" )
  mv "$out.tmp" "$out"
}

build_kube() {
  local v="$1"
  local out="$cache/bin/kube-apiserver-$v"
  [[ -x "$out" ]] && return 0
  local src="$cache/src/kube-apiserver-$v"
  rm -rf "$src"; mkdir -p "$src"
  local minor="${v#v1.}"; minor="${minor%%.*}"
  local patch="${v##*.}"
  local staging="v0.$minor.$patch"
  step "building kube-apiserver $v (3 to 4 minutes cold)"
  ( cd "$src"
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@$v" 2>dl.log | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p') \
      || true
    [[ -n "$gomod" && -f "$gomod" ]] || { cat dl.log >&2; fail "download k8s.io/kubernetes@$v from the Go module proxy (network?)"; }
    {
      printf 'module fleettools\n\ngo 1.26\n\nrequire k8s.io/kubernetes %s\n\n' "$v"
      # Every staging module k8s.io/kubernetes replaces with a local path is pinned to its published version.
      grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk -v s="$staging" '{print "replace " $1 " => " $1 " " s}'
    } > go.mod
    go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$v" >get.log 2>&1 \
      || { tail -20 get.log >&2; fail "resolve modules for kube-apiserver $v"; }
    go build -trimpath -o "$out.tmp" -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z" k8s.io/kubernetes/cmd/kube-apiserver \
      || fail "go build kube-apiserver $v" )
  mv "$out.tmp" "$out"
}

build_etcd
for v in $kube_versions; do build_kube "$v"; done
step "ready in $cache/bin"
