#!/bin/sh
# Turns a step's chapter into a page of the course site, and prints step diffs.
#
#   sh docs/step_page.sh diff STEPS_DIR PREV CUR
#       the unified diff from PREV's main.cpp to CUR's (what `make diff` prints)
#   sh docs/step_page.sh page STEPS_DIR PREV CUR NEXT OUT_DIR
#       writes OUT_DIR/CUR.md (the chapter with navigation, the diff and the whole
#       program) and OUT_DIR/CUR.diff.html; PREV or NEXT may be "-" for none
set -eu

# diff exits 1 when the files differ, which is the normal case here. In colour when
# printed on a terminal (make diff), plain when piped (the site's page, the step table).
step_diff() {
  diff -u --color=auto --label "steps/$2/main.cpp" --label "steps/$3/main.cpp" "$1/$2/main.cpp" "$1/$3/main.cpp" || [ $? -eq 1 ]
}

# The diff as HTML: escaped, one span per line, classed for docs/course.css.
diff_html() {
  printf '<pre class="step-diff">'
  step_diff "$@" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
    -e 's/^\(+++.*\)$/<span class="file">\1<\/span>/' \
    -e 's/^\(---.*\)$/<span class="file">\1<\/span>/' \
    -e 's/^\(@@.*\)$/<span class="hunk">\1<\/span>/' \
    -e 's/^\(+.*\)$/<span class="add">\1<\/span>/' \
    -e 's/^\(-.*\)$/<span class="del">\1<\/span>/'
  printf '</pre>\n'
}

label() { echo "step${1%%_*}"; }

page() {
  steps=$1 prev=$2 cur=$3 next=$4 out=$5
  readme=$steps/$cur/README.md
  [ -f "$readme" ] || { echo "step_page: no chapter $readme" >&2; exit 1; }
  mkdir -p "$out"
  nav="[Course overview](@ref index)"
  [ "$prev" = - ] || nav="<- [Previous: step ${prev%%_*}](@ref $(label "$prev")) | $nav"
  if [ "$next" = - ]; then
    nav="$nav | [Next: How fast is it?](@ref performance) ->"
  else
    nav="$nav | [Next: step ${next%%_*}](@ref $(label "$next")) ->"
  fi
  [ "$prev" = - ] || diff_html "$steps" "$prev" "$cur" >"$out/$cur.diff.html"
  {
    # The first line is the title: give it the page's label.
    head -n 1 "$readme" | sed "s/\$/ {#$(label "$cur")}/"
    echo
    echo "$nav"
    # The chapter, with the real diff shown at the end of "What changed".
    tail -n +2 "$readme" | awk -v diff="$cur.diff.html" -v has_diff="$([ "$prev" = - ] && echo 0 || echo 1)" '
      # Doxygen 1.9 garbles inline code that holds a quote, and bold text that starts
      # with code: outside fenced blocks, each `span` becomes <code>, its characters as
      # numeric entities where Markdown or Doxygen would read them.
      function codeify(line,    out, at, rest, end_at, span) {
        out = ""
        while ((at = index(line, "`")) > 0) {
          rest = substr(line, at + 1)
          end_at = index(rest, "`")
          if (end_at == 0) break
          span = substr(rest, 1, end_at - 1)
          gsub(/&/, "\\&amp;", span); gsub(/#/, "\\&#35;", span)
          gsub(/</, "\\&lt;", span); gsub(/>/, "\\&gt;", span)
          gsub(/\\/, "\\&#92;", span); gsub(/\*/, "\\&#42;", span); gsub(/_/, "\\&#95;", span)
          gsub(/@/, "\\&#64;", span); gsub(/\$/, "\\&#36;", span)
          gsub(/\|/, "\\&#124;", span); gsub(/\x27/, "\\&#39;", span); gsub(/"/, "\\&quot;", span)
          gsub(/%/, "\\&#37;", span); gsub(/\[/, "\\&#91;", span)
          out = out substr(line, 1, at - 1) "<code>" span "</code>"
          line = substr(rest, end_at + 1)
        }
        return out line
      }
      # Bold the same way, as <b>, which may span lines within a paragraph.
      function boldify(line,    out, at) {
        out = ""
        while ((at = index(line, "**")) > 0) {
          out = out substr(line, 1, at - 1) (bold ? "</b>" : "<b>")
          bold = !bold
          line = substr(line, at + 2)
        }
        return out line
      }
      # A transcript (```console) as HTML, so the site tells the typed command (after
      # "$ ") from what it printed: docs/course.css styles the two.
      /^```console/ && !fenced { transcript = 1; print "\\htmlonly\n<pre class=\"transcript\">"; next }
      transcript && /^```/ { transcript = 0; print "</pre>\n\\endhtmlonly"; next }
      transcript {
        line = $0
        gsub(/&/, "\\&amp;", line); gsub(/</, "\\&lt;", line); gsub(/>/, "\\&gt;", line)
        gsub(/\*/, "\\&#42;", line)  # Doxygen reads "*/" as the end of a comment, even here
        if (line ~ /^\$ /) line = "<span class=\"prompt\">$ </span><span class=\"typed\">" substr(line, 3) "</span>"
        else line = "<span class=\"output\">" line "</span>"
        print line; next
      }
      /^```/ { fenced = !fenced; print; next }
      fenced { print; next }
      /^$/ { bold = 0 }
      /^## / && in_changed { if (has_diff) print "\\htmlinclude " diff "\n"; in_changed = 0 }
      /^## What changed/ { in_changed = 1 }
      { print boldify(codeify($0)) }'
    echo
    echo "## The whole program"
    echo
    echo "\`steps/$cur/main.cpp\`, as built and tested:"
    echo
    echo "\\include{lineno} $cur/main.cpp"
    echo
    echo "$nav"
  } >"$out/$cur.md"
}

case "${1:-}" in
  diff) shift; step_diff "$@" ;;
  page) shift; page "$@" ;;
  *) echo "usage: $0 diff STEPS_DIR PREV CUR | page STEPS_DIR PREV CUR NEXT OUT_DIR" >&2; exit 2 ;;
esac
