#!/bin/sh
# make test-hosts: runs the tests on the cgroup layouts learners' machines have, whatever
# this machine's own, each in a User-mode Linux guest kernel (no KVM needed):
#   unified       pure cgroup v2 as on Debian 12, Ubuntu 22.04+, Fedora: the whole suite
#                 but the site's and the code's checks
#   desktop       pure cgroup v2, tests started from a session scope beside another process
#   unified-leaf  pure cgroup v2, tests started from a leaf with pids enabled above it
#                 (not run unless named: desktop covers it, and more)
#   legacy        cgroup v1 only, one hierarchy per controller
#   hybrid        v1 controllers plus an empty cgroup2 at unified/ (systemd's hybrid)
# Prints one line per layout and exits non-zero if any fails; the logs stay in
# build/test-hosts/. Usage: sh tests/hosts/run.sh PRESET [LAYOUT...]
#
# With RUN=mutants in the environment, each guest runs the mutations of
# tests/mutants/mutants.txt tagged with its layout instead (make mutants does this; only
# those of the steps in MUTANT_STEPS, comma-separated, if set), its
# logs named mutants-LAYOUT.*.
#
# The guest runs as root with this machine's / as its own (hostfs): it writes the build's
# test logs there. Run it on a CI or course machine, not on one you care about.
set -u
cd "$(dirname "$0")/../.."
source_dir=$(pwd)
preset=${1:-default}
[ $# -gt 0 ] && shift
# In this order, two lanes get desktop (the longest: with the labs) and hybrid (the
# shortest), and unified and legacy.
layouts=${*:-desktop unified hybrid legacy}
run=${RUN:-ctest}
case $run in ctest) prefix="" ;; mutants) prefix=mutants- ;; *) echo "test-hosts: RUN is ctest or mutants, not $run"; exit 1 ;; esac

[ "$(id -u)" = 0 ] || { echo "test-hosts: needs root (the guest mounts cgroups and runs the root tests): sudo make test-hosts"; exit 1; }
uml_dir=$source_dir/build/uml
sh tests/hosts/uml.sh "$uml_dir" || exit 1
results=$source_dir/build/test-hosts
mkdir -p "$results"

# The container steps' tests in every layout; where learners are, all but the site's and
# the code's checks (label docs), which the machine's own make test runs and no cgroup
# layout changes: the chapters' transcripts (label transcripts) run there too. The labs'
# self-check (is each lab graded fairly: a lab that drops its step's idea fails) runs
# where classrooms are, on the desktop layout; the machine's own make test runs it on
# v1 (CI's machine is hybrid), and the properties too.
labels_for() {
  case $1 in
    unified) echo '^step|^escape$|^properties$|^common$|^bench$|^transcripts$' ;;
    desktop) echo '^step|^labs$|^escape$|^properties$' ;;
    unified-leaf) echo '^step|^escape$|^properties$' ;;
    *) echo '^step|^escape$' ;;
  esac
}

# The property rows of every step but the last (tests/property_test.cpp names them
# SinceNN/Fixture.Test/stepMM_topic): the machine's own make test runs them all, and what
# a layout changes is tried here by each step's own tests, the escape rows of every step
# and the properties of the last, which holds them all. This halves a guest's time.
earlier_steps=$(ls -d steps/[0-9][0-9]_* | sed -n '$!s|steps/\([0-9][0-9]\)_.*|\1|p' | paste -sd '|')
earlier_properties="^Since[0-9]+/.*/step($earlier_steps)_"
# Likewise the escape rows (tests/escape_test.cpp names them Doors/Escape.Door.../stepNN_
# topic_DOOR[_rootless][_shut_here]): a guest tries every door in the last step and in the
# step that shuts it, where a layout could let it open; the machine's own make test tries
# them in every step.
doors=$(sed -n 's/^.*{"\([a-z_]*\)", "[0-9][0-9]_.*/\1/p' tests/escape_test.cpp | sort -u | paste -sd '|')
earlier_doors="^Doors/Escape\.[A-Za-z]+/step($earlier_steps)_[a-z_]*_($doors)(_rootless)?([^_a-z]|\$)"

