#!/usr/bin/env bash
# End-to-end check of the whole platform on a real Minikube: the same script runs in
# .github/workflows/e2e-minikube.yml and on a laptop (see docs/runbook.md).
#
#   1. `npm ci`; Minikube: start the profile when it does not exist, use it when it runs (status
#      OK, Running or HAppy), refuse any other status with minikube's fix (Stopped: minikube start,
#      Paused: minikube unpause, Degraded: a control-plane node is down…); `pulumi login --local`,
#      init a stack
#   2. config: Neon URL from NEON_DATABASE_URL when set (else the embedded in-cluster database),
#      aiops.analyzer none unless LLM_API_KEY is set
#   3. `pulumi up --yes`, then create and read a todo through the frontend at appUrl
#   4. `pulumi preview --expect-no-changes --policy-pack policy`: an unchanged tree must do
#      nothing, and the deployed stack must pass the policy pack (policy/)
#   5. edit one backend file, preview + up again: only backend resources may change
#   6. `helm list` / `helm history` show both releases (backend upgraded, frontend untouched)
#   7. `pulumi destroy --yes` leaves the namespace empty
#
# Needs: minikube, docker, kubectl, helm, pulumi, node, npm, curl. Runs from the repo root.
# Environment (all optional):
#   MINIKUBE_PROFILE (minikube)   E2E_STACK (e2e)   E2E_NAMESPACE (the stack's `namespace`
#   output, else the program's default todo-<stack>)   NEON_DATABASE_URL   LLM_API_KEY
#   LLM_PROVIDER (openai)
#   PULUMI_CONFIG_PASSPHRASE (a fixed throwaway value: the local state holds no real secret
#   unless you pass NEON_DATABASE_URL or LLM_API_KEY, so set your own then)
#   E2E_BACKEND_FILE (app/backend/src/config.ts)   E2E_KEEP=1 skips the final destroy.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PROFILE="${MINIKUBE_PROFILE:-minikube}"
STACK="${E2E_STACK:-e2e}"
BACKEND_FILE="${E2E_BACKEND_FILE:-app/backend/src/config.ts}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-todo-platform-e2e-throwaway}"
export PULUMI_SKIP_UPDATE_CHECK=true
WORK_DIR="$(mktemp -d)"
BACKEND_BACKUP="${WORK_DIR}/backend-file.orig"
NAMESPACE=""
APP_URL=""
SERVICE_PID=""

log() { printf '\n==> %s\n' "$*"; }
fail() {
  printf '\nE2E FAILED: %s\n' "$*" >&2
  exit 1
}

require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on PATH (docs/runbook.md lists how to install it)"
  done
}

# Restores the edited backend file even when a step fails, so a laptop run never leaves a
# stray change in the work tree.
cleanup() {
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null || true
  fi
  if [ -f "$BACKEND_BACKUP" ]; then
    cp "$BACKEND_BACKUP" "$BACKEND_FILE"
  fi
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

# Reads a JSON document on stdin and prints the value at a dotted path ("" when absent).
json_get() {
  node -e '
    let input = "";
    process.stdin.on("data", (chunk) => (input += chunk));
    process.stdin.on("end", () => {
      let value = JSON.parse(input);
      for (const key of process.argv[1].split(".").filter(Boolean)) value = value?.[key];
      process.stdout.write(value === undefined || value === null ? "" : String(value));
    });
  ' "$1"
}

stack_output() {
  pulumi stack output --stack "$STACK" --json 2>/dev/null | json_get "$1"
}

# The profile's state by the program's own pre-flight rules (scripts/minikube-profile-status.ts on
# lib/image-context/minikube.ts, so this script and `pulumi up` agree): returns 0 when it runs
# (`minikube profile list -o json` says OK since v1.35, Running before, HAppy for a healthy HA
# cluster) and 3 when it does not exist; any other status (Stopped, Paused, Degraded…) or a failed
# `profile list` ends the run with the fix. Needs node_modules (`npm ci`).
minikube_profile_ready() {
  local verdict rc=0
  verdict="$(node -r ts-node/register/transpile-only scripts/minikube-profile-status.ts "$PROFILE")" || rc=$?
  case "$rc" in
    0)
      log "minikube profile '$PROFILE' is running (status $verdict)"
      return 0
      ;;
    3) return 3 ;;
    1) fail "$verdict; then run this script again" ;;
    *) fail "cannot tell whether minikube profile '$PROFILE' runs: $verdict" ;;
  esac
}

