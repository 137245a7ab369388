#!/bin/sh
# The labs' self-check for one step (ctest -L labs):
#   sh tests/lab/selfcheck.sh STEP_TEST UNTOUCHED_LAB [PROPERTY_TEST ESCAPE_TEST NN_topic]
# An untouched lab (step NN-1's code) must fail step NN's tests; step NN must pass them.
# Each test but those with "Still" in their name (checks that something still works)
# must fail against the lab on its own. So must the property rows step NN introduces
# (tests/property_test.cpp, SinceNN) and the escape doors it shuts (tests/escape_test.cpp,
# rows ending in _shut_here), which step NN must pass too; "Still" rows excepted here too.
# Exits 77 (ctest: skipped) when step NN's tests cannot run here (they need root).
set -u
test_program=$1 lab=$2
property_test=${3:-} escape_test=${4:-} step=${5:-}

# A lab that was never built would fail every test too, and so look like a good check:
# both programs must exist before anything is judged.
for program in "$test_program" "$lab"; do
  if [ ! -x "$program" ]; then
    echo "selfcheck: $program is not built: cmake --build --preset default --target $(basename "$program")"
    exit 1
  fi
done

# The tests a GoogleTest log ($1) shows passing, but those named "Still" and those in the
# list $2 (skipped by the reference run: they tell nothing on this host), one a line.
passed_but_not() {
  sed -n 's/^\[       OK \] \([^ ]*\) (.*/\1/p' "$1" | grep -v 'Still' | grep -vxF -e "$2" -e '' || true
}

# Rows of a test program of many steps, for step $step: the reference must pass them,
# the lab (as $step) must fail each one that this host does not skip.
judge_rows() {
  program=$1 filter=$2
  "$program" --gtest_list_tests --gtest_filter="$filter" | grep -q '^  ' || return 0
  rows_log=$(mktemp)
  if ! "$program" --gtest_filter="$filter" >"$rows_log" 2>&1; then
    cat "$rows_log"
    rm -f "$rows_log"
    echo "selfcheck: the reference step fails its rows of $program ($filter)"
    exit 1
  fi
  rows_skipped=$(sed -n 's/^\[  SKIPPED \] \([^ ]*\) (.*/\1/p' "$rows_log")
  STEP_BINARY=$lab STEP_UNDER_TEST=$step "$program" --gtest_filter="$filter" >"$rows_log" 2>&1
  weak_rows=$(passed_but_not "$rows_log" "$rows_skipped")
  rm -f "$rows_log"
  if [ -n "$weak_rows" ]; then
    echo "selfcheck: the untouched lab $lab passes these rows of $program:"
    for name in $weak_rows; do echo "selfcheck:   $name"; done
    echo "selfcheck: what step NN introduces must fail against step NN-1's code"
    exit 1
  fi
  echo "selfcheck: the untouched lab fails every row of $(basename "$program") that step $step introduces"
}

log=$(mktemp)
if ! "$test_program" >"$log" 2>&1; then
  cat "$log"
  rm -f "$log"
  echo "selfcheck: the reference step fails its own tests"
  exit 1
fi
if grep -q '^\[  SKIPPED \]' "$log" && ! grep -q '^\[       OK \]' "$log"; then
  rm -f "$log"
  echo "selfcheck: skipped: every test of this step needs root (sudo make test)"
  exit 77
fi
skipped=$(grep -c '^\[  SKIPPED \] .*(' "$log")
# The tests this host skips, one name a line: they tell nothing here.
skipped_names=$(sed -n 's/^\[  SKIPPED \] \([^ ]*\) (.*/\1/p' "$log")
rm -f "$log"
echo "selfcheck: the reference step passes"

lab_log=$(mktemp)
if STEP_BINARY=$lab "$test_program" >"$lab_log" 2>&1; then
  rm -f "$lab_log"
  # Some steps add what only some hosts can show (step 30: a pure cgroup v2 host).
  if [ "$skipped" -gt 0 ]; then
    echo "selfcheck: skipped: the $skipped tests that tell this step from the one before cannot run on this host"
    exit 77
  fi
  echo "selfcheck: the untouched lab $lab passes $test_program:"
  echo "selfcheck: step NN's tests cannot tell step NN-1 from step NN; add a test for what step NN adds"
  exit 1
fi
echo "selfcheck: the untouched lab fails, as it should"

# Each test named after the step's idea must fail against the step before; only a check
# that something still works (named so: "Still" in its name) may pass there. Judged by
# GoogleTest's result lines, never by what the programs print.
weak=$(passed_but_not "$lab_log" "$skipped_names")
rm -f "$lab_log"
if [ -n "$weak" ]; then
  echo "selfcheck: the untouched lab $lab passes these tests of $test_program:"
  for name in $weak; do echo "selfcheck:   $name"; done
  echo "selfcheck: a test named after step NN's idea must fail against step NN-1's code: make it check"
  echo "selfcheck: what step NN adds, or, if it only checks that something still works, put Still in its name"
  exit 1
fi
echo "selfcheck: every test of this step but the Still ones fails against the untouched lab"
if [ -n "$step" ]; then
  number=$(echo "$step" | cut -c1-2)
  judge_rows "$property_test" "Since$number/*/step$step"
  judge_rows "$escape_test" "*/step${step}_*_shut_here"
fi
