#!/usr/bin/env bash
# make mutants: does each step's test suite notice a realistic slip in the step's code?
#   bash tests/mutants/run.sh [PRESET]              every mutation of tests/mutants/mutants.txt
#   bash tests/mutants/run.sh [PRESET] STEP...      only those of these steps (e.g. 17 24)
#
# For each mutation of mutants.txt: a copy of steps/NN_topic/main.cpp with the mutation
# applied is written to build/PRESET/mutants/NN_topic/LINE/main.cpp and compiled exactly as
# CMake compiles the step (its command in compile_commands.json, its link line in
# link.txt), with warnings no longer errors (a removed call leaves an unused function).
# steps/ is never edited: where the issue asked to mutate the file and restore it, a copy
# reaches the same end more safely, since nothing needs restoring, an interrupted run
# leaves no mutated step behind, and tests running meanwhile never see one. Then the mutant is judged
# by the step's property tests, its escape-test rows and its own tests, in that order (the
# first two are the quickest to fail), through STEP_BINARY and STEP_UNDER_TEST=NN_topic,
# each stopping at its first failure (--gtest_fail_fast). The first failing program kills
# the mutant; a mutant that passes them all SURVIVED: the tests miss that slip.
#
# Mutations tagged `ia32` run only where the kernel runs 32-bit system calls (else they
# are listed as not tried). Mutations tagged with a cgroup layout (`[30_clone_into_cgroup unified]`) run in a
# User-mode Linux guest with that layout, as make test-hosts does (tests/hosts/run.sh, one
# guest per layout for all its mutations), since the code they change runs only there.
#
# Prints one line per mutation, then `mutants: N killed, M survived` and the survivors
# again. Exits non-zero if any survived, or if the list has an error (a text missing from
# or ambiguous in its step, a mutant that does not compile): the list cannot rot silently.
# The unmutated steps are assumed to pass their tests (make test checks that first).
# Needs root, like the tests it runs. Logs: build/PRESET/mutants/NN_topic/LINE/*.log.
set -u
cd "$(dirname "$0")/../.."
source_dir=$(pwd)

guest_layout=""  # set inside a guest: run only the mutations tagged with this layout
if [ "${1:-}" = --guest ]; then
  guest_layout=$2
  shift 2
fi
preset=${1:-default}
[ $# -gt 0 ] && shift
only_steps=" $* "

build=$source_dir/build/$preset
list=$source_dir/tests/mutants/mutants.txt
[ "$(id -u)" = 0 ] || { echo "mutants: needs root (the tests it runs start containers): sudo make mutants"; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "mutants: no $build/compile_commands.json: make build first"; exit 1; }
# The guests read the host's copy of the list: an edit made meanwhile would move the line
# numbers that name each mutant's folder.
mkdir -p "$build/mutants"
[ -n "$guest_layout" ] || cp "$list" "$build/mutants/mutants.txt"

# --- The list: one entry per mutation --------------------------------------------------
steps=() layouts=() whats=() finds=() replaces=() has_replace=() lines=()
errors=0
list_error() {
  echo "mutants: $list:$1: $2"
  errors=$((errors + 1))
}
n=-1 line_number=0
while IFS= read -r line || [ -n "$line" ]; do
  line_number=$((line_number + 1))
  case $line in
    '#'* | '') ;;
    '['*']'*)
      n=$((n + 1))
      tag=${line#[}
      tag=${tag%%]*}
      steps[n]=${tag%% *}
      layouts[n]=""
      [ "$tag" != "${steps[n]}" ] && layouts[n]=${tag#* }
      whats[n]=${line#*] }
      lines[n]=$line_number
      finds[n]="" replaces[n]=""
      has_replace[n]=0
      [ -f "steps/${steps[n]}/main.cpp" ] || list_error "$line_number" "no step ${steps[n]}"
      ;;
    '-'*)
      if [ "$n" -lt 0 ] || [ "${has_replace[n]}" = 1 ]; then
        list_error "$line_number" "a - line outside an entry, or after its + lines (one edit per entry)"
      elif [ -z "${finds[n]}" ]; then finds[n]=${line:2}
      else finds[n]+=$'\n'${line:2}
      fi ;;
    '+'*)
      if [ "$n" -lt 0 ] || [ -z "${finds[n]}" ]; then
        list_error "$line_number" "a + line without a - line before it"
      elif [ "${has_replace[n]}" = 0 ]; then replaces[n]=${line:2} has_replace[n]=1
      else replaces[n]+=$'\n'${line:2}
      fi ;;
    *) list_error "$line_number" "not a comment, [step], - or + line: $line" ;;
  esac
