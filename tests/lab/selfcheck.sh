#!/bin/sh
# The labs' self-check for one step (ctest -L labs):
#   sh tests/lab/selfcheck.sh STEP_TEST UNTOUCHED_LAB
# An untouched lab (step NN-1's code) must fail step NN's tests; step NN must pass them.
# Each test but those with "Still" in their name (checks that something still works)
# must fail against the lab on its own.
# Exits 77 (ctest: skipped) when step NN's tests cannot run here (they need root).
set -u
test_program=$1 lab=$2

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
  # Some steps add what only some hosts can show (step 20: a pure cgroup v2 host).
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
passed=$(sed -n 's/^\[       OK \] \([^ ]*\) (.*/\1/p' "$lab_log" | grep -v 'Still' || true)
rm -f "$lab_log"
weak=""
for name in $passed; do
  if ! printf '%s\n' "$skipped_names" | grep -qxF "$name"; then weak="$weak $name"; fi
done
if [ -n "$weak" ]; then
  echo "selfcheck: the untouched lab $lab passes these tests of $test_program:"
  for name in $weak; do echo "selfcheck:   $name"; done
  echo "selfcheck: a test named after step NN's idea must fail against step NN-1's code: make it check"
  echo "selfcheck: what step NN adds, or, if it only checks that something still works, put Still in its name"
  exit 1
fi
echo "selfcheck: every test of this step but the Still ones fails against the untouched lab"
