#!/usr/bin/env bash
# A real one-node Kubernetes cluster on this Linux machine, for the end-to-end run where Minikube
# cannot be installed (CI here): etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# a kubelet, kube-proxy and kube-router's network policy controller (NetworkPolicy enforcement with
# iptables and ipset) built from Go modules by tools/toolchain/build.sh, Debian's containerd,
# runc and CNI plugins, and CoreDNS plus storage from addons.ts. Every image it runs is built on
# this machine (nothing can be pulled): a static pause binary and CoreDNS, each in a scratch image.
# A registry (CNCF Distribution) at 127.0.0.1:5000 takes the app images pushed by `pulumi up`
# (imageLoader registry) and the node's containerd pulls them from it over HTTP; they are built by
# BuildKit (buildkitd on the host), which `up` makes buildx's current builder, `todo-local`.
#
#   scripts/local-cluster/cluster.sh up       start it (idempotent) and wait for the node and DNS
#   scripts/local-cluster/cluster.sh down     stop everything and delete its state
#   scripts/local-cluster/cluster.sh status   what runs
#   scripts/local-cluster/cluster.sh load IMAGE...   copy images from Docker into the node's containerd
#
# Needs root, Linux, Docker, and (installed by `up` with apt-get when missing) containerd, runc,
# containernetworking-plugins, iptables, ipset, conntrack, openssl. The kubeconfig (context todo-local)
# is at $TODO_CLUSTER_DIR/kubeconfig (default /var/lib/todo-cluster).
#
# Machine-specific settings, each for a reason seen on the development VM:
# - cgroup v1 with the cgroupfs driver: Kubernetes 1.34 still runs on v1 (failCgroupV1: false).
# - containerd's restrict_oom_score_adj: the VM forbids lowering oom_score_adj, and runc failed
#   every sandbox ("failed to update /proc/self/oom_score_adj: Permission denied") without it.
# - The node's address is the pod bridge's gateway (10.244.0.1), so that every packet of the
#   cluster stays inside this machine; Docker's FORWARD policy DROP gets an accept rule for it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
DIR="${TODO_CLUSTER_DIR:-/var/lib/todo-cluster}"
RUN="${TODO_CLUSTER_RUN:-/run/todo-cluster}"
NODE=todo-local
CONTEXT=todo-local
BRIDGE=todo0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
API_PORT=6443
ETCD_PORT=12379
SOCK="$RUN/containerd.sock"
KUBECONFIG_FILE="$DIR/kubeconfig"
PAUSE_IMAGE=docker.io/todo-local/pause:3.10
# The image registry docker-build pushes to and the node pulls from (imageLoader registry).
REGISTRY=127.0.0.1:5000
# The buildx builder docker-build finds as the current one: BuildKit on the host (remote driver).
BUILDER=todo-local
BUILDKIT_SOCK="$RUN/buildkitd.sock"
COMPONENTS=(containerd registry buildkitd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-router)
# kube-router's health endpoint (its default port; the kubelet has 10248, kube-proxy 10256).
KUBE_ROUTER_HEALTH_PORT=20244
# The comment of the rule each full sync of kube-router's network policy controller appends to its
# chains: present once the first sync has written the filter table.
KUBE_ROUTER_SYNCED_RULE="rule to explicitly ACCEPT traffic that comply to network policies"
# kube-router's ipsets (network policy source/destination sets, and the temporary sets of its
# atomic swaps), IPv4 or inet6: `down` destroys exactly these.
KUBE_ROUTER_IPSETS='^(inet6:)?(KUBE-SRC-|KUBE-DST-|TMP-|kube-router-)'

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() {
  printf '[local-cluster] FAILED: %s\n' "$*" >&2
  exit 1
}

toolchain_bin() {
  if [ -n "${TODO_TOOLCHAIN_BIN:-}" ]; then echo "$TODO_TOOLCHAIN_BIN"; return 0; fi
  bash "$repo/tools/toolchain/build.sh" --print kubernetes etcd coredns registry buildkit pulumi-docker-build kube-router 2>/dev/null ||
    die "the cluster toolchain is not built: run tools/toolchain/build.sh kubernetes etcd coredns registry buildkit pulumi-docker-build kube-router"
}