start_minikube() {
  local rc=0
  minikube_profile_ready || rc=$?
  if [ "$rc" -eq 3 ]; then
    log "starting minikube profile '$PROFILE'"
    minikube start --profile "$PROFILE" --driver=docker --wait=all
    rc=0
    minikube_profile_ready || rc=$?
    [ "$rc" -eq 0 ] || fail "minikube start did not create profile '$PROFILE'"
  fi
  kubectl config use-context "$PROFILE" >/dev/null
  kubectl get nodes
}

configure_stack() {
  log "pulumi login --local and stack '$STACK'"
  pulumi login --local
  pulumi stack select "$STACK" --create --non-interactive
  pulumi config set imageLoader minikube --stack "$STACK"
  pulumi config set minikubeProfile "$PROFILE" --stack "$STACK"
  pulumi config set kubeContext "$PROFILE" --stack "$STACK"
  if [ -n "${NEON_DATABASE_URL:-}" ]; then
    log "database: Neon (URL from NEON_DATABASE_URL, stored as a Pulumi secret)"
    pulumi config set --secret databaseUrl "$NEON_DATABASE_URL" --stack "$STACK"
  else
    log "database: embedded in-cluster Postgres (no NEON_DATABASE_URL)"
    pulumi config rm databaseUrl --stack "$STACK" >/dev/null 2>&1 || true
  fi
  if [ -n "${LLM_API_KEY:-}" ]; then
    log "aiops: kagent with the ${LLM_PROVIDER:-openai} key from LLM_API_KEY"
    pulumi config set --path aiops.analyzer kagent --stack "$STACK"
    pulumi config set --path aiops.installKagent true --stack "$STACK"
    pulumi config set --path aiops.llmProvider "${LLM_PROVIDER:-openai}" --stack "$STACK"
    pulumi config set --secret --path aiops.llmApiKey "$LLM_API_KEY" --stack "$STACK"
  else
    log "aiops: analyzer none (no LLM_API_KEY)"
    pulumi config set --path aiops.analyzer none --stack "$STACK"
  fi
}

# appUrl is http://<ingressHost>/ when an ingress host is configured, otherwise the
# `minikube service --url` command for the frontend's NodePort. That command keeps a tunnel open
# in the foreground on some drivers (docker on macOS), so it runs in the background until exit.
resolve_app_url() {
  local app_url frontend url_file="$WORK_DIR/service-url" waited=0
  app_url="$(stack_output appUrl)"
  [ -n "$app_url" ] || fail "the stack has no appUrl output"
  case "$app_url" in
    http://* | https://*)
      APP_URL="${app_url%/}"
      return
      ;;
  esac
  frontend="$(stack_output frontend.releaseName)"
  frontend="${frontend:-todo-frontend}"
  log "appUrl is a command ($app_url); asking minikube for the URL of service $frontend"
  minikube --profile "$PROFILE" service --namespace "$NAMESPACE" "$frontend" --url >"$url_file" 2>&1 &
  SERVICE_PID=$!
  until grep -q '^http' "$url_file" 2>/dev/null; do
    [ "$waited" -lt 120 ] || fail "minikube service --url printed no URL: $(cat "$url_file")"
    sleep 1
    waited=$((waited + 1))
  done
  APP_URL="$(grep -m1 '^http' "$url_file")"
  APP_URL="${APP_URL%/}"
}

# Creates a todo and reads it back, both through the frontend's /api proxy, and checks that the
# frontend serves its page: this exercises frontend -> backend -> database end to end.
check_todo_roundtrip() {
  local app_url="$APP_URL" title created id listed
  log "checking the app at $app_url"
  curl --fail --silent --show-error --retry 30 --retry-delay 2 --retry-all-errors "$app_url/" \
    | grep -qi '<div id="root"' || fail "$app_url/ did not serve the frontend page"
  title="e2e todo $(date +%s)"
  created="$(curl --fail --silent --show-error --retry 10 --retry-delay 2 --retry-all-errors \
    -H 'content-type: application/json' -d "{\"title\":\"$title\"}" "$app_url/api/todos")" \
    || fail "POST $app_url/api/todos failed"
  id="$(printf '%s' "$created" | json_get id)"
  [ -n "$id" ] || fail "POST /api/todos answered without an id: $created"
  listed="$(curl --fail --silent --show-error "$app_url/api/todos/$id")" || fail "GET /api/todos/$id failed"
  [ "$(printf '%s' "$listed" | json_get title)" = "$title" ] || fail "GET /api/todos/$id returned $listed"
  log "created and read back todo $id through the frontend"
}

