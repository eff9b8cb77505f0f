#!/usr/bin/env bash
# Runs every test of scalebench and does all their set-up first: installs the
# real servers the tests use (redis-server, nginx, chromium, nodejs, postgresql) when they are
# missing, builds the offline Docker images, then runs vet and the tests.
# Usage: ./scripts/test.sh [go test flags…]   (e.g. ./scripts/test.sh -run TestX ./load/)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || missing+=(nginx)
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs) # examples/server.js: the examples are validated and run
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null; then apt=(sudo apt-get); else
    echo "missing ${missing[*]}: install them (apt-get install -y --no-install-recommends ${missing[*]}) or run as root" >&2
    exit 1
  fi
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts redis-server and nginx as services on install; the tests start
# their own on private ports, so stop the system ones if they run.
if command -v service >/dev/null; then
  service redis-server stop >/dev/null 2>&1 || true
  service nginx stop >/dev/null 2>&1 || true
  # postgresql's package starts Debian's own cluster on 5432; the tests run
  # their own clusters in private folders on other ports.
  service postgresql stop >/dev/null 2>&1 || true
fi

if ! docker info >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
  log "starting the Docker engine"
  (service docker start >/dev/null 2>&1 || (nohup dockerd >/tmp/scalebench-dockerd.log 2>&1 &)) || true
  for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi

if [ -f fixtures/images/build.sh ]; then
  if docker info >/dev/null 2>&1; then
    # No registry is needed: unless the official images (or the ones named
    # by SCALEBENCH_REDIS_IMAGE / SCALEBENCH_NGINX_IMAGE) are present, build
    # equivalents from this machine's Debian packages and point the docker
    # driver at them — air-gapped users can do the same.
    if ! docker image inspect "${SCALEBENCH_REDIS_IMAGE:-redis:7}" >/dev/null 2>&1 ||
       ! docker image inspect "${SCALEBENCH_NGINX_IMAGE:-nginx:1.27}" >/dev/null 2>&1 ||
       ! docker image inspect "${SCALEBENCH_POSTGRES_IMAGE:-postgres:15}" >/dev/null 2>&1; then
      export SCALEBENCH_REDIS_IMAGE="${SCALEBENCH_REDIS_IMAGE:-scalebench/redis:ci}"
      export SCALEBENCH_NGINX_IMAGE="${SCALEBENCH_NGINX_IMAGE:-scalebench/nginx:ci}"
      export SCALEBENCH_POSTGRES_IMAGE="${SCALEBENCH_POSTGRES_IMAGE:-scalebench/postgres:ci}"
      log "building offline Docker images $SCALEBENCH_REDIS_IMAGE, $SCALEBENCH_NGINX_IMAGE and $SCALEBENCH_POSTGRES_IMAGE (fixtures/images/build.sh)"
      bash fixtures/images/build.sh
    fi
  else
    echo "Docker engine not reachable: start it (e.g. 'service docker start' or 'dockerd &') — the docker driver tests need it" >&2
    exit 1
  fi
fi

log "go vet"
go vet ./...
log "go test"
if [ $# -eq 0 ]; then set -- ./...; fi
# -p 1: measurement tests must not share the 2 CPUs with another package's tests.
exec go test -count=1 -p 1 -timeout 30m "$@"
