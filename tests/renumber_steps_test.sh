#!/bin/sh
# tests/renumber_steps.py --filter on a few lines of each kind it rewrites, and of kinds it
# must leave alone (ctest: docs.renumber_steps_rewrites_step_references).
set -u
cd "$(dirname "$0")/.."
input='see step 12, steps 12–14 and chapters 11 and 13.
tests/step12_die_with_step_test.cpp and steps/13_mount_namespace/main.cpp
PROPERTY_SINCE(Janitor, 12); if (from("14")) {} // --- 13: mount namespace
run(TRY_THIS_STEP_12); run(TRY_THIS_STEP_11);
| [12 die_with_step](steps/12_die_with_step/README.md) | ... | 38 |
Linux 5.12, 20 processes, uint32_t, (13 on)'
expected='see step 13, steps 13–15 and chapters 11 and 14.
tests/step13_die_with_step_test.cpp and steps/14_mount_namespace/main.cpp
PROPERTY_SINCE(Janitor, 13); if (from("15")) {} // --- 14: mount namespace
run(TRY_THIS_STEP_13); run(TRY_THIS_STEP_11);
| [13 die_with_step](steps/13_die_with_step/README.md) | ... | 38 |
Linux 5.12, 20 processes, uint32_t, (14 on)'
got=$(printf '%s\n' "$input" | python3 tests/renumber_steps.py --filter 11)
if [ "$got" != "$expected" ]; then
  echo "renumber_steps: a slot after step 11 should give"
  printf '%s\n' "$expected"
  echo "renumber_steps: but gave"
  printf '%s\n' "$got"
  exit 1
fi
echo "renumber_steps: every kind of reference moved, nothing else"
