#!/usr/bin/env bash
# Builds the container image from the Dockerfile with podman and runs it
# (tests/image/smoke_test.py): every library present, UID 65532, read-only
# root, no capabilities, health on both listeners, UpdateUser through the
# container to mock-gateway on the host's loopback, SIGTERM drains and exits
# 0. Prints the build time and the image size and fails above MAX_IMAGE_MB.
#
#   bash scripts/image-test.sh [BUILD_DIR]
#
# BUILD_DIR (default build) holds the host's mock-gateway and Python stubs;
# they are built there first if missing or stale. gateway-proxy itself is
# built inside the image. scripts/test.sh runs this after its regular build.
#
# No registry is needed: the Dockerfile's Debian bases are made here with
# mmdebstrap from this machine's own apt sources, with the apt settings the
# official images carry, and the build runs with --pull=never. Everything
# podman stores lives in one temporary directory, removed at exit (several
# GB), along with every container started here (by ID).
#
# Skips (exit 0, saying why) only where podman cannot start a container at
# all, found by starting one.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
MAX_IMAGE_MB=${MAX_IMAGE_MB:-120}  # MB as podman prints them: 10^6 bytes.
IMAGE=localhost/gateway-proxy:image-test
SOURCES=/etc/apt/sources.list.d/debian.sources

say() { echo "image-test: $*"; }

bash scripts/install-deps.sh image test
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target mock-gateway python_stubs

work=$(mktemp -d "${TMPDIR:-/tmp}/gateway-proxy-image.XXXXXX")
container_ids="$work/container-ids"
: >"$container_ids"

# The long steps run in the background and are waited for, so a signal is
# handled at once; the clean-up stops the one running.
child=
run() {
  "$@" &
  child=$!
  local status=0
  wait "$child" || status=$?
  child=
  return "$status"
}

