#!/bin/sh
# Fetches a User-mode Linux guest kernel that boots on this machine, for make test-hosts.
#   sh tests/hosts/uml.sh DIR      -> DIR/linux, ready to run (idempotent)
#
# Why not Debian 12's own user-mode-linux (6.1), or 13's (6.12): both die at boot on a CPU
# with AVX-512 and AMX ("ptrace set fp regs failed, errno = 14"), because they size the
# ptrace XSAVE buffer when they are built. Debian testing's (7.x) works, but needs a newer
# glibc than Debian 12's, so this takes testing's libc6 too, unpacks both into DIR and
# points the kernel binary's interpreter and library path at that libc with patchelf.
# apt gets a sources list, state and cache of its own under DIR: the machine's apt
# configuration and installed packages are not touched.
set -eu

dir=${1:?usage: sh tests/hosts/uml.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ -x "$dir/linux" ] && exit 0

need() {
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "uml: installing $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
  else
    echo "uml: $1 is missing: sudo apt-get install $2" >&2
    exit 1
  fi
}
need patchelf patchelf
need apt-get apt
need dpkg-deb dpkg

apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts" "$dir/debs"
echo "deb http://deb.debian.org/debian testing main" >"$apt_dir/sources.list"
set -- -q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/parts" \
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir" -o Dir::State::status=/dev/null \
  -o APT::Sandbox::User=root
echo "uml: fetching Debian testing's user-mode-linux and libc6 into $dir"
apt-get "$@" update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 1; }
(cd "$dir/debs" && apt-get "$@" download user-mode-linux libc6) >"$apt_dir/download.log" 2>&1 ||
  { cat "$apt_dir/download.log" >&2; exit 1; }

root=$dir/root
rm -rf "$root"
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
lib=$root/usr/lib/x86_64-linux-gnu
cp "$root/usr/bin/linux.uml" "$dir/linux.part"
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$dir/linux.part"
mv "$dir/linux.part" "$dir/linux"
echo "uml: $("$dir/linux" --version 2>/dev/null | head -n 1 || echo ready) at $dir/linux"