# After the backend edit, every step the preview plans must belong to the backend (its image, the
# image load and its release; the AiHealthCheck reruns because a release revision changed), and
# the backend release must be among them.
assert_only_backend_changes() {
  local plan="$WORK_DIR/preview.json"
  pulumi preview --stack "$STACK" --json >"$plan"
  node -e '
    const plan = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const changed = (plan.steps ?? []).filter((step) => step.op !== "same").map((step) => step.urn);
    console.log("planned changes:\n  " + (changed.join("\n  ") || "(none)"));
    const foreign = changed.filter((urn) => !/::backend[^:]*$|AiHealthCheck|pulumi:pulumi:Stack/.test(urn));
    if (foreign.length > 0) {
      console.error("changes outside the backend:\n  " + foreign.join("\n  "));
      process.exit(1);
    }
    if (!changed.some((urn) => /helm\.sh\/v3:Release::.*backend/i.test(urn))) {
      console.error("the backend Helm release is not among the planned changes");
      process.exit(1);
    }
  ' "$plan" || fail "editing $BACKEND_FILE changed more than the backend image and release"
}

release_name() {
  helm list --namespace "$1" --output json | node -e '
    let input = "";
    process.stdin.on("data", (chunk) => (input += chunk));
    process.stdin.on("end", () => {
      const match = JSON.parse(input).find((release) => release.name.includes(process.argv[1]));
      process.stdout.write(match ? match.name : "");
    });
  ' "$2"
}

# Number of revisions in a release's helm history.
revision_count() {
  helm history "$2" --namespace "$1" --output json | json_get length
}

check_helm_releases() {
  local namespace="$1" backend frontend
  log "helm releases in namespace $namespace"
  helm list --namespace "$namespace"
  backend="$(release_name "$namespace" backend)"
  frontend="$(release_name "$namespace" frontend)"
  [ -n "$backend" ] || fail "helm list shows no backend release"
  [ -n "$frontend" ] || fail "helm list shows no frontend release"
  helm history "$backend" --namespace "$namespace"
  helm history "$frontend" --namespace "$namespace"
  [ "$(revision_count "$namespace" "$backend")" -ge 2 ] \
    || fail "the backend release was not upgraded (helm history has one revision)"
  [ "$(revision_count "$namespace" "$frontend")" -eq 1 ] \
    || fail "the frontend release was upgraded although only the backend changed"
}

check_namespace_empty() {
  local namespace="$1" left
  log "checking namespace $namespace is empty after destroy"
  if ! kubectl get namespace "$namespace" >/dev/null 2>&1; then
    log "namespace $namespace is gone"
    return
  fi
  kubectl wait pods --all --for=delete --namespace "$namespace" --timeout=120s >/dev/null 2>&1 || true
  # kube-root-ca.crt and the default ServiceAccount come with every namespace.
  left="$(kubectl get all,configmaps,secrets,pvc,ingresses,jobs,serviceaccounts --namespace "$namespace" \
    --no-headers -o name 2>/dev/null | grep -v -e '^configmap/kube-root-ca.crt$' -e '^serviceaccount/default$' || true)"
  [ -z "$left" ] || fail "namespace $namespace still holds: $left"
}

main() {
  require minikube docker kubectl helm pulumi node npm curl

  log "npm ci"
  npm ci --no-audit --no-fund

  start_minikube
  configure_stack

  log "pulumi up (first deploy)"
  pulumi up --yes --stack "$STACK" --skip-preview
  NAMESPACE="$(stack_output namespace)"
  NAMESPACE="${NAMESPACE:-${E2E_NAMESPACE:-todo-$STACK}}"
  resolve_app_url
  check_todo_roundtrip

  log "pulumi preview --expect-no-changes --policy-pack policy (unchanged tree, constitution)"
  pulumi preview --stack "$STACK" --expect-no-changes --policy-pack policy

  log "editing $BACKEND_FILE"
  cp "$BACKEND_FILE" "$BACKEND_BACKUP"
  printf '\n// e2e edit %s: changes the backend image content hash only\n' "$(date +%s)" >>"$BACKEND_FILE"
  assert_only_backend_changes
  pulumi up --yes --stack "$STACK" --skip-preview
  check_todo_roundtrip
  check_helm_releases "$NAMESPACE"

  if [ "${E2E_KEEP:-0}" = "1" ]; then
    log "E2E_KEEP=1: leaving stack '$STACK' deployed"
    return
  fi
  log "pulumi destroy"
  pulumi destroy --yes --stack "$STACK" --skip-preview
  check_namespace_empty "$NAMESPACE"
  log "E2E PASSED"
}

# Sourced (test/delivery/scripts.test.ts calls its functions), it only defines them.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