cleanup() {
  local id mount
  set +e  # Every step is tried, whatever the one before it did.
  if [[ -n "$child" ]]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  while read -r id; do
    [[ -z "$id" ]] || podman rm --force --time=0 "$id" >/dev/null 2>&1 || true
  done <"$container_ids"
  podman rmi --all --force >/dev/null 2>&1 || true  # this test's own storage only
  # A build cut short can leave its overlay mounts behind.
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# podman's settings for every call below and in the smoke test. runc, since
# crun fails on hosts with cgroups v1 in hybrid mode; nofile at the hard
# limit, since a container asking for more than the host allows cannot start.
nofile=$(ulimit -Hn)
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
export CONTAINERS_CONF="$work/containers.conf"
export CONTAINERS_STORAGE_CONF="$work/storage.conf"

# Can podman start a container here? A one-file image (true and the libraries
# it loads) answers in about a second.
probe_root="$work/probe"
mkdir -p "$probe_root/usr/bin"
cp /usr/bin/true "$probe_root/usr/bin/true"
for lib in $(ldd /usr/bin/true | grep -o '/[^ ]*'); do
  mkdir -p "$probe_root$(dirname "$lib")"
  cp -L "$lib" "$probe_root$lib"
done
if ! probe_error=$(tar -C "$probe_root" -c . | podman import --quiet - localhost/probe 2>&1 >/dev/null &&
                   podman run --rm --network=none --cidfile="$work/probe.cid" \
                     localhost/probe /usr/bin/true 2>&1); then
  [[ ! -s "$work/probe.cid" ]] || cat "$work/probe.cid" >>"$container_ids"
  say "SKIPPED: podman cannot start a container on this machine (user $(id -un)):"
  printf '%s\n' "$probe_error" | sed 's/^/  /'
  exit 0
fi

# The bases, named as the Dockerfile's FROM lines name them. One bootstrap
# makes both: the slim one is the same tree filtered, as debuerreotype (which
# makes the official images) makes it.
mapfile -t bases < <(awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | sort -u)
base_start=$SECONDS
apt_options=()
# The machine's own settings for reaching its archive (a snapshot mirror has
# Release files past their Valid-Until date), which the bases' apt needs too.
for key in Acquire::Check-Valid-Until Acquire::Check-Date Acquire::http::Proxy \
           Acquire::https::Proxy; do
  value=
  eval "$(apt-config shell value "$key")"
  [[ -z "$value" ]] || apt_options+=(--aptopt="$key \"$value\"")
done
# The settings the official images carry: apt's caches emptied after every
# install, no translations, compressed lists, no service started by a
# package's postinst, and (--dpkgopt below) dpkg without fsync.
overlay="$work/overlay"
mkdir -p "$overlay/etc/apt/apt.conf.d" "$overlay/etc/dpkg/dpkg.cfg.d" "$overlay/usr/sbin"
clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
cat >"$overlay/etc/apt/apt.conf.d/docker-clean" <<EOF
DPkg::Post-Invoke { $clean };
APT::Update::Post-Invoke { $clean };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$overlay/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' >"$overlay/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' \
  >"$overlay/etc/apt/apt.conf.d/docker-autoremove-suggests"
printf '#!/bin/sh\nexit 101\n' >"$overlay/usr/sbin/policy-rc.d"
chmod 755 "$overlay/usr/sbin/policy-rc.d"
# merged-/usr as debootstrap makes it (so no usrmerge, hence no perl);
# resolv.conf and hostname are the host's, so they stay out; so do apt's
# caches, which mmdebstrap's own clean-up misses once docker-clean is in.
run mmdebstrap --quiet --variant=minbase --dpkgopt=force-unsafe-io \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${apt_options[@]}" \
  --customize-hook="cp -a $overlay/. \"\$1\"/" \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname" "$1"/var/cache/apt/*.bin' \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  bookworm "$work/base.tar" "$SOURCES" >"$work/mmdebstrap.log" 2>&1 || {
  cat "$work/mmdebstrap.log"
  say "FAILED: mmdebstrap"
  exit 1
}
release=$(tar -xOf "$work/base.tar" ./etc/debian_version)
# Slim: no docs but copyrights, no man pages, info or locales; the same rules
# go into dpkg's configuration for the packages installed on top.
slim_rules=(
  path-exclude=/usr/share/doc/* path-include=/usr/share/doc/*/copyright
  path-exclude=/usr/share/groff/* path-exclude=/usr/share/info/*
  path-exclude=/usr/share/linda/* path-exclude=/usr/share/lintian/*
  path-exclude=/usr/share/locale/* path-exclude=/usr/share/man/*
)
mkdir -p "$work/slim/etc/dpkg/dpkg.cfg.d"
printf '%s\n' "${slim_rules[@]/=/ }" >"$work/slim/etc/dpkg/dpkg.cfg.d/docker"
mmtarfilter "${slim_rules[@]/#/--}" <"$work/base.tar" >"$work/base-slim.tar"
tar -rf "$work/base-slim.tar" --owner=0 --group=0 -C "$work/slim" ./etc/dpkg/dpkg.cfg.d/docker
for base in "${bases[@]}"; do
  tarball="$work/base.tar"
  [[ "$base" != *-slim ]] || tarball="$work/base-slim.tar"
  podman import --quiet --change='CMD ["bash"]' "$tarball" "docker.io/library/$base" >/dev/null
  say "base $base made: Debian $release from $SOURCES," \
      "$(podman image inspect --format='{{.Size}}' "docker.io/library/$base" |
         awk '{ printf "%.1f", $1 / 1e6 }') MB"
  if [[ "$base" != "debian:$release"* ]]; then
    say "note: the archive now serves Debian $release, not the Dockerfile's $base"
  fi
done
rm -rf "$work/base.tar" "$work/base-slim.tar" "$overlay" "$work/slim"
say "bases made in $((SECONDS - base_start)) s"

build_start=$SECONDS
run podman build --pull=never --network=host --tag="$IMAGE" . >"$work/build.log" 2>&1 || {
  cat "$work/build.log"
  say "FAILED: podman build"
  exit 1
}
build_seconds=$((SECONDS - build_start))
if grep -E '^(useradd|groupadd) warning' "$work/build.log"; then
  say "FAILED: adding the image's user printed the warning above"
  exit 1
fi
size=$(podman image inspect --format='{{.Size}}' "$IMAGE")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
say "image built in ${build_seconds} s; size ${size_mb} MB ($size bytes), limit ${MAX_IMAGE_MB} MB"
podman history --format='{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | cut -c1-110 | sed 's/^/  /'

IMAGE=$IMAGE CONTAINER_IDS=$container_ids \
  MOCK_GATEWAY_BIN="$(realpath "$build_dir/tools/mock_gateway/mock-gateway")" \
  PYTHONPATH="$(realpath "$build_dir/gen/python")" \
  run /usr/bin/python3 tests/image/smoke_test.py

if (( size > MAX_IMAGE_MB * 1000000 )); then
  say "FAILED: the image is ${size_mb} MB, over ${MAX_IMAGE_MB} MB"
  exit 1
fi
say "passed: built in ${build_seconds} s, ${size_mb} MB"