done <"$build/mutants/mutants.txt"
for ((i = 0; i <= n; i++)); do
  [ -n "${finds[i]}" ] || list_error "${lines[i]}" "[${steps[i]}] no - line: nothing to mutate"
done

# --- Mutants: a mutated copy of the step, compiled as CMake compiles the step -----------
wanted() {  # mutation $1's step is among those asked for (all, if none were named)
  [ "$only_steps" = "  " ] || [[ $only_steps == *" ${steps[$1]%%_*} "* || $only_steps == *" ${steps[$1]} "* ]]
}
dir_of() { echo "$build/mutants/${steps[$1]}/${lines[$1]}"; }
binary_of() { echo "$(dir_of "$1")/step${steps[$1]}"; }

# The step's compile command, as compile_commands.json gives it (JSON string unescaped),
# and the folder to run it in.
compile_command_of() {
  awk -v file="\"file\": \"$source_dir/steps/$1/main.cpp\"" '
    /"directory":/ { directory = $0 }
    /"command":/ { command = $0 }
    index($0, file) { print directory; print command; exit }' "$build/compile_commands.json" |
    sed -e 's/^ *"[a-z]*": "//' -e 's/",\{0,1\} *$//' -e 's/\\"/"/g' -e 's/\\\\/\\/g'
}

# Writes mutation $1's mutant, compiles it if it changed; prints why not on failure.
make_mutant() {
  local i=$1 step=${steps[$1]} dir source content rest mutated
  dir=$(dir_of "$i")
  source=$source_dir/steps/$step/main.cpp
  content=$(<"$source")
  if [[ $content != *"${finds[i]}"* ]]; then
    echo "its text is not in steps/$step/main.cpp"; return 1
  fi
  rest=${content#*"${finds[i]}"}
  if [[ $rest == *"${finds[i]}"* ]]; then
    echo "its text occurs more than once in steps/$step/main.cpp"; return 1
  fi
  mutated=${content%%"${finds[i]}"*}${replaces[i]}$rest
  mkdir -p "$dir"
  # Unchanged since the last run, and built after the step's library: keep it.
  if [ -x "$dir/step$step" ] && [ "$(<"$dir/main.cpp")" = "$mutated" ] &&
     [ "$dir/step$step" -nt "$build/common/libcontainer_common.a" ]; then
    return 0
  fi
  printf '%s\n' "$mutated" >"$dir/main.cpp"
  rm -f "$dir/step$step"
  local where compile object link
  { read -r where; read -r compile; } < <(compile_command_of "$step")
  [ -n "${compile:-}" ] || { echo "no compile command for steps/$step/main.cpp in compile_commands.json"; return 1; }
  object=CMakeFiles/step$step.dir/$step/main.cpp.o
  compile=${compile/"-o $object"/"-o $dir/main.o"}
  compile="${compile/"-c $source"/"-c $dir/main.cpp"} -Wno-error"
  link=$(<"$build/steps/CMakeFiles/step$step.dir/link.txt")
  link=${link/" $object "/" $dir/main.o "}
  link=${link/"-o ../bin/step$step "/"-o $dir/step$step "}
  if ! (cd "$where" && eval "$compile" && eval "$link") >"$dir/build.log" 2>&1; then
    echo "the mutant does not compile (see $dir/build.log)"; return 1
  fi
  [ -x "$dir/step$step" ] || { echo "the link line made no $dir/step$step"; return 1; }
}

# --- Judging a mutant --------------------------------------------------------------------
# A test program judges the mutant only if it honours STEP_UNDER_TEST (the property and
# escape tests: their rows of that step take STEP_BINARY); a step's own test always does.
honours_step_under_test() { [ -x "$1" ] && grep -q STEP_UNDER_TEST "$1"; }

# Runs mutation $1's tests; prints "killed by PROGRAM: TEST" or "SURVIVED".
judge() {
  local i=$1 step=${steps[$1]} dir binary program filter log failed status
  dir=$(dir_of "$i")
  binary=$(binary_of "$i")
  for program in property_test escape_test "step${step}_test"; do
    filter='*'
    if [ "$program" != "step${step}_test" ]; then
      honours_step_under_test "$build/bin/$program" || continue
      filter="*/step${step%%_*}_*"
    fi
    log=$dir/$program.log
    STEP_BINARY=$binary STEP_UNDER_TEST=$step timeout -k 10 900 "$build/bin/$program" \
      --gtest_fail_fast --gtest_filter="$filter" >"$log" 2>&1
    status=$?
    if [ "$status" != 0 ]; then
      failed=$(sed -n 's/^\[  FAILED  \] \([^ ,]*\).*/\1/p' "$log" | head -n 1)
      [ "$status" = 124 ] && failed="timed out after 900s"
      echo "killed by $program: ${failed:-exit $status}"
      return
    fi
  done
  echo "SURVIVED"
}

# --- The run ---------------------------------------------------------------------------
start=$(date +%s)
killed=0 survived=0 survivors=() guest_layouts=() judged=() made=() untried=()
report() {  # mutation $1, its outcome $2, seconds $3
  local tag=""
  [ -n "${layouts[$1]}" ] && tag=" (${layouts[$1]})"
  printf 'mutant %s:%s%s %s (%ss): %s\n' "${steps[$1]}" "${lines[$1]}" "$tag" "$2" "$3" "${whats[$1]}"
}
count() {  # an outcome line of report()
  case $1 in
    "mutant "*" SURVIVED ("*)
      survived=$((survived + 1))
      survivors+=("$(echo "$1" | sed 's/^mutant \([^ ]*\) [^:]*: /\1 /')") ;;
    "mutant "*" killed by "*) killed=$((killed + 1)) ;;
  esac
}