kctl() { kubectl --kubeconfig "$KUBECONFIG_FILE" "$@"; }

ensure_packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ipset >/dev/null || missing+=(ipset)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# --- certificates: one CA signs the serving and client certificates; a separate key signs
# service-account tokens.
cert() { # cert <name> <subject> [<subjectAltName>]
  local name="$1" subject="$2" san="${3:-}"
  [ -f "$DIR/pki/$name.crt" ] && return 0
  openssl genrsa -out "$DIR/pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$DIR/pki/$name.key" -subj "$subject" -out "$DIR/pki/$name.csr" 2>/dev/null
  local ext="$DIR/pki/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl x509 -req -in "$DIR/pki/$name.csr" -CA "$DIR/pki/ca.crt" -CAkey "$DIR/pki/ca.key" \
    -CAcreateserial -days 365 -extfile "$ext" -out "$DIR/pki/$name.crt" 2>/dev/null
}

kubeconfig() { # kubeconfig <file> <cert-name>
  local file="$1" name="$2"
  KUBECONFIG="$file" kubectl config set-cluster "$CONTEXT" --server="https://$NODE_IP:$API_PORT" \
    --certificate-authority="$DIR/pki/ca.crt" --embed-certs=true >/dev/null
  KUBECONFIG="$file" kubectl config set-credentials "$name" --client-certificate="$DIR/pki/$name.crt" \
    --client-key="$DIR/pki/$name.key" --embed-certs=true >/dev/null
  KUBECONFIG="$file" kubectl config set-context "$CONTEXT" --cluster="$CONTEXT" --user="$name" >/dev/null
  KUBECONFIG="$file" kubectl config use-context "$CONTEXT" >/dev/null
}

make_pki() {
  mkdir -p "$DIR/pki"
  if [ ! -f "$DIR/pki/ca.crt" ]; then
    openssl genrsa -out "$DIR/pki/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$DIR/pki/ca.key" -subj "/CN=todo-local-ca" -days 365 -out "$DIR/pki/ca.crt" 2>/dev/null
    openssl genrsa -out "$DIR/pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$DIR/pki/sa.key" -pubout -out "$DIR/pki/sa.pub" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" \
    "IP:$NODE_IP,IP:$API_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=todo-local-admin"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  cert kubelet "/O=system:nodes/CN=system:node:$NODE" "IP:$NODE_IP,DNS:$NODE,DNS:localhost"
  cert kube-proxy "/CN=system:kube-proxy"
  cert controller-manager "/CN=system:kube-controller-manager"
  cert scheduler "/CN=system:kube-scheduler"
  cert kube-router "/CN=system:kube-router"
  kubeconfig "$KUBECONFIG_FILE" admin
  for name in kubelet kube-proxy controller-manager scheduler kube-router; do
    kubeconfig "$DIR/$name.kubeconfig" "$name"
  done
}

# --- processes: each runs in the background with its log in $DIR/logs and its pid in $RUN.
running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start() { # start <name> <command>...
  local name="$1"
  shift
  running "$name" && return 0
  log "starting $name"
  setsid "$@" >>"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

wait_for() { # wait_for <what> <seconds> <command>...
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$what did not happen within ${seconds}s; last log lines:"
      for name in "${COMPONENTS[@]}"; do
        [ -f "$DIR/logs/$name.log" ] && { echo "--- $name" >&2; tail -n 15 "$DIR/logs/$name.log" >&2; }
      done
      die "$what"
    fi
    sleep 1
  done
}

write_configs() {
  mkdir -p "$DIR/logs" "$DIR/cni" "$DIR/kubelet" "$DIR/volumes" "$RUN"
  cat >"$DIR/containerd.toml" <<EOF
version = 2
root = "$DIR/containerd"
state = "$RUN/containerd"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$REGISTRY"]
    endpoint = ["http://$REGISTRY"]
EOF
  cat >"$DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  # The OCI worker runs build steps with runc on the host network; docker.io is mirrored by the
  # registry (which holds the base image), so no build pulls from the internet.
  cat >"$DIR/buildkitd.toml" <<EOF
root = "$DIR/buildkit"
[grpc]
  address = ["unix://$BUILDKIT_SOCK"]
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  networkMode = "host"
  gc = true
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["$REGISTRY"]
[registry."$REGISTRY"]
  http = true
EOF
  cat >"$DIR/cni/10-todo-local.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "todo-local", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$DIR/cni-ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "firewall"}
]}
EOF
  cat >"$DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$SOCK
