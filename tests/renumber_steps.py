#!/usr/bin/env python3
"""Opens slots for new steps: renumbers the steps after them, everywhere.

usage: python3 tests/renumber_steps.py . AFTER [AFTER...]
       python3 tests/renumber_steps.py --filter AFTER [AFTER...] < old.patch > new.patch

A slot opens after each step AFTER (e.g. `. 11 19`): every later step moves up by one
per slot below it. Renames the step folders and test files (git mv) and rewrites the
step references it recognises in every tracked text file: folder and test names
(13_mount_namespace, step13_..., Step13Mount...), prose (step 13, steps 13-31,
chapters 11 and 21, since 17, STEP=13), the tests' from("25"), PROPERTY_SINCE(X, 25), TRY_THIS_STEP_25,
"(28 on)", "// --- 25:" and "| [25 " table rows. It prints each line it changed.
--filter does the same to a patch made before the renumbering (git format-patch), so
work done meanwhile in another clone applies after it (git am -3).

It cannot know what a bare number in a table cell or in parentheses means ("10-12",
"(16)"), nor which half of a split step a reference meant: read the printed lines and
`git diff --word-diff`, then grep for the numbers it left. README.md's "Adding a step"
says what else a new step needs.
"""
import re
import subprocess
import sys
from pathlib import Path

FILTER = sys.argv[1] == "--filter"  # renumber stdin to stdout (a patch), nothing else
repo = Path(sys.argv[1])
afters = sorted(int(a) for a in sys.argv[2:])


def m(n: int) -> int:
    return n + sum(1 for a in afters if n > a)


# The highest step number now: numbers above it are not steps.
STEPS = Path(__file__).resolve().parent.parent / "steps"
LAST_OLD = max(int(folder.name[:2]) for folder in STEPS.glob("[0-9][0-9]_*"))


def ms(s: str) -> str:
    """The new number, in digits no later rule matches (decoded at the end)."""
    n = int(s)
    if n <= afters[0] or n > LAST_OLD:
        return s
    return "".join(chr(0xE000 + int(d)) for d in f"{m(n):0{len(s)}d}")


def decode(text: str) -> str:
    return "".join(str(ord(c) - 0xE000) if 0xE000 <= ord(c) <= 0xE009 else c for c in text)


def sub_nums(text: str) -> str:
    return re.sub(r"\d+", lambda x: ms(x.group(0)), text)


NUM = r"\d\d?"
SEP = r"(?:\s*(?:–|-|—|to|and|or|,|, and|, or)\s*)"
rules = [
    # folder-like names: 13_mount_namespace, step13_..., Step13Mount...
    (re.compile(r"(?<![0-9A-Za-z.])(\d\d)(?=_[a-z])"), lambda x: ms(x.group(1))),
    (re.compile(r"([Ss]tep|STEP)(\d\d)(?![0-9])"), lambda x: x.group(1) + ms(x.group(2))),
    # prose: step 13, steps 13–31, chapters 11, 21 and 31, since 17, STEP=13
    (re.compile(r"(\b(?:[Ss]teps?|[Cc]hapters?|[Ss]ince|[Uu]ntil|STEP=\"?|STEP=)\s*)(" + NUM +
                r"(?:" + SEP + NUM + r"(?![0-9]|\.[0-9]))*)(?![0-9]|\.[0-9])"),
     lambda x: x.group(1) + sub_nums(x.group(2))),
    # code: from("25"), steps_from("17"), no_cgroup_for("memory", "25"), ..._limit("25"),
    # PROPERTY_SINCE(X, 25), TRY_THIS_STEP_25
    (re.compile(r"((?:from|steps_from|no_cgroup_for\([^()]*?,|_limit|>=|<|>|==)\s*\(?\s*\")(\d\d)\""),
     lambda x: x.group(1) + ms(x.group(2)) + '"'),
    (re.compile(r"(PROPERTY_SINCE\(\w+,\s*)(\d\d)\)"), lambda x: x.group(1) + ms(x.group(2)) + ")"),
    (re.compile(r"(TRY_THIS_STEP_)(\d\d)(?![0-9])"), lambda x: x.group(1) + ms(x.group(2))),
    # (28 on), from 25 on, From 25 on, 19 on
    (re.compile(r"((?:\(|[Ff]rom )\s*)(" + NUM + r")( on\b)"),
     lambda x: x.group(1) + ms(x.group(2)) + x.group(3)),
    # "// --- 25: memory", "(25: threaded)", "| [25 resource"
    (re.compile(r"(// --- )(\d\d)(:)"), lambda x: x.group(1) + ms(x.group(2)) + x.group(3)),
    (re.compile(r"(\()(\d\d)(: )"), lambda x: x.group(1) + ms(x.group(2)) + x.group(3)),
    (re.compile(r"(\| \[)(\d\d)( )"), lambda x: x.group(1) + ms(x.group(2)) + x.group(3)),
]

def renumber_line(line: str) -> str:
    for pattern, repl in rules:
        line = pattern.sub(repl, line)
    return decode(line)


if FILTER:
    for line in sys.stdin.read().split("\n")[:-1]:
        print(renumber_line(line) if not line.startswith("index ") else line)
    sys.exit(0)

files = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True,
                       check=True).stdout.split()
for name in files:
    # Not the examples of this script and of its test, which are about numbers, not steps.
    if name.startswith(("rootfs/", ".ci/", "tests/renumber_steps")) or name.endswith((".png", ".json")):
        continue
    path = repo / name
    try:
        old = path.read_text()
    except UnicodeDecodeError:
        continue
    new_lines = []
    for line in old.split("\n"):
        new = line
        for pattern, repl in rules:
            new = pattern.sub(repl, new)
        new = decode(new)
        if new != line:
            print(f"{name}: {line.strip()[:100]}\n{' ' * len(name)}> {new.strip()[:100]}")
        new_lines.append(new)
    new_text = "\n".join(new_lines)
    if new_text != old:
        path.write_text(new_text)

# renames, highest first so nothing collides
moves = []
for name in files:
    parts = name.split("/")
    new_parts = [decode(re.sub(r"^(step)?(\d\d)(?=_)", lambda x: (x.group(1) or "") + ms(x.group(2)), p))
                 for p in parts]
    if new_parts != parts:
        moves.append((name, "/".join(new_parts)))
for old, new in sorted(moves, reverse=True):
    (repo / new).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "-C", str(repo), "mv", old, new], check=True)