for ((i = 0; i <= n; i++)); do
  wanted "$i" || continue
  if [ -n "$guest_layout" ]; then
    # In a guest: the host made the mutants; judge this layout's.
    [ "${layouts[i]}" = "$guest_layout" ] && judged+=("$i")
    continue
  fi
  # A slip only a 32-bit system call can show (the filter's architecture check) is tried
  # where the kernel runs 32-bit code; where int $0x80 faults (IA32 emulation off, some
  # virtual machines) the slip changes nothing, and is reported as not tried.
  if [ "${layouts[i]}" = ia32 ]; then
    if "$build/bin/escape" syscall keyctl_i386 2>/dev/null | grep -q '^errno='; then
      made+=("$i") judged+=("$i")
    else
      untried+=("$i")
    fi
    continue
  fi
  made+=("$i")
  if [ -z "${layouts[i]}" ]; then
    judged+=("$i")
  elif [[ " ${guest_layouts[*]} " != *" ${layouts[i]} "* ]]; then
    guest_layouts+=("${layouts[i]}")
  fi
done

# The mutants are made in the background, two compilers at a time, in the order they are
# judged (the guests' last): judging is mostly waiting for containers, so the two overlap.
# Each leaves why.N (empty: made) when done.
rm -f "$build"/mutants/why.*
maker=""
if [ -z "$guest_layout" ]; then
  (
    declare -A started
    for i in ${judged[@]+"${judged[@]}"} ${made[@]+"${made[@]}"}; do
      [ -n "${started[$i]:-}" ] && continue
      started[$i]=1
      { make_mutant "$i" >"$build/mutants/why.$i.part" 2>&1; mv "$build/mutants/why.$i.part" "$build/mutants/why.$i"; } &
      while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
    done
    wait
  ) &
  maker=$!
fi
made_yet() {  # waits for mutation $1's mutant; true if it was made
  [ -n "$guest_layout" ] && return 0
  until [ -e "$build/mutants/why.$1" ] || ! kill -0 "$maker" 2>/dev/null; do sleep 0.2; done
  [ -e "$build/mutants/why.$1" ] || echo "the maker ended without it" >"$build/mutants/why.$1"
  [ ! -s "$build/mutants/why.$1" ]
}
echo "mutants: ${#judged[@]} to judge here"