clusterDNS: [10.96.0.10]
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $DIR/pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $DIR/pki/kubelet.crt
tlsPrivateKeyFile: $DIR/pki/kubelet.key
serializeImagePulls: false
evictionHard: {memory.available: 200Mi, nodefs.available: 5%, imagefs.available: 5%}
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
EOF
  cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
conntrack: {maxPerCore: 0}
EOF
}

# The bridge exists before any pod so the API server can advertise its address; the CNI bridge
# plugin adopts it.
network() {
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  # grep reads from a here-string, not a pipe: with pipefail, `grep -q` leaving the pipe early gets
  # the writer killed by SIGPIPE and the test reads as false.
  grep -q "inet $NODE_IP/" <<<"$(ip addr show dev "$BRIDGE")" || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  iptables -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$BRIDGE" -j ACCEPT
  iptables -C FORWARD -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -o "$BRIDGE" -j ACCEPT
}

# build_image <tag> <binary> [<arg>...]: a scratch image holding one static binary.
build_image() {
  local tag="$1" binary="$2"
  shift 2
  docker image inspect "$tag" >/dev/null 2>&1 && return 0
  local context
  context="$(mktemp -d)"
  cp "$binary" "$context/entry"
  local entrypoint='["/entry"'
  for arg in "$@"; do entrypoint+=", \"$arg\""; done
  entrypoint+="]"
  printf 'FROM scratch\nCOPY entry /entry\nENTRYPOINT %s\n' "$entrypoint" >"$context/Dockerfile"
  DOCKER_BUILDKIT=1 docker build -q -t "$tag" "$context" >/dev/null
  rm -rf "$context"
}

# docker-build's builder: docker-build never uses Docker's own (docker-driver) builder, and its
# fallback, a docker-container builder, needs a privileged container this VM refuses ("unable to
# apply caps"); so buildx's current builder is a remote one, BuildKit on the host. The base image
# goes to the registry, where BuildKit's docker.io mirror finds it.
builder() {
  local bin="$1" base=node:24-bookworm-slim
  docker image inspect "$base" >/dev/null 2>&1 ||
    die "$base is not in Docker: run ../shared/tools/prepare-machine.sh (or docker pull $base)"
  docker tag "$base" "$REGISTRY/library/$base"
  docker push -q "$REGISTRY/library/$base" >/dev/null
  "$bin/buildx" rm "$BUILDER" >/dev/null 2>&1 || true
  "$bin/buildx" create --name "$BUILDER" --driver remote "unix://$BUILDKIT_SOCK" --use >/dev/null
}

system_images() {
  local bin="$1" pause_src pause_bin
  pause_src="$(mktemp --suffix=.c)"
  pause_bin="$DIR/pause"
  # The pod sandbox's only job is to hold the namespaces and exit on SIGTERM.
  cat >"$pause_src" <<'EOF'
#include <signal.h>
#include <unistd.h>
static void stop(int signal_number) { (void)signal_number; _exit(0); }
int main(void) { signal(SIGTERM, stop); signal(SIGINT, stop); for (;;) pause(); }
EOF
  [ -x "$pause_bin" ] || gcc -static -Os -o "$pause_bin" "$pause_src"
  rm -f "$pause_src"
  build_image todo-local/pause:3.10 "$pause_bin"
  build_image "todo-local/coredns:$(coredns_version "$bin")" "$bin/coredns"
  load_images todo-local/pause:3.10 "todo-local/coredns:$(coredns_version "$bin")"
}

coredns_version() { "$1/coredns" -version | sed -n 's/^CoreDNS-\(.*\)$/v\1/p' | head -n 1; }

load_images() {
  log "loading into the node: $*"
  docker save "$@" | ctr --address "$SOCK" --namespace k8s.io images import --all-platforms - >/dev/null
}

