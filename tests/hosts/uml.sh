#!/bin/sh
# Fetches a User-mode Linux guest kernel that boots on this machine, for make test-hosts.
#   sh tests/hosts/uml.sh DIR          -> DIR/linux, ready to run (idempotent)
#   sh tests/hosts/uml.sh --latest DIR -> prints the pin lines for what testing holds today
#
# Why not Debian 12's own user-mode-linux (6.1), or 13's (6.12): both die at boot on a CPU
# with AVX-512 and AMX ("ptrace set fp regs failed, errno = 14"), because they size the
# ptrace XSAVE buffer when they are built. Debian testing's (7.x) works, but needs a newer
# glibc than Debian 12's, so this takes testing's libc6 too, unpacks both into DIR and
# points the kernel binary's interpreter and library path at that libc with patchelf.
# apt gets a sources list, state and cache of its own under DIR: the machine's apt
# configuration and installed packages are not touched.
#
# The pin: the guest is these exact .debs, whatever testing holds that day; a version
# testing no longer offers, or a .deb whose SHA-256 differs, stops the script (exit 1).
# To move it: `sh tests/hosts/uml.sh --latest "$(mktemp -d)"` prints the four lines below
# for the versions testing holds now, with the SHA-256 of each .deb from testing's signed
# index; paste them here, then `sh tests/hosts/uml.sh "$(mktemp -d)"` downloads and checks
# them (sha256sum DIR/debs/*.deb shows the same sums). make test-hosts refetches build/uml
# by itself when the pin moves.
uml_version=7.2um1
uml_sha256=f947c9244fd79d481299df2ad68961f6b3b7703bff38c4b0e726f861161da62c
libc_version=2.43-7
libc_sha256=5c71715c51103beb4fbba9fe9f8dff604af6610dfa71c70bff342f54a7860803
set -eu

latest=false
[ "${1:-}" = --latest ] && { latest=true; shift; }
dir=${1:?usage: sh tests/hosts/uml.sh [--latest] DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The .deb of PACKAGE at VERSION as apt-get download names it (an epoch's ':' is "%3a").
deb_of() { printf '%s/debs/%s_%s_amd64.deb' "$dir" "$1" "$(printf %s "$2" | sed 's/:/%3a/')"; }
sha256_of() { sha256sum <"$1" | cut -d ' ' -f 1; }
# Whether DIR/debs holds PACKAGE's .deb at VERSION with that SHA256.
pinned() { [ -f "$(deb_of "$1" "$2")" ] && [ "$(sha256_of "$(deb_of "$1" "$2")")" = "$3" ]; }
if ! $latest && [ -x "$dir/linux" ] && pinned user-mode-linux "$uml_version" "$uml_sha256" &&
  pinned libc6 "$libc_version" "$libc_sha256"; then
  exit 0
fi

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
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts"
echo "deb http://deb.debian.org/debian testing main" >"$apt_dir/sources.list"
# private apt-get|apt-cache ARGS...: with the sources, state and cache under DIR.
private() {
  tool=$1
  shift
  "$tool" -q -o Dir::Etc::SourceList="$apt_dir/sources.list" \
    -o Dir::Etc::SourceParts="$apt_dir/parts" -o Dir::State::Lists="$apt_dir/lists" \
    -o Dir::Cache="$apt_dir" -o Dir::State::status=/dev/null -o APT::Sandbox::User=root "$@"
}
private apt-get update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 1; }
# The versions of PACKAGE testing holds now, one a line.
offered() { private apt-cache madison "$1" 2>/dev/null | awk -F '|' '{ gsub(/ /, "", $2); print $2 }'; }

if $latest; then
  for package in uml:user-mode-linux libc:libc6; do
    private apt-cache show --no-all-versions "${package#*:}" |
      sed -n "s/^Version: /${package%%:*}_version=/p; s/^SHA256: /${package%%:*}_sha256=/p"
  done
  exit 0
fi

echo "uml: fetching Debian testing's user-mode-linux $uml_version and libc6 $libc_version into $dir"
# (apt-cache show PACKAGE=VERSION exits 0 on a version it does not know: ask madison.)
for package in "user-mode-linux $uml_version" "libc6 $libc_version"; do
  name=${package% *}
  offered "$name" | grep -qxF "${package#* }" && continue
  now=$(offered "$name" | paste -sd ' ' -)
  echo "uml: Debian testing no longer offers $name ${package#* } (it has ${now:-none}):" \
    "move the pin at the top of tests/hosts/uml.sh" >&2
  exit 1
done
rm -rf "$dir/linux" "$dir/debs"
mkdir -p "$dir/debs"
(cd "$dir/debs" && private apt-get download "user-mode-linux=$uml_version" "libc6=$libc_version") \
  >"$apt_dir/download.log" 2>&1 || { cat "$apt_dir/download.log" >&2; exit 1; }
# check PACKAGE VERSION SHA256: stops unless the downloaded .deb has that SHA-256.
check() {
  found=none
  [ -f "$(deb_of "$1" "$2")" ] && found=$(sha256_of "$(deb_of "$1" "$2")")
  [ "$found" = "$3" ] && return
  echo "uml: refusing $1 $2: the pin expects sha256 $3, the .deb has $found" >&2
  exit 1
}
check user-mode-linux "$uml_version" "$uml_sha256"
check libc6 "$libc_version" "$libc_sha256"

root=$dir/root
rm -rf "$root"
for deb in "$(deb_of user-mode-linux "$uml_version")" "$(deb_of libc6 "$libc_version")"; do
  dpkg-deb -x "$deb" "$root"
done
lib=$root/usr/lib/x86_64-linux-gnu
cp "$root/usr/bin/linux.uml" "$dir/linux.part"
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$dir/linux.part"
mv "$dir/linux.part" "$dir/linux"
echo "uml: $("$dir/linux" --version 2>/dev/null | head -n 1 || echo ready) at $dir/linux"
