#!/bin/sh
# Every step folder is where the course lists its steps (ctest: docs.every_step_is_listed).
# CMakeLists.txt's CONTAINER_STEPS is the one list the build, the tests of many steps
# (escape doors, properties), the bench, the labs' self-check and the site's pages read;
# the two tables people read, README.md's and the site's index, are written by hand.
# A steps/NN_topic folder missing from any of them is named with what it lacks.
set -u
cd "$(dirname "$0")/.."
status=0
# CONTAINER_STEPS's words, from `set(CONTAINER_STEPS` to its closing parenthesis.
listed=$(sed -n '/^set(CONTAINER_STEPS/,/)/p' CMakeLists.txt | tr -d '()' | tr -s ' \t' '\n' | grep '^[0-9][0-9]_')
for dir in steps/[0-9][0-9]_*/; do
  name=$(basename "$dir")
  number=$(echo "$name" | cut -c1-2)
  missing=
  printf '%s\n' "$listed" | grep -qx "$name" || missing="$missing, CONTAINER_STEPS in CMakeLists.txt"
  grep -qF "](steps/$name/README.md)" README.md || missing="$missing, the step table of README.md"
  grep -qF "(@ref step$number)" docs/mainpage.md || missing="$missing, the step table of docs/mainpage.md"
  [ -f "steps/$name/README.md" ] || missing="$missing, its chapter steps/$name/README.md"
  [ -f "tests/step${name}_test.cpp" ] || missing="$missing, its tests tests/step${name}_test.cpp"
  if [ -n "$missing" ]; then
    echo "steps_listed: $name is missing from${missing#,}"
    status=1
  fi
done
for name in $listed; do
  [ -d "steps/$name" ] || { echo "steps_listed: CMakeLists.txt lists $name, which has no folder"; status=1; }
done
[ $status = 0 ] && echo "steps_listed: every step folder is listed everywhere"
exit $status