# --- NetworkPolicy: kube-router's firewall controller alone (no routing, no service proxy: the
# bridge CNI and kube-proxy do those). It reads pods, namespaces and policies, and the node for
# its InternalIP (the pods it guards are those whose hostIP is that address).
kube_router_rbac() {
  kctl apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "todo-local:kube-router"}
rules:
  - apiGroups: [""]
    resources: [pods, namespaces, nodes, services, endpoints]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "todo-local:kube-router"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "todo-local:kube-router"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kube-router"}]
EOF
}

# Healthy, and its first full sync written: the explicit-accept rule ends its forward chain.
kube_router_synced() {
  curl -fsS "http://127.0.0.1:$KUBE_ROUTER_HEALTH_PORT/healthz" >/dev/null &&
    grep -q "$KUBE_ROUTER_SYNCED_RULE" <<<"$(iptables -S KUBE-ROUTER-FORWARD 2>/dev/null)"
}

# kube-router v2.1.0's --cleanup-config removes none of this (its cleanup runs on controllers built
# without their iptables and ipset handlers; fixed upstream after v2.1.0, which is all the module
# proxy serves), and stopping it leaves its rules in place: its chains (KUBE-ROUTER-*,
# KUBE-NWPLCY-*, KUBE-POD-FW-*) go with kube-proxy's KUBE-* chains in down(); then its ipsets.
kube_router_cleanup_ipsets() {
  command -v ipset >/dev/null || return 0
  local set sets
  # No ipsets at all (a second down, or kube-router never synced) is a clean state, not a failure:
  # grep's exit 1 on no match must not end `down` under `set -e -o pipefail`.
  sets="$(ipset list -n 2>/dev/null || true)"
  while read -r set; do
    [ -n "$set" ] || continue
    [[ "$set" =~ $KUBE_ROUTER_IPSETS ]] || continue
    ipset destroy "$set" 2>/dev/null || log "could not destroy ipset $set"
  done <<<"$sets"
}

up() {
  [ "$(id -u)" = 0 ] || die "run as root (the kubelet and containerd manage cgroups and network)"
  ensure_packages
  local bin
  bin="$(toolchain_bin)"
  local started=$SECONDS
  write_configs
  make_pki
  network
  start containerd containerd --config "$DIR/containerd.toml"
  wait_for "containerd answers" 30 ctr --address "$SOCK" version
  OTEL_TRACES_EXPORTER=none start registry "$bin/registry" serve "$DIR/registry.yml"
  wait_for "the registry answers at $REGISTRY" 30 curl -fsS "http://$REGISTRY/v2/"
  start buildkitd "$bin/buildkitd" --config "$DIR/buildkitd.toml"
  wait_for "BuildKit answers" 30 "$bin/buildctl" --addr "unix://$BUILDKIT_SOCK" debug workers
  builder "$bin"
  start etcd "$bin/etcd" --name "$NODE" --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
    --initial-cluster "$NODE=http://127.0.0.1:12380" --quota-backend-bytes=2147483648
  start kube-apiserver "$bin/kube-apiserver" --advertise-address="$NODE_IP" --bind-address=0.0.0.0 \
    --secure-port="$API_PORT" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file="$DIR/pki/ca.crt" --tls-cert-file="$DIR/pki/apiserver.crt" \
    --tls-private-key-file="$DIR/pki/apiserver.key" \
    --kubelet-client-certificate="$DIR/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$DIR/pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$DIR/pki/sa.pub" --service-account-signing-key-file="$DIR/pki/sa.key" \
    --profiling=false
  wait_for "the API server answers /readyz" 120 kctl get --raw /readyz
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --service-account-private-key-file="$DIR/pki/sa.key" --root-ca-file="$DIR/pki/ca.crt" \
    --cluster-signing-cert-file="$DIR/pki/ca.crt" --cluster-signing-key-file="$DIR/pki/ca.key" \
    --use-service-account-credentials=true --leader-elect=false --bind-address=127.0.0.1 \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/scheduler.kubeconfig" --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  system_images "$bin"
  start kubelet "$bin/kubelet" --config="$DIR/kubelet.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" \
    --root-dir="$DIR/kubelet" --hostname-override="$NODE" --node-ip="$NODE_IP"
  start kube-proxy "$bin/kube-proxy" --config="$DIR/kube-proxy.yaml"
  wait_for "node $NODE is Ready" 120 kctl wait --for=condition=Ready "node/$NODE" --timeout=2s
  kube_router_rbac
  start kube-router "$bin/kube-router" --kubeconfig="$DIR/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-ipv6=false \
    --hostname-override="$NODE" --service-cluster-ip-range="$SERVICE_CIDR" \
    --health-port="$KUBE_ROUTER_HEALTH_PORT" --metrics-port=0
  wait_for "kube-router's network policy controller has synced" 60 kube_router_synced
  # hostPath volumes get no fsGroup ownership change, so any pod user may write to them.
  for i in 0 1 2 3; do mkdir -p "$DIR/volumes/pv-$i" && chmod 0777 "$DIR/volumes/pv-$i"; done
  npx --prefix "$repo" tsx "$here/addons.ts" --coredns-image "todo-local/coredns:$(coredns_version "$bin")" \
    --volume-dir "$DIR/volumes" | kctl apply -f - >/dev/null
  wait_for "CoreDNS is available" 120 kctl -n kube-system rollout status deployment/coredns --timeout=2s
  log "up in $((SECONDS - started)) s: KUBECONFIG=$KUBECONFIG_FILE (context $CONTEXT)"
}

