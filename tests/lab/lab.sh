#!/bin/sh
# Classroom labs: a student turns step NN-1 into step NN; step NN's own tests grade it.
#
#   sh tests/lab/lab.sh prepare NN LAB_DIR [reset]   copy step NN-1 into LAB_DIR/NN_topic/main.cpp
#   sh tests/lab/lab.sh hint NN LAB_DIR [all]        the chapter's next hint (or all of them)
#   sh tests/lab/lab.sh check NN BIN_DIR PROGRAM     grade PROGRAM as step NN (make check)
#
# The Makefile's lab, hint and check targets call this; see README.md, "For teachers".
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
steps=$here/steps

fail() { printf 'lab: %s\n' "$*" >&2; exit 1; }

# The folder of step NN, and of the one before it.
step_dir() { ls -d "$steps/$1"_* 2>/dev/null | head -n 1; }
previous_dir() { ls -d "$steps"/[0-9][0-9]_* | sed -n "\|/$1_|{x;p;q};h"; }

# The text of one "## Section" of a chapter, without its heading.
section() {
  awk -v want="## $2" '/^## / { on = ($0 == want); next } on' "$1"
}

prepare() {
  number=$1 lab_dir=$2 reset=${3:-}
  cur=$(step_dir "$number") || true
  [ -n "$cur" ] || fail "no step $number (steps: $(ls "$steps" | grep '^[0-9]' | tr '\n' ' '))"
  prev=$(previous_dir "$number")
  [ -n "$prev" ] || fail "step $number is the first step: there is nothing to start from"
  name=$(basename "$cur")
  target=$lab_dir/$name/main.cpp
  if [ -f "$target" ] && [ "$reset" != reset ]; then
    printf 'lab: %s already exists: your work is kept, nothing was changed.\n' "$target"
    printf 'lab: to start over from step %s, run: make lab STEP=%s RESET=1\n' "$(basename "$prev" | cut -c1-2)" "$number"
    exit 0
  fi
  mkdir -p "$(dirname "$target")"
  {
    printf '// LAB: step %s, %s\n' "$number" "$(head -n 1 "$cur/README.md" | sed 's/^# Step [0-9]*: //')"
    printf '//\n// This is step %s'"'"'s program. Your task, from the chapter'"'"'s goal:\n//\n' "$(basename "$prev" | cut -c1-2)"
    section "$cur/README.md" Goal | sed -e '/^$/d' -e 's|^|//   |'
    printf '//\n// Read the chapter: steps/%s/README.md (or, after make docs,\n' "$name"
    printf '// build/default/docs/html/step%s.html). The lines marked "LAB:" below are where\n' "$number"
    printf '// step %s differs from this program. Check your work with: sudo make check STEP=%s\n' "$number" "$number"
    printf '// Stuck? make hint STEP=%s prints one hint at a time.\n' "$number"
    # The program, without its own header comment, marked where the next step changes it.
    # GNU diff's group formats take a literal newline, not \n.
    nl='
'
    # -I and -B: a change of comments or blank lines alone is not a change to make.
    diff -I '^[[:space:]]*//' -B --unchanged-group-format='%=' \
         --old-group-format="// LAB: step $number removes or changes the next lines$nl%<" \
         --changed-group-format="// LAB: step $number changes the next lines$nl%<" \
         --new-group-format="// LAB: step $number adds code here$nl" \
         "$prev/main.cpp" "$cur/main.cpp" | awk 'started || /^$/ { started = 1 } started' || [ $? -eq 1 ]
  } >"$target.tmp"
  mv "$target.tmp" "$target"
  rm -f "$lab_dir/$name/.hints"
  printf 'lab: wrote %s (step %s'"'"'s code, marked where step %s differs)\n' "$target" "$(basename "$prev" | cut -c1-2)" "$number"
}

hint() {
  number=$1 lab_dir=$2 all=${3:-}
  cur=$(step_dir "$number") || true
  [ -n "$cur" ] || fail "no step $number"
  name=$(basename "$cur")
  # One hint per numbered item of the chapter's "## Hints" list.
  hints=$(section "$cur/README.md" Hints | awk '/^[0-9]+\. / { n++ } n { print n "\t" $0 }')
  total=$(printf '%s\n' "$hints" | awk -F'\t' 'END { print $1 + 0 }')
  [ "$total" -gt 0 ] || fail "the chapter of step $number has no hints"
  if [ "$all" = all ]; then
    printf '%s\n' "$hints" | cut -f2-
    return
  fi
  mkdir -p "$lab_dir/$name"
  seen=$(cat "$lab_dir/$name/.hints" 2>/dev/null || echo 0)
  next=$((seen + 1))
  if [ "$next" -gt "$total" ]; then
    printf 'lab: that was the last of %s hints; make hint STEP=%s ALL=1 shows them all again\n' "$total" "$number"
    return
  fi
  printf 'Hint %s of %s for step %s:\n' "$next" "$total" "$number"
  printf '%s\n' "$hints" | awk -F'\t' -v n="$next" '$1 == n' | cut -f2-
  echo "$next" >"$lab_dir/$name/.hints"
}

# Grades a lab: step NN's own tests, then the rows for step NN of the properties every
# step keeps from those before it and of the attacker's doors (tests/property_test.cpp,
# tests/escape_test.cpp), each against the lab's program. Exits 1 if any fails.
check() {
  number=$1 bin=$2 binary=$3
  cur=$(step_dir "$number") || true
  [ -n "$cur" ] || fail "no step $number"
  name=$(basename "$cur")
  status=0
  STEP_BINARY=$binary STEP_LAB_REPORT=1 "$bin/step${name}_test" || status=1
  for program in property_test escape_test; do
    filter="*/step${name}_*"
    # Early steps have no door to try yet.
    "$bin/$program" --gtest_list_tests --gtest_filter="$filter" | grep -q '^  ' || continue
    case $program in
      property_test) printf '\nWhat step %s keeps from the steps before it, and adds:\n' "$number" ;;
      escape_test) printf '\nThe attacker inside tries each way out (open or shut as in the chapters'"'"' tables):\n' ;;
    esac
    STEP_BINARY=$binary STEP_UNDER_TEST=$name STEP_LAB_REPORT=1 "$bin/$program" --gtest_filter="$filter" || status=1
  done
  return $status
}

case "${1:-}" in
  prepare) shift; [ $# -ge 2 ] || fail "usage: lab.sh prepare NN LAB_DIR [reset]"; prepare "$@" ;;
  hint) shift; [ $# -ge 2 ] || fail "usage: lab.sh hint NN LAB_DIR [all]"; hint "$@" ;;
  check) shift; [ $# -ge 3 ] || fail "usage: lab.sh check NN BIN_DIR PROGRAM"; check "$@" ;;
  *) fail "usage: lab.sh prepare NN LAB_DIR [reset] | hint NN LAB_DIR [all]" ;;
esac
