#!/usr/bin/env bash
# The container image (Dockerfile), built and run on this machine with no image
# registry: Debian's docker.io daemon (vfs storage) in a network namespace, the
# base image made by debootstrap and `docker import`, the wheels by pip on the host.
#
#   scripts/image.sh build                 # the image $IMAGE (default backend:latest), saved (IMAGE_SAVE=0: not);
#                                          # in the running daemon, else in one of its own for the build
#   scripts/image.sh obstacle              # why the daemon cannot run here (prints nothing when it can)
#   scripts/image.sh daemon-start [NETNS]  # dockerd in namespace NETNS (default: a new one of its own)
#   scripts/image.sh daemon-stop           # stop it (and remove the namespace it made)
#   scripts/image.sh docker ARGS...        # the docker CLI, talking to that daemon
#   scripts/image.sh base | wheels         # the two inputs of the build, cached
#
# Everything lives in IMAGE_DIR (default .run/image, ignored by git): the
# debootstrap tarball (made once: later builds import it in seconds), the
# wheelhouse (remade when requirements.txt changes), the built image as a
# `docker load` tarball ($IMAGE_DIR/image.tar), the daemon's socket and pids.
# The daemon's data is a tmpfs (IMAGE_TMPFS_SIZE, default 8g) that lives as
# long as the daemon: vfs stores every layer as a full copy of the tree, gigabytes
# that a disk writes (and deletes) far more slowly than memory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

DIR="${IMAGE_DIR:-.run/image}"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
IMAGE="${IMAGE:-backend:latest}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What the debootstrapped base holds: Python 3.11 and its venv module (the builder stage's).
BASE_PACKAGES=python3,python3-venv
BASE_TAG="backend-base:$SUITE"
export DOCKER_HOST="unix://$DIR/docker.sock"
# The CLI of Debian's package (same release as the daemon) and the classic builder,
# which needs no buildx plugin; the Dockerfile uses nothing BuildKit-only.
DOCKER="${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)}"
export DOCKER_BUILDKIT=0
NETNS_OWN="img$(printf '%s' "$DIR" | sha1sum | cut -c1-6)"

docker_cli() { "$DOCKER" "$@"; }

ensure_packages() {
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io docker
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
}

obstacle() {
  if [ "$(id -u)" -ne 0 ]; then echo "not root (dockerd and debootstrap need root)"; return; fi
  if ! command -v dockerd >/dev/null 2>&1 && ! command -v apt-get >/dev/null 2>&1; then
    echo "no dockerd and no apt-get to install docker.io"; return
  fi
  if ! command -v nsenter >/dev/null 2>&1 || ! ip netns add "$NETNS_OWN-probe" 2>/dev/null; then
    echo "no network namespaces (ip netns add failed)"; return
  fi
  ip netns del "$NETNS_OWN-probe"
}