down() {
  local name pid bin
  # The builder goes with the cluster, so buildx's current builder is Docker's default again.
  if bin="$(toolchain_bin 2>/dev/null)" && [ -x "$bin/buildx" ]; then "$bin/buildx" rm "$BUILDER" >/dev/null 2>&1 || true; fi
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name="${COMPONENTS[$i]}"
    if [ "$name" = containerd ] && [ -S "$SOCK" ]; then
      # Pods' containers are children of containerd-shim processes, not of containerd.
      ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null | while read -r task; do
        ctr --address "$SOCK" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
      done
    fi
    if [ -f "$RUN/$name.pid" ]; then
      pid="$(cat "$RUN/$name.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$RUN/$name.pid"
    fi
  done
  pkill -f "containerd-shim-runc-v2 -namespace k8s.io -address $SOCK" 2>/dev/null || true
  # kube-proxy's, kube-router's and CNI's rules and kube-router's ipsets (once no rule refers to
  # them), the bridge and the kubelet's mounts go with the cluster.
  # (Not `iptables-save | grep -q`: under pipefail its SIGPIPE made the test false, and the rules
  # stayed, whenever the ruleset was larger than what grep had read.)
  if grep -q KUBE- <<<"$(iptables-save 2>/dev/null)"; then
    iptables-save | grep -v -E 'KUBE-|CNI-' | iptables-restore || log "could not remove the cluster's iptables rules"
  fi
  kube_router_cleanup_ipsets
  iptables -D FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || true
  iptables -D FORWARD -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  if [ -d "$DIR" ]; then
    grep -o " $DIR/[^ ]*" /proc/mounts | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
    grep -o " $RUN/[^ ]*" /proc/mounts | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
    rm -rf "$DIR" "$RUN"
  fi
  log "down"
}

status() {
  local name
  for name in "${COMPONENTS[@]}"; do
    if running "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
  done
  if running kube-router; then
    echo "kube-router: healthz $(curl -fsS "http://127.0.0.1:$KUBE_ROUTER_HEALTH_PORT/healthz" 2>/dev/null || echo failing)," \
      "$(iptables -S 2>/dev/null | grep -c '^-N KUBE-NWPLCY-' || true) policy chains," \
      "$(ipset list -n 2>/dev/null | grep -cE "$KUBE_ROUTER_IPSETS" || true) ipsets"
  fi
  if [ -f "$KUBECONFIG_FILE" ]; then kctl get nodes -o wide 2>/dev/null || true; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  load)
    shift
    load_images "$@"
    ;;
  *)
    echo "usage: $0 up|down|status|load IMAGE..." >&2
    exit 2
    ;;
esac
