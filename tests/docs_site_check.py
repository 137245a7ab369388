#!/usr/bin/env python3
"""The course site shows each chapter as written (ctest: docs.site_shows_chapters_as_written).

    python3 tests/docs_site_check.py HTML_DIR STEPS_DIR

For every chapter (steps/NN_topic/README.md) and its page (HTML_DIR/stepNN.html):
- each inline code span of the Markdown is the whole text of a <code> element of the
  page, and each fenced block the whole text of a <pre> (tags stripped, entities decoded
  once, a span's line breaks read as spaces): no entity shown, no "--" made a dash, no
  span broken out of its <code>;
  and it sits next to the same characters as in the Markdown (no space added);
- each <details> opens with the chapter's own <summary> and holds the answers (text and
  code spans of the Markdown's folded part), and there are as many as in the Markdown;
- no code of the Markdown with "--" or "---" shown with an en or em dash in its place;
- the page shows the real diff from the previous step (diff -u of the two main.cpp);
- each box of a drawing has its sides under its corners (+---+ over | ... |), and a
  block draws with ASCII, box drawing (U+2500-257F) and "…" only, which monospace
  fonts have at one column wide (a ✗ or ◀ from a fallback font shifts the line);
- each word of inline code with a hyphen (--pids-max) is white-space: nowrap, so that
  no line ends in "--";
- every <pre> (pictures, transcripts, the diff) and the whole program (a div.fragment
  of div.line) scrolls instead of wrapping: the page's
  stylesheets (Doxygen's, then docs/course.css), cascaded as a browser does, give it
  overflow-x: auto and white-space: pre.
For every page: no "&#", "&amp;#", "<code>" or unrendered Markdown (a backtick, "**",
"](") in the visible text; each chapter's transcript marks the typed commands. A number in
the subtitle is the number of steps; the main page is in the navigation once, at the
top, and each page's sections under that page. Inline code is display: inline, as in
any Markdown page (not Doxygen's inline-block, which breaks a line inside "(`code`)").
Every href, src and data of every page (the API reference too) leads to a file of the site,
and to an anchor of that page; each common/ file's source page lists all its lines.
Python 3 standard library only (Debian 12's python3).
"""
import html
import json
import html.parser
import pathlib
import re
import subprocess
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()


