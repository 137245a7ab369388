#!/bin/sh
# Builds the course's default root filesystem: a static busybox and its applet links.
#
#   rootfs/build-busybox.sh [TARGET]      (default TARGET: rootfs/busybox)
#
# No internet needed beyond Debian's package mirror: it uses the host's busybox if that
# one is static, otherwise it fetches Debian's busybox-static with `apt-get download`
# and unpacks it with `dpkg-deb -x` (neither needs root). Building twice is a no-op.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-$here/busybox}
cache=$here/.cache

say() { printf 'rootfs: %s\n' "$*"; }
fail() { printf 'rootfs: error: %s\n' "$*" >&2; exit 1; }

# The few device nodes every shell expects (`cmd &` reads /dev/null). Creating them
# needs root (mknod(2)); without it the rootfs still works, minus these.
make_devices() {
  mknod -m 666 "$1/dev/null" c 1 3
  mknod -m 666 "$1/dev/zero" c 1 5
  mknod -m 666 "$1/dev/full" c 1 7
  mknod -m 666 "$1/dev/random" c 1 8
  mknod -m 666 "$1/dev/urandom" c 1 9
  mknod -m 666 "$1/dev/tty" c 5 0
}

if [ -x "$target/bin/busybox" ] && [ -f "$target/.complete" ]; then
  # Built earlier without root: root completes it with the device nodes it lacks.
  if [ ! -c "$target/dev/null" ] && [ "$(id -u)" = 0 ]; then
    rm -f "$target"/dev/null "$target"/dev/zero "$target"/dev/full "$target"/dev/random \
      "$target"/dev/urandom "$target"/dev/tty
    make_devices "$target"
    say "$target: added the device nodes a build without root could not make (/dev/null, ...)"
    exit 0
  fi
  say "$target is already built ($(cat "$target/.complete")); delete it to rebuild"
  [ -c "$target/dev/null" ] || say "its /dev is empty: 'sudo make rootfs' (or make rootfs in a root shell) adds /dev/null and friends"
  exit 0
fi

# 1. Find a static busybox. A dynamic one would need the host's libc inside the rootfs.
busybox=""
if host_busybox=$(command -v busybox 2>/dev/null) && ! ldd "$host_busybox" >/dev/null 2>&1; then
  busybox=$host_busybox
  source="host $host_busybox"
  say "using the host's static busybox: $busybox"
else
  mkdir -p "$cache"
  deb=$(ls "$cache"/busybox-static_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    command -v apt-get >/dev/null || fail "no static busybox on this host and no apt-get to fetch one;
  install a static busybox (e.g. busybox-static), or use rootfs/build-alpine.sh (needs internet)"
    say "fetching Debian's busybox-static (apt-get download)..."
    (cd "$cache" && apt-get download busybox-static >/dev/null 2>"$cache/apt.log") \
      || fail "apt-get download busybox-static failed (see $cache/apt.log);
  run 'sudo apt-get update' first, or install busybox-static"
    deb=$(ls "$cache"/busybox-static_*.deb | head -n 1)
  fi
  say "unpacking $(basename "$deb")"
  rm -rf "$cache/unpacked"
  dpkg-deb -x "$deb" "$cache/unpacked" || fail "dpkg-deb -x $deb failed"
  busybox=$cache/unpacked/bin/busybox
  [ -x "$busybox" ] || fail "$deb has no bin/busybox"
  source=$(basename "$deb")
fi

# 2. Lay out the tree in a temporary folder, then move it into place in one rename,
#    so an interrupted build never leaves a half-made rootfs behind.
work=$(mktemp -d "${target}.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/sbin" "$work/usr/bin" "$work/usr/sbin" "$work/etc" \
  "$work/proc" "$work/sys" "$work/dev" "$work/tmp" "$work/root" "$work/home" \
  "$work/var" "$work/run" "$work/mnt"
chmod 755 "$work"
chmod 1777 "$work/tmp"
cp "$busybox" "$work/bin/busybox"
chmod 755 "$work/bin/busybox"

# Relative links, so they resolve the same seen from the host and from inside the chroot.
count=0
for applet in $("$work/bin/busybox" --list-full); do
  dir=$(dirname "$applet")
  case "$dir" in
    bin) link=busybox ;;
    sbin) link=../bin/busybox ;;
    usr/bin | usr/sbin) link=../../bin/busybox ;;
    *) continue ;;
  esac
  [ -e "$work/$applet" ] || ln -s "$link" "$work/$applet"
  count=$((count + 1))
done

# Just enough of /etc for ps, id and ls -l to show names instead of numbers.
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$work/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/etc/group"
printf 'container\n' >"$work/etc/hostname"

if [ "$(id -u)" = 0 ]; then
  make_devices "$work"
else
  say "not root: /dev stays empty (then run 'sudo make rootfs', or make rootfs as root, for /dev/null and friends)"
fi
echo "$source" >"$work/.complete"

rm -rf "$target"
mv "$work" "$target"
trap - EXIT
say "built $target: busybox with $count applets ($source)"
