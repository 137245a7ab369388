#!/bin/sh
# The labs' self-check for one step (ctest -L labs):
#   sh tests/lab/selfcheck.sh STEP_TEST UNTOUCHED_LAB
# An untouched lab (step NN-1's code) must fail step NN's tests; step NN must pass them.
set -u
test_program=$1 lab=$2

if STEP_BINARY=$lab "$test_program" >/dev/null 2>&1; then
  echo "selfcheck: the untouched lab $lab passes $test_program:"
  echo "selfcheck: step NN's tests cannot tell step NN-1 from step NN; add a test for what step NN adds"
  exit 1
fi
echo "selfcheck: the untouched lab fails, as it should"
log=$(mktemp)
"$test_program" >"$log" 2>&1 || {
  cat "$log"
  rm -f "$log"
  echo "selfcheck: the reference step fails its own tests"
  exit 1
}
rm -f "$log"
echo "selfcheck: the reference step passes"