class Tree(html.parser.HTMLParser):
    """The page as a tree of elements; text decoded once, as a browser does."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, attrs, self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:  # a stray end tag closes nothing, as in a browser
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


def parse(path):
    tree = Tree()
    tree.feed(path.read_text(encoding="utf-8"))
    return tree.root


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def visible(root):
    """What a reader sees as text: everything but scripts and styles."""
    out = []

    def go(node):
        if node.tag in ("script", "style", "head"):
            return
        for c in node.children:
            out.append(c) if isinstance(c, str) else go(c)

    go(root)
    return "".join(out)


def chapter(markdown):
    """The chapter's fenced blocks, inline code spans and folded parts, as CommonMark reads them."""
    fenced, prose, block, fence = [], [], None, None
    for line in markdown.splitlines():
        if block is None:
            m = re.match(r"^(```+)", line)
            if m:
                block, fence = [], m.group(1)
            else:
                prose.append(line)
        elif line.startswith(fence):
            fenced.append("\n".join(block))
            block = None
            prose.append("")  # a block ends a paragraph
        else:
            block.append(line)
    text = "\n".join(prose)
    spans = code_spans(text)
    details = []
    for m in re.finditer(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", text, re.S):
        details.append((m.group(1).strip(), code_spans(m.group(2)), words(m.group(2), markdown=True)))
    return fenced, spans, details


def words(text, markdown=False):
    """The words of a text, for comparing what was written with what is shown."""
    if markdown:
        text = re.sub(r"^\s*(\d+\.|[-*])\s", " ", text, flags=re.M)  # list markers
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        text = text.replace("`", "")
    return re.findall(r"\w+", text)


def code_spans(text):
    spans = []
    for m in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", text, re.S):
        # Line breaks in a span are spaces; a paragraph's continuation lines lose their indent.
        span = re.sub(r"\n[ \t]*", " ", m.group(2))
        if span.startswith(" ") and span.endswith(" ") and span.strip():
            span = span[1:-1]
        before = text[m.start() - 1] if m.start() > 0 and not text[m.start() - 1].isspace() else ""
        after = text[m.end()] if m.end() < len(text) and not text[m.end()].isspace() else ""
        spans.append((span, before if before not in "*_[|" else "", after if after not in "*_]|" else ""))
    return spans


def css_rules(css):
    """(selector, declarations) in the order of the stylesheet; a browser drops what it cannot read."""
    rules = []
    for m in re.finditer(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        decls = {}
        for k, _, v in (d.partition(":") for d in m.group(2).split(";")):
            k, v = k.strip().lower(), v.replace("!important", "").strip()
            if k == "white-space" and v not in WHITE_SPACE:
                continue  # -moz-pre-wrap and the like
            if k == "overflow":
                decls["overflow-x"] = v.split()[0]
            elif k:
                decls[k] = v
        for sel in m.group(1).split(","):
            rules.append((sel.strip(), decls))
    return rules


WHITE_SPACE = {"normal", "pre", "nowrap", "pre-wrap", "pre-line", "break-spaces", "inherit", "initial", "unset"}


def page_rules(page):
    """The rules of every stylesheet the page links, in the order it links them."""
    rules = []
    for href in re.findall(r'<link href="([^"]+\.css)" rel="stylesheet"', page.read_text(encoding="utf-8")):
        sheet = page.parent / href
        if sheet.exists():
            rules.extend(css_rules(sheet.read_text(encoding="utf-8")))
    return rules


def matches(node, selector):
    """Specificity (ids, classes, tags) if the selector matches the node, else None.
    Plain compound selectors and descendant combinators only; a pseudo-class or an
    attribute selector never matches (none of them is about a <pre>'s wrapping)."""
    parts = selector.replace(">", " ").split()
    if not parts or any(re.search(r"[:\[+~]", p) for p in parts):
        return None
    spec = [0, 0, 0]
    at = node
    for i, part in enumerate(reversed(parts)):
        m = re.fullmatch(r"(\*|[\w-]+)?((?:[.#][\w-]+)*)", part)
        if not m:
            return None
        tag, rest = m.group(1), re.findall(r"([.#])([\w-]+)", m.group(2))

        def fits(n):
            return isinstance(n, Node) and (tag in (None, "*") or n.tag == tag) and all(
                v in n.classes() if k == "." else n.attrs.get("id") == v for k, v in rest)

        if i == 0:
            if not fits(at):
                return None
        else:
            at = at.parent
            while at is not None and not fits(at):
                at = at.parent
            if at is None:
                return None
        spec[0] += sum(k == "#" for k, _ in rest)
        spec[1] += sum(k == "." for k, _ in rest)
        spec[2] += tag not in (None, "*")
    return tuple(spec)


def computed(node, rules, prop):
    """The property's value for the node: the most specific rule, the later one on a tie."""
    best, value = None, None
    for sel, decls in rules:
        if prop in decls:
            spec = matches(node, sel)
            if spec is not None and (best is None or spec >= best):
                best, value = spec, decls[prop]
    return value


def scrolls(node, rules):
    """Do the page's stylesheets make this <pre> scroll sideways rather than wrap?"""
    return computed(node, rules, "overflow-x") == "auto" and computed(node, rules, "white-space") == "pre"


def dashed(code):
    """A pattern for the code with each run of hyphens shown with an en or em dash in it."""
    parts = re.split(r"(-{2,})", code)
    return "".join(re.escape(p) if i % 2 == 0 else r"[-\u2013\u2014]*[\u2013\u2014][-\u2013\u2014]*"
                   for i, p in enumerate(parts))


def real_diff(steps, prev, cur):
    """What make diff prints: diff -u of the two programs, labelled as the site labels them."""
    run = subprocess.run(["diff", "-u", "--label", f"steps/{prev}/main.cpp", "--label", f"steps/{cur}/main.cpp",
                          str(steps / prev / "main.cpp"), str(steps / cur / "main.cpp")],
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"docs_site: diff failed: {run.stderr.strip()}")
    return run.stdout


def why_missing(expected, texts):
    for t in texts:
        if expected.replace("--", "\u2013") in t or expected.replace("---", "\u2014") in t:
            return "a double hyphen was turned into a dash"
    shown = html.escape(expected, quote=True)
    if any(re.sub(r"[^\w]", "", expected) and re.sub(r"&#\d+;", "", t).find(expected[:3]) >= 0 and "&#" in t for t in texts):
        return "shown with its entities"
    return "not shown as written" if shown else ""


def check_page(page, root, problems):
    text = visible(root)
    name = page.name
    for bad in ("&#", "&amp;#", "<code>", "</code>"):
        for m in re.finditer(re.escape(bad), text):
            problems.append(f"{name}: the text shows {bad!r}: ...{squash(text[max(0, m.start() - 40):m.end() + 40])}...")
            break
    # Doxygen's stylesheet makes <code> an inline-block: a line then breaks between "("
    # and the code, or before the ")" after it, and a long span runs off the column.
    rules = page_rules(page)
    for n in root.walk():
        if n.tag == "code" and computed(n, rules, "display") not in (None, "inline"):
            problems.append(f"{name}: inline code `{squash(n.text())[:40]}` is shown as display: {computed(n, rules, 'display')},"
                            " not inline (a line breaks inside \"(`code`)\"; a long span cannot wrap)")
            break
    # Unrendered Markdown, outside code.
    prose = []

    def go(node):
        if node.tag in ("script", "style", "head", "pre", "code") or "fragment" in node.classes():
            return
        for c in node.children:
            prose.append(c) if isinstance(c, str) else go(c)

    go(root)
    for m in re.finditer(r"`|\*\*|\]\(", "".join(prose)):
        s = "".join(prose)
        problems.append(f"{name}: unrendered Markdown: ...{squash(s[max(0, m.start() - 40):m.end() + 40])}...")
        break


def misdrawn_boxes(block):
    """The lines of a drawing whose box side is not under its corner: for each top border
    (+---+ or ┌───┐) with a side (| or │) under its left corner, every line down to the bottom border
    has a side under the right corner too (or a joint, or an arrow crossing it), and the
    bottom border a corner."""
    # Box-drawing characters read as their ASCII kin: corners and joints as +.
    shown = block.split("\n")
    lines = block.translate(str.maketrans("┌┐└┘├┤┬┴┼─│", "+++++++++-|")).split("\n")

    def at(line, col):
        return line[col] if col < len(line) else " "

    bad = []
    for i, line in enumerate(lines):
        for m in re.finditer(r"\+-[-+]*-\+", line):
            left, right = m.start(), m.end() - 1
            j = i + 1
            if j < len(lines) and at(lines[j], left) != "|" and "|" in (at(lines[j], left - 1), at(lines[j], left + 1)):
                bad.append(shown[j])  # the side one column off its corner
                continue
            if j >= len(lines) or at(lines[j], left) != "|":
                continue  # a bottom border, or a line of dashes
            while j < len(lines) and at(lines[j], left) == "|":
                if at(lines[j], right) not in "|+-<>":
                    bad.append(shown[j])
                j += 1
            if j < len(lines) and at(lines[j], left) == "+" and at(lines[j], right) != "+":
                bad.append(shown[j])
    return bad


def check_chapter(readme, prev, page, root, problems):
    name = page.name
    rules = page_rules(page)
    fenced, spans, details = chapter(readme.read_text(encoding="utf-8"))
    nodes = list(root.walk())
    code_texts = {squash(n.text()) for n in nodes if n.tag == "code"}
    pres = [n for n in nodes if n.tag == "pre"]
    pre_texts = [n.text().strip("\n") for n in pres]
    shown = squash(visible(root))
    for span, before, after in spans:
        if squash(span) not in code_texts:
            near = [t for t in code_texts if squash(span)[:4] in t] or list(code_texts)
            problems.append(f"{name}: code span `{span}` is not the text of any <code> ({why_missing(squash(span), near)})")
        elif before + squash(span) + after not in shown:
            problems.append(f"{name}: code span `{span}` is not shown next to its neighbours {before!r} and {after!r} (a space added?)")
    for block in fenced:
        if block.strip("\n") not in pre_texts:
            first = block.strip("\n").splitlines()[0] if block.strip() else ""
            problems.append(f"{name}: fenced block starting {first!r} is not the text of any <pre> ({why_missing(block, pre_texts)})")
    for block in fenced:
        odd = sorted({c for c in block if ord(c) > 127 and not ("\u2500" <= c <= "\u257f" or c == "\u2026")})
        if odd:
            first = block.strip("\n").splitlines()[0] if block.strip() else ""
            problems.append(f"{name}: the block starting {first!r} draws with {''.join(odd)!r}: a monospace font may lack them,"
                            " and a wider glyph from another font shifts the rest of the line (ASCII, box drawing and … only)")
        for line in misdrawn_boxes(block):
            problems.append(f"{name}: a box of a drawing has its right side out of line with its corners: {line.strip()!r}")
    # Doxygen's Markdown makes "--" an en dash and "---" an em dash, even in code.
    for code in {squash(span) for span, _, _ in spans} | {squash(block) for block in fenced}:
        if "--" in code:
            m = re.search(dashed(code), shown)
            if m:
                problems.append(f"{name}: the code {code[:60]!r} is shown with a dash for its hyphens: {m.group(0)[:60]!r}")
    if prev is not None:
        diff = real_diff(readme.parent.parent, prev.parent.name, readme.parent.name).strip("\n")
        if not any("step-diff" in n.classes() and n.text().strip("\n") == diff for n in pres):
            problems.append(f"{name}: no <pre class=\"step-diff\"> shows the real diff from {prev.parent.name} as written")
    for pre in pres:
        if not scrolls(pre, rules):
            overflow, space = computed(pre, rules, "overflow-x"), computed(pre, rules, "white-space")
            problems.append(f"{name}: <pre class=\"{pre.attrs.get('class', '')}\"> wraps or runs off the page: its stylesheets give it"
                            f" overflow-x: {overflow or 'visible'} and white-space: {space or 'pre'}, not auto and pre")
    # A code word with a hyphen stays on one line (no line ending in "--").
    broken = None
    for n in nodes:
        if n.tag != "code" or broken:
            continue
        for holder in n.walk():
            texts = [c for c in holder.children if isinstance(c, str)]
            if any("-" in word for t in texts for word in t.split()) and computed(holder, rules, "white-space") != "nowrap":
                broken = f"{name}: the code `{squash(n.text())[:40]}` may break after a hyphen: its words with a hyphen are not white-space: nowrap"
                break
    if broken:
        problems.append(broken)
    # The whole program (\include): a div.fragment of div.line, pre-wrap in Doxygen's
    # stylesheet, so a long line wrapped under the next line's number.
    for frag in (n for n in nodes if n.tag == "div" and "fragment" in n.classes()):
        line = next((n for n in frag.walk() if n.tag == "div" and "line" in n.classes()), None)
        overflow = computed(frag, rules, "overflow-x")
        space = computed(line, rules, "white-space") if line else None
        if overflow != "auto" or (line and space != "pre"):
            problems.append(f"{name}: the whole program wraps or runs off the page: its div.fragment has overflow-x:"
                            f" {overflow or 'visible'} and its lines white-space: {space}, not auto and pre")
            break
    folds = [n for n in nodes if n.tag == "details"]
    if len(folds) != len(details):
        problems.append(f"{name}: {len(folds)} <details> on the page, {len(details)} in the chapter")
    for fold, (summary, fold_spans, fold_text) in zip(folds, details):
        first = next((c for c in fold.children if isinstance(c, Node) or c.strip()), None)
        if not isinstance(first, Node) or first.tag != "summary" or squash(first.text()) != summary:
            shown = squash(first.text()) if isinstance(first, Node) else repr(first)
            problems.append(f"{name}: a <details> does not open with its summary {summary!r} (it shows {shown!r})")
        if any(n.tag == "details" for n in fold.walk() if n is not fold):
            problems.append(f"{name}: a <details> holds another <details>")
        inside = squash("".join(c if isinstance(c, str) else c.text() for c in fold.children if not (isinstance(c, Node) and c.tag == "summary")))
        fold_codes = {squash(n.text()) for n in fold.walk() if n.tag == "code"}
        if words(inside) != fold_text:
            problems.append(f"{name}: the <details> {summary!r} does not hold the answers as written (it holds {inside[:60]!r})")
        for span, _, _ in fold_spans:
            if squash(span) not in fold_codes:
                problems.append(f"{name}: the answer's code `{span}` is not inside its <details>")
    if not any("typed" in n.classes() for n in nodes):
        problems.append(f"{name}: no transcript with its typed commands marked")


def check_navigation(path, problems):
    """The main page is in the tree once, and a page's sections sit under that page."""
    js = path.read_text(encoding="utf-8")
    m = re.search(r"var NAVTREE =\s*(\[.*?\]);\s*var", js, re.S)
    if not m:
        problems.append(f"{path.name}: no NAVTREE")
        return
    tree = json.loads(m.group(1))
    seen = []

    def go(node, parent_page):
        title, url, children = node
        seen.append(url)
        page, _, anchor = (url or "").partition("#")
        if anchor and parent_page is not None and page != parent_page:
            problems.append(f"{path.name}: the section {title!r} of {page} is listed under {parent_page}")
        for c in children if isinstance(children, list) else []:
            go(c, page)

    for node in tree:
        go(node, None)
    if seen.count("index.html") != 1:
        problems.append(f"{path.name}: the main page is in the navigation {seen.count('index.html')} times")
    elif seen[0] != "index.html":
        problems.append(f"{path.name}: the main page is not at the top of the navigation ({seen[0]} is)")


def check_links(out, problems):
    """Every link and image (the chart's <object data> too) of every page leads to a file of
    the site, and to an anchor there."""
    pages = sorted(out.glob("*.html"))
    anchors = {}

    def ids(target):
        if target not in anchors:
            anchors[target] = set(re.findall(r'\b(?:id|name)="([^"]+)"', target.read_text(encoding="utf-8")))
        return anchors[target]

    for page in pages:
        seen = set()
        for url in re.findall(r'\b(?:href|src|data)="([^"]*)"', page.read_text(encoding="utf-8")):
            url = html.unescape(url)
            if re.match(r"^[a-zA-Z][\w+.-]*:", url) or url.startswith("//") or url in seen:
                continue  # http(s), mailto, javascript: not part of the site
            seen.add(url)
            path, _, anchor = url.partition("#")
            target = (page.parent / path) if path else page
            if not target.is_file():
                problems.append(f"{page.name}: a link to {url} leads to no file")
            elif anchor and target.suffix == ".html" and anchor not in ids(target):
                problems.append(f"{page.name}: a link to {url}: {target.name} has no anchor {anchor!r}")


def check_sources(out, common, problems):
    """Each common/ file's source page lists every line of it, its comments included."""
    for source in sorted([*common.glob("*.hpp"), *common.glob("*.cpp")]):
        page = out / (source.name.replace("_", "__").replace(".", "_8") + "_source.html")
        if not page.exists():
            problems.append(f"{page.name}: missing, for common/{source.name}")
            continue
        count = len(source.read_text(encoding="utf-8").splitlines())
        shown = {int(n) for n in re.findall(r'id="l(\d+)"', page.read_text(encoding="utf-8"))}
        missing = sorted(set(range(1, count + 1)) - shown)
        if missing:
            problems.append(f"{page.name}: {len(missing)} of the {count} lines of common/{source.name} are not listed"
                            f" (from line {missing[0]}: comments stripped?)")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 tests/docs_site_check.py HTML_DIR STEPS_DIR")
    out, steps = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    chapters = sorted(p for p in steps.glob("[0-9][0-9]_*/README.md"))
    if not (out / "index.html").exists() or not list(out.glob("step*.html")):
        sys.exit(f"docs_site: no course site in {out} (build the docs target first)")
    problems = []
    for prev, readme in zip([None, *chapters], chapters):
        page = out / f"step{readme.parent.name[:2]}.html"
        if not page.exists():
            problems.append(f"{page.name}: missing, for {readme}")
            continue
        root = parse(page)
        check_page(page, root, problems)
        check_chapter(readme, prev, page, root, problems)
    for page in [out / "index.html", out / "glossary.html", *sorted(out.glob("performance*.html"))]:
        if page.exists():
            check_page(page, parse(page), problems)
    index = parse(out / "index.html")
    brief = next((squash(n.text()) for n in index.walk() if n.attrs.get("id") == "projectbrief"), "")
    words = "zero one two three four five six seven eight nine ten eleven twelve".split()
    counted = r"\b(\d+|" + "|".join(words) + r")\s+(?:small\s+)?(?:c\+\+\s+)?(?:programs|steps|chapters)\b"
    for count in re.findall(counted, brief.lower()):
        if (int(count) if count.isdigit() else words.index(count)) != len(chapters):
            problems.append(f"index.html: the subtitle {brief!r} counts {count} programs; there are {len(chapters)}")
    check_navigation(out / "navtreedata.js", problems)
    check_links(out, problems)
    check_sources(out, steps.parent / "common", problems)
    for p in problems:
        print("docs_site:", p)
    if problems:
        print(f"docs_site: {len(problems)} problems in {out}")
        sys.exit(1)
    print(f"docs_site: {len(chapters)} chapters shown as written in {out}")


if __name__ == "__main__":
    main()
