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
  echo "after a warm-up, so a noisy machine slows all rows alike; read the ratios, not the"
  echo "milliseconds."
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
  echo "- Joining a cgroup, the write of \`0\` to \`cgroup.procs\`, is the largest single"
  echo "  cost of step 10: about 10 ms on the VM this was written on (\`strace -T\`). The"
  echo "  kernel's migration path takes a per-CPU lock for writing, which waits for an RCU"
  echo "  grace period. runc pays it too. The rows \"fork, join a v2 cgroup\" and \"clone3 into"
  echo "  a v2 cgroup\" measure that write against its alternative, \`clone3\` with"
  echo "  \`CLONE_INTO_CGROUP\` (step 23), on the same v2 hierarchy; \"unshare in a pids cgroup\""
  echo "  pays what step 10 pays for its cgroup, beside it."
  echo "- runc also parses an OCI bundle, pivots root and runs as two processes (the runtime"
  echo "  and its init), which shows in its time and memory."
} >"$tmp"
cmp -s "$tmp" "$pages/performance.md" 2>/dev/null || cp "$tmp" "$pages/performance.md"
rm -f "$tmp"
