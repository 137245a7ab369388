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
  nav="[Course overview](@ref index) | [Glossary](@ref glossary)"
  [ "$prev" = - ] || nav="<- [Previous: step ${prev%%_*}](@ref $(label "$prev")) | $nav"
  if [ "$next" = - ]; then
    nav="$nav | [Next: How fast is it?](@ref performance) ->"
  else
    nav="$nav | [Next: step ${next%%_*}](@ref $(label "$next")) ->"
  fi
  [ "$prev" = - ] || diff_html "$steps" "$prev" "$cur" >"$out/$cur.diff.html"
  {
    # The first line is the title: give it the page's label. Without its backticks: the
    # site's tree of pages shows a title's markup as text (<tt>...</tt>).
    head -n 1 "$readme" | sed -e 's/`//g' -e "s/\$/ {#$(label "$cur")}/"
    echo
    echo "$nav"
    # The chapter, with the real diff shown at the end of "What changed".
    tail -n +2 "$readme" | awk -v diff="$cur.diff.html" -v has_diff="$([ "$prev" = - ] && echo 0 || echo 1)" '
      # Doxygen 1.9 Markdown shows entities inside code, turns "--" into a dash and
      # garbles <details>: what must look as written goes to it as raw HTML
      # (\htmlonly), escaped once here, and only the prose is left to its Markdown.
      function esc(s) {
        gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
        gsub(/\*/, "\\&#42;", s)  # Doxygen reads "*/" as the end of a comment, even here
        gsub(/\t/, "\\&#9;", s)   # and expands tabs to spaces
        return s
      }
      # A code word with a hyphen (--pids-max, step26-4242-aB3xYz) is kept on one line:
      # a browser would break it after a hyphen ("--" at the end of a line).
      function nobr(s,    n, parts, i, out) {
        n = split(s, parts, / /); out = ""
        for (i = 1; i <= n; i++) {
          if (parts[i] ~ /-/) parts[i] = "<span class=\"nobr\">" parts[i] "</span>"
          out = out (i > 1 ? " " : "") parts[i]
        }
        return out
      }
      function esc_text(s) {
        gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
        return s
      }
      # Each `span` as <code>, passed through as it is. Doxygen writes a space before
      # what \htmlonly holds, and reads "\endhtmlonlys" as another command: so the
      # characters a span is glued to, as in "(`ls`s)", go in with it (not the "**"
      # that boldify makes <b>), and spans glued together share one \htmlonly.
      function codeify(line,    out, at, rest, end_at, before, lead, keep, after, trail, html) {
        out = ""
        while ((at = index(line, "`")) > 0) {
          rest = substr(line, at + 1)
          end_at = index(rest, "`")
          if (end_at == 0) break
          before = substr(line, 1, at - 1)
          match(before, /[^ \t*]*$/)
          lead = substr(before, RSTART); keep = substr(before, 1, RSTART - 1)
          after = substr(rest, end_at + 1)
          match(after, /^[^ \t*`]*/)
          trail = substr(after, 1, RLENGTH); line = substr(after, RLENGTH + 1)
          html = esc_text(lead) "<code>" nobr(esc(substr(rest, 1, end_at - 1))) "</code>" esc_text(trail)
          if (keep == "" && lead == "" && out ~ /\\endhtmlonly$/)
            out = substr(out, 1, length(out) - length("\\endhtmlonly")) html "\\endhtmlonly"
          else
            out = out keep "\\htmlonly" html "\\endhtmlonly"
        }
        return out line
      }
      # Bold as <b>, which may span lines within a paragraph (Doxygen garbles bold text
      # that starts with code).
      function boldify(line,    out, at) {
        out = ""
        while ((at = index(line, "**")) > 0) {
          out = out substr(line, 1, at - 1) (bold ? "</b>" : "<b>")
          bold = !bold
          line = substr(line, at + 2)
        }
        return out line
      }
      function backticks(s) { return gsub(/`/, "`", s) }
      # A code span that goes on to the next line is one span, the line break a space
      # (as in CommonMark): join the lines first.
      held != "" { sub(/^[ \t]+/, "", $0); $0 = held " " $0; held = "" }
      !fenced && !/^```/ && backticks($0) % 2 == 1 { held = $0; next }
      # A transcript (```console) tells the typed command (after "$ ") from what it
      # printed: docs/course.css styles the two. Any other fenced block (a diagram, a
      # command) is shown as it is, and scrolls rather than wraps.
      /^```/ && !fenced {
        fenced = 1; transcript = /^```console/
        print "\\htmlonly[block]"
        printf "%s", transcript ? "<pre class=\"transcript\">" : "<pre class=\"diagram\">"
        next
      }
      fenced && /^```/ { fenced = 0; transcript = 0; typing = 0; print "</pre>\n\\endhtmlonly"; next }
      # Lines after the second prompt of a shell ("> ") right after a command continue it (a
      # here-document), as tests/support/transcript.cpp reads them: typed too.
      fenced && transcript {
        line = esc($0)
        if (line ~ /^\$ /) {
          line = "<span class=\"prompt\">$ </span><span class=\"typed\">" substr(line, 3) "</span>"; typing = 1
        } else if (typing && (line ~ /^&gt; / || line == "&gt;")) {
          line = "<span class=\"prompt\">&gt; </span><span class=\"typed\">" substr(line, 6) "</span>"
        } else {
          line = "<span class=\"output\">" line "</span>"; typing = 0
        }
        print line; next
      }
      fenced { print esc($0); next }
      # The folded answers, as HTML the browser folds.
      /^<details>/ || /^<\/details>/ { print "\\htmlonly[block]\n" $0 "\n\\endhtmlonly"; next }
      /^$/ { bold = 0 }
      /^## / && in_changed { if (has_diff) print "\\htmlinclude " diff "\n"; in_changed = 0 }
      /^## What changed/ { in_changed = 1 }
      { print boldify(codeify($0)) }
      END { if (held != "") print boldify(codeify(held)) }'
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
