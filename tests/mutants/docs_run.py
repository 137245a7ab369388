#!/usr/bin/env python3
"""make docs-mutants: does the site check notice each site defect planted back?

    python3 tests/mutants/docs_run.py [PRESET]

For each entry of tests/mutants/docs_mutants.txt: the project's files (those git tracks,
as they are now, without rootfs/) are copied once to build/PRESET/docs-mutants/src and
configured there; the entry's edit is made in the copy, the site built (the docs
target) and judged by tests/docs_site_check.py, then the file restored. docs/ itself is
never edited, as make mutants never edits steps/. A mutant that makes Doxygen warn is
killed by docs.site_builds_without_warnings already; it is then built again with
warnings allowed, so that the check is judged on the site too.

Prints one line per mutant, then `docs-mutants: N killed, M survived`. Exits non-zero if
one survived or the list has an error (a text missing from or ambiguous in its file).
Needs no root. Logs: build/PRESET/docs-mutants/N.log. Python 3 standard library only.
"""
import pathlib
import re
import shutil
import subprocess
import sys

SOURCE = pathlib.Path(__file__).resolve().parents[2]
LIST = SOURCE / "tests" / "mutants" / "docs_mutants.txt"


def read_list():
    """(line number, path, what, find, replace) for each entry; exits on an error of the list."""
    entries, errors = [], []
    for number, line in enumerate(LIST.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[([^\]]+)\] (.*)$", line)
        if m:
            entries.append([number, m.group(1), m.group(2), [], []])
        elif line[0] in "-+" and entries and (line == line[0] or line[1] == " "):
            entries[-1][3 if line[0] == "-" else 4].append(line[2:])
        else:
            errors.append(f"{LIST}:{number}: not an entry, a - line or a + line")
    for number, path, _, find, replace in entries:
        text = (SOURCE / path).read_text(encoding="utf-8") if (SOURCE / path).is_file() else None
        if text is None:
            errors.append(f"{LIST}:{number}: no file {path}")
        elif not find or text.count("\n".join(find)) != 1:
            errors.append(f"{LIST}:{number}: its - text occurs {text.count(chr(10).join(find)) if find else 0} times in {path}, not once")
    if errors:
        sys.exit("\n".join(f"docs-mutants: {e}" for e in errors))
    return [(n, p, w, "\n".join(f), "\n".join(r)) for n, p, w, f, r in entries]


def run(command, log, cwd=None):
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(map(str, command))}\n")
        out.flush()
        return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode


def main():
    preset = sys.argv[1] if len(sys.argv) > 1 else "default"
    entries = read_list()
    work = SOURCE / "build" / preset / "docs-mutants"
    src, build = work / "src", work / "build"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=SOURCE, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if not name.startswith("rootfs/") and (SOURCE / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SOURCE / name, src / name)
    setup = work / "configure.log"
    if run(["cmake", "-S", src, "-B", build, "-G", "Unix Makefiles"], setup) != 0:
        sys.exit(f"docs-mutants: the copy does not configure: {setup}")
    check = [sys.executable, src / "tests" / "docs_site_check.py", build / "docs" / "html", src / "steps"]
    survivors = []
    for number, path, what, find, replace in entries:
        log = work / f"{number}.log"
        target = src / path
        original = target.read_text(encoding="utf-8")
        doxyfile = src / "docs" / "Doxyfile.in"
        strict = doxyfile.read_text(encoding="utf-8")
        try:
            target.write_text(original.replace(find, replace), encoding="utf-8")
            verdicts = []
            if run(["cmake", "--build", build, "--target", "docs"], log) != 0:
                verdicts.append("the site build fails (a Doxygen warning)")
                doxyfile.write_text(re.sub(r"(?m)^WARN_AS_ERROR( *)= YES", r"WARN_AS_ERROR\1= NO",
                                           doxyfile.read_text(encoding="utf-8")), encoding="utf-8")
                if run(["cmake", "--build", build, "--target", "docs"], log) != 0:
                    verdicts.append("no site to check")
            if "no site to check" not in verdicts:
                verdicts.append("the site check fails" if run(check, log) != 0 else "the site check passes")
        finally:
            target.write_text(original, encoding="utf-8")
            doxyfile.write_text(strict, encoding="utf-8")
        killed = "the site check fails" in verdicts
        print(f"{'killed  ' if killed else 'SURVIVED'} {LIST.name}:{number} [{path}] {what}: {'; '.join(verdicts)}")
        if not killed:
            survivors.append(f"{LIST.name}:{number} [{path}] {what} (log: {log})")
    print(f"docs-mutants: {len(entries) - len(survivors)} killed, {len(survivors)} survived")
    for s in survivors:
        print(f"docs-mutants: SURVIVED {s}")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
