#!/bin/sh
# Says why tests were skipped, after ctest (make test): ctest lists skipped tests but not
# their reasons. Reads ctest's log of the last run and prints one line per reason, with
# the suites it applies to.
#   sh tests/skipped.sh BUILD_DIR
set -u
log=${1:?usage: sh tests/skipped.sh BUILD_DIR}/Testing/Temporary/LastTest.log
[ -f "$log" ] || exit 0
awk '
  /^[0-9]+\/[0-9]+ Test: / { full = $3; test = full; sub(/\..*/, "", test); want = 0; next }
  # GoogleTest: "file:line: Skipped" and the reason on the next line.
  /: Skipped$/ { want = 1; next }
  want { reason[$0]++; if (!((reason_key = $0 SUBSEP test) in seen)) { seen[reason_key] = 1; suites[$0] = suites[$0] " " test }; want = 0; next }
  # The labs self-check (tests/lab/selfcheck.sh) says it itself.
  /^selfcheck: skipped: / { r = $0; sub(/^selfcheck: skipped: /, "", r); reason[r]++;
                             suites[r] = suites[r] " " full; next }
  END {
    for (r in reason) {
      n = split(suites[r], list, " ")
      names = ""; for (i = 1; i <= n && i <= 6; i++) names = names (i > 1 ? ", " : "") list[i]
      if (n > 6) names = names ", ..."
      printf "skipped: %d test%s: %s (%s)\n", reason[r], reason[r] == 1 ? "" : "s", r, names
    }
  }' "$log" | sort
