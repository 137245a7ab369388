#!/bin/sh
# The README's step table is true (ctest: docs.step_table_matches_the_diffs): for each step,
# "Lines changed" is the number of non-blank lines `make diff STEP=NN` adds or removes
# (step 01: its whole program), and no step changes more than 80 lines of the one before.
# The code is formatted (ctest: format.clang_format_clean), so the counts are honest.
set -u
cd "$(dirname "$0")/.."
status=0
prev=
for dir in steps/[0-9][0-9]_*/; do
  dir=${dir%/}
  name=${dir#steps/}
  if [ -n "$prev" ]; then
    n=$(diff -u "$prev/main.cpp" "$dir/main.cpp" | grep -c '^[+-][^+-]')
  else
    n=$(grep -c . "$dir/main.cpp")
  fi
  row=$(grep -F "](steps/$name/README.md)" README.md | head -n 1)
  shown=$(printf '%s\n' "$row" | awk -F'|' '{gsub(/ /, "", $(NF-1)); print $(NF-1)}')
  if [ -z "$row" ]; then
    echo "step_table: README.md has no row for $name"; status=1
  elif [ "$shown" != "$n" ]; then
    echo "step_table: README.md says $name changes $shown lines; make diff shows $n"; status=1
  fi
  if [ -n "$prev" ] && [ "$n" -gt 80 ]; then
    echo "step_table: $name changes $n lines of ${prev#steps/}: more than one idea's 80"; status=1
  fi
  prev=$dir
done
[ $status = 0 ] && echo "step_table: every step's row matches its diff"
exit $status
