#!/bin/sh
# Every C++ file of steps/, common/ and tests/ is as clang-format leaves it (.clang-format),
# so the step table's diff sizes are those of formatted code (ctest: format.clang_format_clean).
# Fix: clang-format -i FILE...
set -u
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null 2>&1 || { echo "formatted: clang-format is not installed"; exit 77; }
files=$(find steps common tests -name '*.cpp' -o -name '*.hpp' | sort)
bad=
for file in $files; do
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || bad="$bad $file"
done
if [ -n "$bad" ]; then
  echo "formatted: clang-format would change:$bad"
  echo "formatted: run clang-format -i on them"
  exit 1
fi
echo "formatted: $(echo "$files" | wc -l) files as clang-format leaves them"
