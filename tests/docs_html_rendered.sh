#!/bin/sh
# The course site shows no unrendered Markdown (ctest: docs.html_has_no_raw_markdown):
# outside code, the text of the built pages holds no backtick, no `**` and no
# `[text](link)` that Doxygen left as it was; each chapter's transcript marks what was typed.
#   sh tests/docs_html_rendered.sh HTML_DIR
set -u
dir=${1:?usage: sh tests/docs_html_rendered.sh HTML_DIR}
ls "$dir"/step*.html >/dev/null 2>&1 || { echo "docs_html: no step pages in $dir (build the docs target first)"; exit 1; }
status=0
for page in "$dir"/index.html "$dir"/step*.html; do
  # Drop code (fragments, <pre>, <code>), scripts and tags: what is left is what a reader
  # sees as text. perl-base is part of every Debian system.
  found=$(perl -0777 -ne '
    s{<div class="fragment">.*?</div><!-- fragment -->}{}gs; s{<pre.*?</pre>}{}gs;
    s{<script.*?</script>}{}gs; s{<code>.*?</code>}{}gs; s{<[^>]*>}{}g;
    while (/(.{0,40}(?:`|\*\*|\]\().{0,40})/g) { my $m = $1; $m =~ s/\s+/ /g; print "$m\n"; }' "$page" | head -n 3)
  if [ -n "$found" ]; then
    echo "docs_html: $(basename "$page") shows unrendered Markdown:"
    printf '%s\n' "$found" | sed 's/^/    /'
    status=1
  fi
done
# Each chapter's "Run it" transcript is rendered with the typed commands marked apart.
for page in "$dir"/step*.html; do
  grep -q 'class="typed"' "$page" || { echo "docs_html: $(basename "$page") has no transcript with its typed commands marked"; status=1; }
done
[ $status = 0 ] && echo "docs_html: no unrendered Markdown in $dir"
exit $status
