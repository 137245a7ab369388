#!/bin/sh
# Mends the API reference's links to common/'s free functions (run after Doxygen).
#
#   sh docs/api_links.sh HTML_DIR
#
# A function declared and documented in common/X.hpp but defined in common/X.cpp is
# documented on X.hpp's page, yet Doxygen 1.9 links its name and its "More..." to
# X_8cpp.html, a page it never writes (the .cpp files have no \file block; they are
# read for their sources only). Such a link is pointed at X_8hpp.html, where the anchor
# is; a .cpp page that does exist is left alone.
set -eu
html=$1
for page in "$html"/*_8hpp.html; do
  base=$(basename "$page" _8hpp.html)
  [ -e "$html/${base}_8cpp.html" ] && continue
  grep -q "href=\"${base}_8cpp\.html#" "$page" || continue
  sed -i "s/href=\"${base}_8cpp\.html#/href=\"${base}_8hpp.html#/g" "$page"
done
