#!/bin/sh
# PID 1 of a User-mode Linux guest booted by tests/hosts/run.sh. The guest's / is the
# host's / (hostfs), so the build and the rootfs are where the host has them. This script
# gives the guest its own /proc, /sys, /dev and temporary folder, mounts one cgroup layout on
# /sys/fs/cgroup, runs ctest (RUN=mutants: that layout's mutations, tests/mutants/run.sh),
# writes the result to $RESULTS and powers the guest off. The kernel passes the unknown boot
# words LAYOUT, SOURCE, PRESET, RESULTS, LABELS, EXCLUDE and RUN as environment variables.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

power_off() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 10
}
trap power_off EXIT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# The tests' temporary files go to a tmpfs of the guest's own. Not over /tmp: the
# checkout itself may be there (CI clones into a temporary folder).
mount -t tmpfs -o size=1G tmpfs /dev/shm
export TMPDIR=/dev/shm
hostname guest
# The guest's loopback, up as on any booted machine (the escape tests run a service there).
"$SOURCE/rootfs/busybox/bin/busybox" ip link set lo up
# Debian's UML kernel builds veth (step 32) and overlayfs (step 34) as modules, kept beside
# the kernel, not in the host's /lib/modules; the rootfs's static busybox loads them (kmod
# may be missing).
for module in drivers/net/veth.ko fs/overlayfs/overlay.ko; do
  "$SOURCE/rootfs/busybox/bin/busybox" insmod "$SOURCE/build/uml/root/usr/lib/uml/modules/$(uname -r)/kernel/$module" || true
done

RUN=${RUN:-ctest}
name=$LAYOUT
[ "$RUN" = mutants ] && name=mutants-$LAYOUT
status=$RESULTS/$name.status
log=$RESULTS/$name.log
echo "boot failed" >"$status"

cg=/sys/fs/cgroup
v1_controllers="cpu,cpuacct memory pids"
mount_v1() {
  mount -t tmpfs -o mode=755 cgroup "$cg"
  for c in $v1_controllers; do
    mkdir -p "$cg/$c"
    mount -t cgroup -o "$c" cgroup "$cg/$c"
  done
  # As systemd does: each controller of a shared hierarchy by its own name too.
  ln -s cpu,cpuacct "$cg/cpu"
  ln -s cpu,cpuacct "$cg/cpuacct"
}
# Where ctest starts: the root cgroup, or (as under systemd) a leaf with the controllers
# enabled in every cgroup above it.
start_in=
case $LAYOUT in
  unified) # systemd's pure cgroup v2, everything still in the root cgroup
    mount -t cgroup2 -o nsdelegate cgroup2 "$cg" ;;
  unified-leaf) # pure v2, the tests started from a service's leaf cgroup
    mount -t cgroup2 -o nsdelegate cgroup2 "$cg"
    echo "+pids +memory +cpu" >"$cg/cgroup.subtree_control"
    mkdir -p "$cg/system.slice/tests.service"
    echo "+pids +memory +cpu" >"$cg/system.slice/cgroup.subtree_control"
    start_in=$cg/system.slice/tests.service ;;
  desktop) # systemd on a desktop: pure v2, controllers down to the user's slice, the tests
    # started from a session scope beside another process of the session (the shell's)
    mount -t cgroup2 -o nsdelegate cgroup2 "$cg"
    session=$cg/user.slice/user-1000.slice/session-1.scope
    mkdir -p "$session"
    for slice in "$cg" "$cg/user.slice" "$cg/user.slice/user-1000.slice"; do
      echo "+pids +memory +cpu" >"$slice/cgroup.subtree_control"
    done
    sleep 100000 &
    echo $! >"$session/cgroup.procs"
    start_in=$session ;;
  legacy) # cgroup v1 only: one hierarchy per controller
    mount_v1 ;;
  hybrid) # systemd's hybrid: v1 controllers, and cgroup2 with none at unified/
    mount_v1
    mkdir -p "$cg/unified"
    mount -t cgroup2 -o nsdelegate cgroup2 "$cg/unified" ;;
  *) echo "unknown layout '$LAYOUT'" >"$status"; exit 1 ;;
esac

cd "$SOURCE" || exit 1
# ctest keeps its logs and timings in the build's Testing/: a tmpfs of this guest's own,
# since make test-hosts runs guests side by side on the same build.
mkdir -p "build/$PRESET/Testing" && mount -t tmpfs -o size=64m tmpfs "build/$PRESET/Testing"
{
  echo "== layout $LAYOUT: $(uname -r), /sys/fs/cgroup:"
  grep cgroup /proc/self/mountinfo | awk '{print "   " $5 " " $9 " " $NF}'
} >"$log" 2>&1
# The leaf is joined by the shell that runs ctest, as systemd starts a service in its own.
if [ "$RUN" = mutants ]; then
  # shellcheck disable=SC2046 # the steps asked for, comma-separated on the kernel's line
  set -- bash tests/mutants/run.sh --guest "$LAYOUT" "$PRESET" $(echo "${MUTANT_STEPS:-}" | tr , ' ')
else
  set -- ctest --preset "$PRESET" -L "$LABELS"
  # EXCLUDE: the property rows the machine's own make test runs (run.sh says which)
  [ -z "${EXCLUDE:-}" ] || set -- "$@" -E "$EXCLUDE"
fi
sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$start_in" "$@" >>"$log" 2>&1
echo "$RUN exit $?" >"$status"