# The labs' self-check, in the desktop guest: the labs of the steps whose idea is a cgroup
# or a limit (what a layout changes: their names say so) and of the last step; the
# machine's own make test checks every lab. (Each check builds and runs a lab: all of them
# took most of that guest's time.)
layout_labs="$(ls -d steps/[0-9][0-9]_* | grep -E 'cgroup|limit|memory|rootless' | cut -c7-8 | paste -sd '|')"
other_labs="^lab_selfcheck\\.step($(ls -d steps/[0-9][0-9]_* | sed '$d' | cut -c7-8 |
  grep -vxE "$layout_labs" | paste -sd '|'))\$"

# One guest per layout, each on one CPU: as many at once as the machine has CPUs (two on
# CI's machine, which halves the wall time), each layout's lines printed when it ends.
run_layout() {
  layout=$1
  name=$prefix$layout
  rm -f "$results/$name.status" "$results/$name.log"
  run_dir=$(mktemp -d)
  start=$(date +%s)
  # One CPU, 2 GiB; at most 50 minutes (guests side by side run slower than one alone:
  # each costs the host more than one CPU's time, in its kernel). con0 to our stdout (the guest's console), the rest to nothing; the
  # guest's files for this run go to a temporary uml_dir, removed below.
  timeout 3000 "$uml_dir/linux" mem=2G quiet uml_dir="$run_dir" umid="tests-$layout-$$" \
    con0=null,fd:1 con=null ssl=null root=/dev/root rootfstype=hostfs rootflags=/ rw \
    init="$source_dir/tests/hosts/guest-init.sh" \
    LAYOUT="$layout" SOURCE="$source_dir" PRESET="$preset" RESULTS="$results" RUN="$run" \
    MUTANT_STEPS="${MUTANT_STEPS:-}" \
    LABELS="$(labels_for "$layout")" EXCLUDE="$earlier_properties|$earlier_doors|$other_labs" \
    >"$results/$name.console" 2>&1
  rm -rf "$run_dir"
  seconds=$(($(date +%s) - start))
  status=$(cat "$results/$name.status" 2>/dev/null || echo "guest did not start")
  summary=$(grep -E '^[0-9]+% tests passed|^mutants: [0-9]+ killed' "$results/$name.log" 2>/dev/null | tail -n 1)
  if [ "$status" = "$run exit 0" ]; then
    printf 'test-hosts: %-13s ok    %s (%ss)\n' "$layout" "$summary" "$seconds"
  else
    # one printf, so that a guest ending meanwhile does not cut into these lines
    printf 'test-hosts: %-13s FAIL  %s, %s (%ss); see %s\n%s\n' "$layout" "$status" \
      "${summary:-no summary}" "$seconds" "$results/$name.log" \
      "$(grep -E '^\s+[0-9]+ - ' "$results/$name.log" 2>/dev/null | sed 's/^/    /')"
  fi
}

lanes=$(nproc 2>/dev/null || echo 1)
[ "$lanes" -ge 1 ] || lanes=1
# Layouts dealt round-robin to the lanes; each lane runs its layouts one after another.
lane=0
pids=""
while [ "$lane" -lt "$lanes" ]; do
  mine="" i=0
  for layout in $layouts; do
    [ $((i % lanes)) -eq "$lane" ] && mine="$mine $layout"
    i=$((i + 1))
  done
  [ -n "$mine" ] || break
  (for layout in $mine; do run_layout "$layout"; done) &
  pids="$pids $!"
  lane=$((lane + 1))
done
for pid in $pids; do wait "$pid"; done

failed=0
for layout in $layouts; do
  [ "$(cat "$results/$prefix$layout.status" 2>/dev/null)" = "$run exit 0" ] || failed=1
done
exit $failed