# Two mutants are judged at a time (the tests are safe side by side, as under ctest -j):
# judging is mostly waiting for containers. Each leaves its line in judged.N; the lines
# are printed, in the list's order, as soon as those before them are.
rm -f "$build"/mutants/judged.*
judge_into_file() {  # mutation $1
  local began line
  began=$(date +%s)
  line=$(report "$1" "$(judge "$1")" $(($(date +%s) - began)))
  echo "$line" >"$build/mutants/judged.$1.part"
  mv "$build/mutants/judged.$1.part" "$build/mutants/judged.$1"
}
printed=0 judging=()  # judged[] up to printed are out; the pids being judged
print_judged() {  # prints the lines ready in order
  while [ "$printed" -lt "${#judged[@]}" ]; do
    local i=${judged[printed]}
    [ -e "$build/mutants/judged.$i" ] || [ -e "$build/mutants/skipped.$i" ] || return 0
    if [ -e "$build/mutants/judged.$i" ]; then
      line=$(cat "$build/mutants/judged.$i")
      echo "$line"
      count "$line"
    fi
    printed=$((printed + 1))
  done
}
for i in ${judged[@]+"${judged[@]}"}; do
  if ! made_yet "$i"; then  # an error of the list, reported below
    : >"$build/mutants/skipped.$i"
  elif [ ! -x "$(binary_of "$i")" ]; then
    list_error "${lines[i]}" "[${steps[i]}] no mutant at $(binary_of "$i")"
    : >"$build/mutants/skipped.$i"
  else
    judge_into_file "$i" &
    judging+=($!)
  fi
  while :; do
    running=()
    for pid in ${judging[@]+"${judging[@]}"}; do kill -0 "$pid" 2>/dev/null && running+=("$pid"); done
    judging=(${running[@]+"${running[@]}"})
    print_judged
    [ "${#judging[@]}" -lt 2 ] && break
    sleep 0.2
  done
done
for pid in ${judging[@]+"${judging[@]}"}; do wait "$pid"; done
print_judged
rm -f "$build"/mutants/judged.* "$build"/mutants/skipped.*
[ -n "$maker" ] && wait "$maker"
for i in ${made[@]+"${made[@]}"}; do
  [ -s "$build/mutants/why.$i" ] && list_error "${lines[i]}" "[${steps[i]}] $(cat "$build/mutants/why.$i")"
done
rm -f "$build"/mutants/why.*

# The layout-tagged mutations: one guest per layout judges them all, and prints its lines.
for layout in ${guest_layouts[@]+"${guest_layouts[@]}"}; do
  echo "mutants: a guest with the $layout cgroup layout judges its mutations"
  MUTANT_STEPS=$(echo $only_steps | tr ' ' ,) RUN=mutants sh tests/hosts/run.sh "$preset" "$layout" | sed 's/^/  /'
  log=$source_dir/build/test-hosts/mutants-$layout.log
  while IFS= read -r line; do
    echo "$line"
    count "$line"
  done < <(grep '^mutant ' "$log" 2>/dev/null)
  # The guest's own errors of the list, and its summary (none: it did not finish).
  grep "^mutants: $list:" "$log" 2>/dev/null
  summary=$(grep '^mutants: [0-9]* killed' "$log" 2>/dev/null | tail -n 1)
  if [ -z "$summary" ]; then
    list_error 1 "the $layout guest did not finish (see $log)"
  elif [[ $summary == *errors* ]]; then
    errors=$((errors + 1))
  fi
done

for i in ${untried[@]+"${untried[@]}"}; do
  report "$i" "not tried: this kernel runs no 32-bit system call (int \$0x80 faults)" 0
done
echo "mutants: $killed killed, $survived survived$([ "${#untried[@]}" -gt 0 ] && echo ", ${#untried[@]} not tried here")$([ "$errors" -gt 0 ] && echo ", $errors errors in the list") ($(($(date +%s) - start))s)"
for survivor in ${survivors[@]+"${survivors[@]}"}; do echo "  SURVIVED $survivor"; done
[ "$errors" = 0 ] && [ "$survived" = 0 ]
