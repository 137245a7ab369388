#!/bin/sh
# The article's root filesystem: Alpine Linux's minirootfs, downloaded (needs internet).
#
#   sh rootfs/build-alpine.sh [TARGET]      (default TARGET: rootfs/alpine)
#   sudo ./build/default/bin/step10_pids_cgroup --rootfs rootfs/alpine
#
# The default rootfs (rootfs/build-busybox.sh) needs no internet; this one is opt-in.
# The tarball's SHA-256 is pinned below and checked before anything is unpacked.
set -eu

version=3.20.3
arch=x86_64
sha256=d4e6fd67dcf75e40c451560ac7265166c2b72a0f38ddc9aae756a7de3d1efa0c
url=https://dl-cdn.alpinelinux.org/alpine/v${version%.*}/releases/$arch/alpine-minirootfs-$version-$arch.tar.gz

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-$here/alpine}
cache=$here/.cache
tarball=$cache/$(basename "$url")

say() { printf 'rootfs: %s\n' "$*"; }
fail() { printf 'rootfs: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -m)" = "$arch" ] || fail "this script pins the $arch tarball; on $(uname -m) use rootfs/build-busybox.sh"
if [ -f "$target/.complete" ]; then
  say "$target is already built; delete it to rebuild"
  exit 0
fi

mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  say "downloading $url"
  # A partial download never stays behind, whatever ends the script; a dead network
  # gives up after 20 s to connect (or 60 s without progress) instead of hanging.
  trap 'rm -f "$tarball.part"' EXIT INT TERM
  log=$cache/download.log
  if command -v curl >/dev/null; then
    curl -fsSL --connect-timeout 20 --speed-limit 1024 --speed-time 60 -o "$tarball.part" "$url" 2>"$log" || status=$?
  elif command -v wget >/dev/null; then
    wget -nv --timeout=20 --tries=2 -O "$tarball.part" "$url" 2>"$log" || status=$?
  else
    fail "neither curl nor wget is installed (apt-get install curl), or use the offline busybox rootfs: make rootfs"
  fi
  if [ "${status:-0}" != 0 ]; then
    # The tool's own words say why (no route, DNS, 404, proxy...).
    fail "download failed: $(tail -n 2 "$log" | tr '\n' ' ')
  the busybox rootfs needs no internet: make rootfs"
  fi
  mv "$tarball.part" "$tarball"
  trap - EXIT INT TERM
fi

say "checking SHA-256"
echo "$sha256  $tarball" | sha256sum -c --status || {
  rm -f "$tarball"
  fail "checksum mismatch for $(basename "$tarball"): deleted it; try again"
}

work=$(mktemp -d "${target}.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
chmod 755 "$work"
echo "alpine-minirootfs-$version-$arch" >"$work/.complete"
rm -rf "$target"
mv "$work" "$target"
trap - EXIT
say "built $target (Alpine $version)"