daemon_alive() { [ -f "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; }

# dockerd inside network namespace NETNS (nsenter: `ip netns exec` would also
# remount /sys and hide the cgroups). No bridge and no iptables: the builds run
# with --network none and the containers with --network host, i.e. on the
# namespace's own interfaces.
daemon_start() {
  local netns=${1:-}
  if daemon_alive; then echo "dockerd already running (pid $(cat "$DIR/dockerd.pid"))" >&2; return; fi
  ensure_packages
  if [ -z "$netns" ]; then
    netns=$NETNS_OWN
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    echo "$netns" >"$DIR/dockerd.netns-own"
  fi
  mkdir -p "$DIR/data" "$DIR/exec"
  mountpoint -q "$DIR/data" || mount -t tmpfs -o "size=${IMAGE_TMPFS_SIZE:-8g}" tmpfs "$DIR/data"
  nsenter --net="/run/netns/$netns" setsid dockerd \
    --storage-driver vfs --data-root "$DIR/data" --exec-root "$DIR/exec" \
    --pidfile "$DIR/exec/dockerd.pid" --host "$DOCKER_HOST" \
    --bridge none --iptables=false --ip-masq=false --ip-forward=false \
    >>"$DIR/dockerd.log" 2>&1 &
  echo $! >"$DIR/dockerd.pid"
  for _ in $(seq 1 600); do
    docker_cli version >/dev/null 2>&1 && { echo "dockerd running in namespace $netns (pid $(cat "$DIR/dockerd.pid"))" >&2; return; }
    daemon_alive || break
    sleep 0.1
  done
  echo "dockerd did not start; its log:" >&2
  tail -n 30 "$DIR/dockerd.log" >&2
  daemon_stop
  exit 1
}

# The daemon and its containerd stop on SIGTERM; its containers are stopped first.
daemon_stop() {
  if daemon_alive; then
    local pid
    pid=$(cat "$DIR/dockerd.pid")
    docker_cli ps --quiet 2>/dev/null | xargs --no-run-if-empty "$DOCKER" rm --force >/dev/null 2>&1 || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/dockerd.pid"
  # dockerd leaves mounts behind: its namespace file under exec, its data root
  # bound onto itself, then the tmpfs under it. Innermost first.
  local mount
  for mount in $(awk -v dir="$DIR/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$mount" 2>/dev/null || true
  done
  while mountpoint -q "$DIR/data"; do umount "$DIR/data" || break; done
  rm -rf "$DIR/exec" || true
  if [ -f "$DIR/dockerd.netns-own" ]; then
    ip netns del "$(cat "$DIR/dockerd.netns-own")" 2>/dev/null || true
    rm -f "$DIR/dockerd.netns-own"
  fi
}

# A Debian root with Python, as a tarball made once (debootstrap takes minutes;
# the import of the cached tarball seconds), imported as $BASE_TAG.
base() {
  local tarball="$DIR/base-$SUITE-${BASE_PACKAGES//,/-}.tar"
  if [ ! -f "$tarball" ]; then
    local root="$DIR/rootfs"
    rm -rf "$root"
    echo "debootstrap $SUITE ($BASE_PACKAGES) from $MIRROR ..." >&2
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$root" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 \
      || { tail -n 20 "$DIR/debootstrap.log" >&2; exit 1; }
    # Package lists and caches are not part of an image.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  docker_cli image inspect "$BASE_TAG" >/dev/null 2>&1 \
    || docker_cli import --change 'CMD ["python3"]' "$tarball" "$BASE_TAG" >/dev/null
  echo "base image $BASE_TAG from $(basename "$tarball")" >&2
}

# Binary wheels for the image's Python (CPython 3.11 on glibc x86_64), remade
# when requirements.txt changes. pip evaluates markers against the host's
# Python, not the image's (Debian's 3.11.2): the pins conditional on the
# Python version are fetched too, and the image's pip picks what it needs.
wheels() {
  local house="$DIR/wheelhouse" stamp
  stamp=$(sha1sum requirements.txt | cut -c1-40)
  [ "$(cat "$house/.requirements" 2>/dev/null)" = "$stamp" ] && return
  rm -rf "$house"
  mkdir -p "$house"
  local target=(--only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
    --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 --platform linux_x86_64 --platform any)
  .venv/bin/python -m pip download --quiet --dest "$house" "${target[@]}" -r requirements.txt
  grep -E "^[A-Za-z0-9_.-]+==[^ ;]+ *; *python_(full_)?version" requirements.txt | sed 's/ *;.*//' \
    | xargs --no-run-if-empty .venv/bin/python -m pip download --quiet --no-deps --dest "$house" "${target[@]}"
  echo "$stamp" >"$house/.requirements"
  echo "wheelhouse: $(find "$house" -name '*.whl' | wc -l) wheels" >&2
}

build() {
  ensure_packages
  local own=0
  if ! daemon_alive; then
    own=1
    trap daemon_stop EXIT
    trap 'daemon_stop; exit 130' INT
    trap 'daemon_stop; exit 143' TERM
    daemon_start
  fi
  base
  wheels
  local started=$SECONDS
  docker_cli build --network none --build-arg "BASE_IMAGE=$BASE_TAG" --tag "$IMAGE" . >"$DIR/build.log" 2>&1 \
    || { tail -n 40 "$DIR/build.log" >&2; exit 1; }
  echo "image $IMAGE built in $((SECONDS - started)) s (log: $DIR/build.log)" >&2
  if [ "${IMAGE_SAVE:-1}" = 1 ]; then
    docker_cli save --output "$DIR/image.tar" "$IMAGE"
    echo "saved as $DIR/image.tar (docker load --input ...)" >&2
  fi
  if [ "$own" = 1 ]; then
    trap - EXIT INT TERM
    daemon_stop
  fi
}

case "${1:-}" in
  build) build ;;
  obstacle) obstacle ;;
  daemon-start) daemon_start "${2:-}" ;;
  daemon-stop) daemon_stop ;;
  base) base ;;
  wheels) wheels ;;
  docker) shift; docker_cli "$@" ;;
  *) echo "usage: $0 build|obstacle|daemon-start [NETNS]|daemon-stop|docker ARGS...|base|wheels" >&2; exit 2 ;;
esac
