#!/usr/bin/env bash
# Builds the toolchain the real end-to-end run needs from Go modules (the module proxy is the only
# source: no release downloads, no files taken out of module zips for use elsewhere) and caches
# each component by its pins: ~/.cache/todo-platform/toolchain/<component>-<key>, <key> a hash of
# that component's go.mod and go.sum and of RECIPE below, so changing one pin rebuilds one
# component. bin/<key> holds links to the selected components' binaries. A second run with the
# same pins builds nothing.
#
#   tools/toolchain/build.sh [COMPONENT...]          build what is missing, print the bin directory
#   tools/toolchain/build.sh --print [COMPONENT...]  print it without building (exit 1 if one is not built)
#
# Components (all when none is named): kubernetes etcd coredns registry (the local cluster and
# its image registry), buildkit (buildkitd and buildctl, for the BuildKit image docker-build's
# builder runs), pulumi pulumi-kubernetes pulumi-docker-build (the engine and the providers of the
# program the module proxy can build, plus docker-buildx from the provider's own module),
# kube-router (its network policy controller alone enforces NetworkPolicy on the local cluster).
# pulumi-docker-build imports two code generators the proxy does not serve, for its schema's
# language map only: pulumi-docker-build/shims/README.md.
#
# The versions live in the go.mod files beside this script, one module per component, so that
# no component's dependencies can move another's (Kubernetes, etcd and the Pulumi providers
# disagree on grpc, otel and k8s.io versions).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${TODO_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/todo-platform/toolchain}"
# Bump when the way a component is built changes (flags, generate steps), to rebuild them all.
RECIPE=1
ALL_COMPONENTS=(kubernetes etcd coredns registry buildkit pulumi pulumi-kubernetes pulumi-docker-build kube-router)
KNOWN_COMPONENTS=("${ALL_COMPONENTS[@]}")
print_only=false
if [ "${1:-}" = "--print" ]; then
  print_only=true
  shift
fi
selected=("$@")
[ "${#selected[@]}" -gt 0 ] || selected=("${ALL_COMPONENTS[@]}")
for component in "${selected[@]}"; do
  [ -f "$here/$component/go.mod" ] || {
    echo "[toolchain] unknown component '$component'; known: ${KNOWN_COMPONENTS[*]}" >&2
    exit 2
  }
done
# A component's key covers its go.mod, go.sum and, when it has them, the shims its build uses.
component_key() {
  (cd "$here/$1" && {
    echo "recipe $RECIPE"
    cat go.mod go.sum
    if [ -d shims ]; then find shims -type f | LC_ALL=C sort | while read -r file; do echo "$file" && cat "$file"; done; fi
  } | sha256sum | cut -c1-12)
}
key="$(for c in "${selected[@]}"; do echo "$c $(component_key "$c")"; done | sha256sum | cut -c1-12)"
bin="$cache_root/bin/$key"

if [ "$print_only" = true ] && [ -f "$bin/.complete" ]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  echo "[toolchain] go is not installed: install Go 1.26 or newer (https://go.dev/dl/ or your distribution's golang package)" >&2
  exit 1
}

export GOFLAGS="-mod=readonly -trimpath"
export GOTOOLCHAIN=local
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
export CGO_ENABLED="${CGO_ENABLED:-0}"

log() { printf '[toolchain] %s\n' "$*" >&2; }

# go_version <dir> <module>: the version a component's go.mod pins a module at.
go_version() { (cd "$here/$1" && go list -m -f '{{.Version}}' "$2"); }

