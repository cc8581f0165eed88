#!/usr/bin/env bash
# The end-to-end run on this Linux machine, where Minikube cannot be installed (CI here): builds
# the toolchain from Go modules (cached: tools/toolchain/build.sh), starts a real one-node cluster
# (scripts/local-cluster/cluster.sh), runs the project on it (scripts/local-cluster/smoke.ts: both
# images, in-cluster Postgres with a bound PVC, both Helm releases, a todo through the NodePort),
# then the real Pulumi engine on it (scripts/local-cluster/engine.ts: pulumi up of the program's
# images and releases, the output contract, a todo in Chromium, a no-op preview, the secret canary
# on real state, a one-file backend update, a crashing backend diagnosed and rolled back, a stuck
# release recovered, destroy) and always tears the cluster down. Needs root, Docker and Go
# (>= 1.26 for the registry and docker-build); see docs/runbook.md.
# Environment: E2E_KEEP_CLUSTER=1 leaves the cluster running (scripts/local-cluster/cluster.sh down).
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { printf '\n==> %s\n' "$*" >&2; }
timings=()
timed() { # timed <label> <command>...
  local label="$1" started=$SECONDS
  shift
  phase "$label"
  "$@"
  timings+=("$label: $((SECONDS - started)) s")
}

teardown() {
  local status=$?
  if [ "${E2E_KEEP_CLUSTER:-}" != 1 ]; then
    bash scripts/local-cluster/cluster.sh down || status=1
  fi
  printf '\n' >&2
  printf '%s\n' "${timings[@]}" >&2
  if [ "$status" = 0 ]; then echo "e2e-local: passed" >&2; else echo "e2e-local: FAILED" >&2; fi
  exit "$status"
}

timed "toolchain (tools/toolchain/build.sh: cluster, registry, Pulumi CLI, Kubernetes and docker-build providers)" bash tools/toolchain/build.sh >/dev/null
trap teardown EXIT
# A cluster left by an earlier run (its processes ended with the session) starts from scratch.
timed "cluster down (leftovers)" bash scripts/local-cluster/cluster.sh down
timed "cluster up" bash scripts/local-cluster/cluster.sh up
timed "project on the cluster (smoke)" npx tsx scripts/local-cluster/smoke.ts
timed "the real Pulumi engine on the cluster (engine)" npx tsx scripts/local-cluster/engine.ts
