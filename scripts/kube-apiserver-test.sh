#!/usr/bin/env bash
# Runs the Kubernetes driver's tests against a REAL kube-apiserver: starts
# etcd and kube-apiserver on loopback (no kubelet, scheduler or
# controller-manager: objects are validated, admitted and stored, pods
# never run), then `go test -tags kubeapiserver -run TestRealAPIServer
# ./targets/kubernetes/`, and stops both and removes their data on exit.
#
# kube-apiserver: $KUBE_APISERVER, else built once into
# ~/.cache/scalebench/kube-apiserver-$K8S_VERSION from the Go module proxy's
# k8s.io/kubernetes (its go.mod replaces its staging modules with local
# folders, so the build uses a go.mod of its own with the published
# v0.x versions instead). The first build takes long on a small machine
# (run it under nice). etcd: Debian's etcd-server (installed when missing).
#
# Usage: ./scripts/kube-apiserver-test.sh [go test flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '== %s\n' "$*"; }

K8S_VERSION=${K8S_VERSION:-v1.37.2}
staging=${K8S_VERSION/v1./v0.}

if ! command -v etcd >/dev/null; then
  log "installing etcd-server"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
fi

apiserver=${KUBE_APISERVER:-$HOME/.cache/scalebench/kube-apiserver-$K8S_VERSION}
if [ ! -x "$apiserver" ]; then
  log "building kube-apiserver $K8S_VERSION (once; slow)"
  src=$(mktemp -d)
  curl -fsS "https://proxy.golang.org/k8s.io/kubernetes/@v/$K8S_VERSION.mod" -o "$src/k8s.mod"
  {
    printf 'module kubeapiserver\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    sed -n '/^replace (/,/^)/p' "$src/k8s.mod" | awk -v v="$staging" '/=>/ {print "\t" $1 " => " $1 " " v}'
    printf ')\n'
  } >"$src/go.mod"
  cat >"$src/main.go" <<'GO'
// Command kube-apiserver is Kubernetes' API server.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
  mkdir -p "$(dirname "$apiserver")"
  ver="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
  (cd "$src" && go mod tidy >/dev/null 2>&1 && nice -n 19 go build -ldflags "$ver" -o "$apiserver" .)
  rm -rf "$src"
fi

dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
etcd_port=$(free_port) peer_port=$(free_port) api_port=$(free_port)

log "etcd on 127.0.0.1:$etcd_port"
etcd --data-dir "$dir/etcd" --name scalebench \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "scalebench=http://127.0.0.1:$peer_port" >"$dir/etcd.log" 2>&1 &
pids+=($!)

openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
token=$(openssl rand -hex 16)
echo "$token,scalebench,scalebench,system:masters" >"$dir/tokens.csv"

log "kube-apiserver $("$apiserver" --version 2>/dev/null | cut -d' ' -f2) on 127.0.0.1:$api_port"
"$apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
  --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC --endpoint-reconciler-type none \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.key" \
  --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
  >"$dir/apiserver.log" 2>&1 &
pids+=($!)

cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$api_port", insecure-skip-tls-verify: true}}]
users: [{name: scalebench, user: {token: "$token"}}]
contexts: [{name: local, context: {cluster: local, user: scalebench}}]
current-context: local
KC

for i in $(seq 1 120); do
  if curl -fsSk -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then
    echo "kube-apiserver exited:" >&2; tail -30 "$dir/apiserver.log" >&2; exit 1
  fi
  if [ "$i" = 120 ]; then echo "kube-apiserver not ready after 60 s:" >&2; tail -30 "$dir/apiserver.log" >&2; exit 1; fi
  sleep 0.5
done
log "API server ready; running the tests"
cd "$root"
SCALEBENCH_TEST_KUBECONFIG="$dir/kubeconfig" go test -tags kubeapiserver -run TestRealAPIServer -count=1 "${@:--v}" ./targets/kubernetes/