# build_in <module-dir> <component> <output-dir> <ldflags> <package>...: `go build -v` of main
# packages, printing how many packages compiled every 30 s so a cold build on 2 cores shows it is
# alive. build <component> ... builds in tools/toolchain/<component>.
build() { build_in "$here/$1" "$@"; }
component_dir() { echo "$cache_root/$1-$(component_key "$1")"; }
build_in() {
    local dir="$1" component="$2" ldflags="$3"
    shift 3
    local dest
    dest="$(component_dir "$component")"
    local stamp="$dest/.done"
    if [ -f "$stamp" ]; then
      log "$component: cached in $dest"
      link_into_bin "$dest"
      return 0
    fi
    mkdir -p "$dest"
    local started progress_log
    started=$(date +%s)
    progress_log="$(mktemp)"
    log "$component: building $* (module $(cd "$dir" && go list -m))"
    (cd "$dir" && go build -v -ldflags="$ldflags" -o "$dest/" "$@") 2>"$progress_log" &
    local pid=$!
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 1
      waited=$((waited + 1))
      [ $((waited % 30)) = 0 ] && kill -0 "$pid" 2>/dev/null && log "$component: $(grep -c . "$progress_log" || true) packages compiled, $(($(date +%s) - started)) s, last: $(tail -n 1 "$progress_log")"
    done
    if ! wait "$pid"; then
      grep -v '^[a-zA-Z0-9._/~-]*$' "$progress_log" | tail -n 40 >&2 || tail -n 40 "$progress_log" >&2
      rm -f "$progress_log"
      log "$component: build FAILED"
      return 1
    fi
    rm -f "$progress_log"
    touch "$stamp"
    log "$component: built in $(($(date +%s) - started)) s"
    link_into_bin "$dest"
}
link_into_bin() {
  local file
  for file in "$1"/*; do
    [ -f "$file" ] && [ -x "$file" ] && ln -sfn "$file" "$bin/$(basename "$file")"
  done
  return 0
}

# --print of a selection not built as such (e.g. the cluster's three, after one run built all
# five): when every component is built, link its bin directory; building nothing either way.
if [ "$print_only" = true ]; then
  for component in "${selected[@]}"; do
    [ -f "$(component_dir "$component")/.done" ] || exit 1
  done
fi

mkdir -p "$bin"
overall=$(date +%s)

build_kubernetes() {
  k8s_version="$(go_version kubernetes k8s.io/kubernetes)"
  k8s_minor="$(echo "$k8s_version" | cut -d. -f2)"
  k8s_ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    k8s_ld+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
  done
  build kubernetes "$k8s_ld" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
}

build_etcd() {
  build etcd "-s -w" go.etcd.io/etcd/server/v3
  etcd_dir="$(component_dir etcd)"
  if [ -x "$etcd_dir/server" ]; then mv "$etcd_dir/server" "$etcd_dir/etcd" && rm -f "$bin/server" && link_into_bin "$etcd_dir"; fi
}

build_coredns() { build coredns "-s -w" github.com/coredns/coredns; }

build_registry() { build registry "-s -w" github.com/distribution/distribution/v3/cmd/registry; }

build_buildkit() {
  build buildkit "-s -w -X github.com/moby/buildkit/version.Version=$(go_version buildkit github.com/moby/buildkit)" \
    github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
}

# kube-router as its Makefile builds it (CGO off, the version stamped), minus the build date, so
# that the same pins give the same binary.
build_kube-router() {
  build kube-router "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$(go_version kube-router github.com/cloudnativelabs/kube-router/v2)" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

build_pulumi() {
  pulumi_version="$(go_version pulumi github.com/pulumi/pulumi/pkg/v3)"
  build pulumi "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# The providers are built inside a writable copy of their own module, with their own go.mod and
# go.sum, as their Makefiles build them: pulumi-kubernetes replaces its sdk/v4 with ../sdk (the
# sdk module of the same release is copied there) and embeds schema-embed.json, which its own
# generate.go writes from the schema.json beside it.
# module_dir <component> <module>: where the module proxy's copy of a pinned module is unpacked.
module_dir() {
  (cd "$here/$1" && GOFLAGS=-mod=readonly go mod download -json "$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
}
copy_module() {
  rm -rf "$2" && mkdir -p "$2" && cp -r "$1/." "$2/" && chmod -R u+w "$2"
}

build_pulumi-kubernetes() {
  k8s_provider_version="$(go_version pulumi-kubernetes github.com/pulumi/pulumi-kubernetes/sdk/v4)"
  k8s_provider_src="$(component_dir pulumi-kubernetes)/src"
  if [ ! -f "$(component_dir pulumi-kubernetes)/.done" ]; then
    work="$k8s_provider_src"
    copy_module "$(module_dir pulumi-kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)" "$work/provider"
    copy_module "$(module_dir pulumi-kubernetes github.com/pulumi/pulumi-kubernetes/sdk/v4)" "$work/sdk"
    (cd "$work/provider/cmd/pulumi-resource-kubernetes" && VERSION="${k8s_provider_version#v}" go run generate.go)
  fi
  build_in "$k8s_provider_src/provider" pulumi-kubernetes \
    "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${k8s_provider_version#v}" \
    ./cmd/pulumi-resource-kubernetes
}

build_pulumi-docker-build() {
  docker_build_version="$(go_version pulumi-docker-build github.com/pulumi/pulumi-docker-build)"
  docker_build_src="$(component_dir pulumi-docker-build)/src"
  if [ ! -f "$(component_dir pulumi-docker-build)/.done" ]; then
    copy_module "$(module_dir pulumi-docker-build github.com/pulumi/pulumi-docker-build)" "$docker_build_src"
    copy_module "$here/pulumi-docker-build/shims" "$docker_build_src/../shims"
    (cd "$docker_build_src" && go mod edit \
      -replace github.com/pulumi/pulumi-java=../shims/pulumi-java \
      -replace github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3=../shims/pulumi-language-dotnet)
  fi
  # docker-buildx from the same module graph: `cluster.sh up` creates the builder docker-build uses.
  build_in "$docker_build_src" pulumi-docker-build \
    "-s -w -X github.com/pulumi/pulumi-docker-build/provider.Version=${docker_build_version#v} -X github.com/docker/buildx/version.Version=$(cd "$docker_build_src" && go list -m -f '{{.Version}}' github.com/docker/buildx)" \
    ./provider/cmd/pulumi-resource-docker-build github.com/docker/buildx/cmd/buildx
}

for component in "${selected[@]}"; do
  "build_$component"
done

touch "$bin/.complete"
[ "$print_only" = true ] && { echo "$bin"; exit 0; }
log "all built in $(($(date +%s) - overall)) s: $(find "$bin" -mindepth 1 -maxdepth 1 -printf '%f ')"
echo "$bin"
