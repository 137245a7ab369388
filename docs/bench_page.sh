#!/bin/sh
# The site's performance page, from the last `make bench` if there was one.
#
#   sh docs/bench_page.sh BENCH_DIR PAGES_DIR
#
# Writes PAGES_DIR/performance.md, and copies BENCH_DIR/bench.svg beside it for the
# page's chart; a file is only replaced when it changes, so Doxygen does not rerun.
set -eu
bench=$1 pages=$2
mkdir -p "$pages"
tmp=$(mktemp)
{
  echo "# How fast is it? {#performance}"
  echo
  echo "The article asks \"How about performance?\" and answers with opinions. \`sudo make bench\`"
  echo "answers with measurements on your own machine: the wall time from start to exit of"
  echo "\`/bin/true\` from the rootfs, run bare (fork + exec), through each step from 03 on, so"
  echo "each row shows what one more layer of isolation costs, and through \`unshare\`,"
  echo "\`bwrap\` and \`runc\` doing the same where they are installed. Runs are interleaved"
  echo "after a warm-up, in a new shuffled order each round, so a noisy machine slows all rows"
  echo "alike and no row always runs after the same one; read the ratios, not the milliseconds."
  echo "Beside a step that does more than the plain peers stands a peer set up alike (the ratios"
  echo "and what each peer leaves out are under the table). Under them, where the last step's"
  echo "time goes, phase by phase, from \`strace\`."
  echo
  if [ -f "$bench/results.md" ] && [ -f "$bench/bench.svg" ]; then
    echo "## The last run on this machine"
    echo
    cat "$bench/results.md"
    echo
    echo "\\image html bench.svg \"Median (bar) and p90 (line) of each row\""
    cmp -s "$bench/bench.svg" "$pages/bench.svg" 2>/dev/null || cp "$bench/bench.svg" "$pages/bench.svg"
  else
    echo "## No measurements yet"
    echo
    echo "Run \`sudo make bench\`, then \`make docs\`: the table and the chart appear here."
  fi
  echo
  echo "## Where the time goes"
  echo
  echo "- Each namespace costs the kernel a copy of some state at clone time; the mount"
  echo "  namespace copies the whole mount table, so it grows with the host's mounts."
  echo "- Joining a cgroup by writing \`0\` to \`cgroup.procs\` write-locks the kernel's global"
  echo "  \`cgroup_threadgroup_rwsem\` (cgroup v1 and v2 alike), which every fork and every exit"
  echo "  takes for reading: the writer waits for those in flight. Since Linux 6.0 the writer"
  echo "  also waits for an RCU grace period, unless the hierarchy is mounted with"
  echo "  \`favordynmods\` (cgroup-v2.rst), so the write can cost from a few microseconds to"
  echo "  milliseconds depending on what else the machine does; right after another migration"
  echo "  it is cheap. That is why the bench runs its rows in a shuffled order each round (the"
  echo "  seed is printed; \`--seed\` repeats it). The rows \"fork, join a v2 cgroup\" and"
  echo "  \"clone3 into a v2 cgroup\" measure that write against its alternative, \`clone3\` with"
  echo "  \`CLONE_INTO_CGROUP\` (v2 only: a v1 hierarchy can only be joined by a write), on the"
  echo "  same hierarchy; \"unshare in a pids cgroup\" pays what the first cgroup step pays for"
  echo "  its cgroup, beside it, and \"bwrap ... in its cgroups\" what the last step pays for its"
  if [ -f "$bench/results.md" ] && [ -f "$bench/bench.svg" ]; then
    echo "  own. The phase table above gives this run's figure for each write (\`strace -T\`)."
  else
    echo "  own. The phase table of \`sudo make bench\` gives each write's figure (\`strace -T\`)."
  fi
  echo "- The steps of \`make bench\` (the release build) are linked statically (\`-static\`):"
  echo "  no dynamic loader runs, no shared library is mapped and relocated at each start."
  echo "  Linked dynamically, one start of step 09 took about 2.5 ms more here, a third of its"
  echo "  time; unshare, bwrap and runc (a static Go binary) are run as Debian ships them."
  echo "- runc also parses an OCI bundle, compiles its seccomp profile (libseccomp), pivots root"
  echo "  and runs as two processes (the runtime and its init), which shows in its time and"
  echo "  memory."
} >"$tmp"
cmp -s "$tmp" "$pages/performance.md" 2>/dev/null || cp "$tmp" "$pages/performance.md"
rm -f "$tmp"
