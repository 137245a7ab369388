#!/bin/sh
# The labs' self-check for one step (ctest -L labs):
#   sh tests/lab/selfcheck.sh STEP_TEST UNTOUCHED_LAB
# An untouched lab (step NN-1's code) must fail step NN's tests; step NN must pass them.
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
rm -f "$log"
echo "selfcheck: the reference step passes"

if STEP_BINARY=$lab "$test_program" >/dev/null 2>&1; then
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
