#!/usr/bin/env python3
"""Every Try-this exercise that names a command has a test (ctest: docs.every_try_this_command_is_tested).

    python3 tests/try_this_tested.py [STEPS_DIR [TESTS_DIR]]
    python3 tests/try_this_tested.py --self-test    (the check finds what it must)

For every chapter steps/NN_topic/README.md, the numbered items of its "## Try this"
section (up to its folded answers) are read; an item names a command when one of its
inline code spans (`...`, line breaks read as spaces) is a command line:
- its first word (up to a blank or one of ; | &), after any NAME=value assignments in
  front of it and any folder before its last "/", is one of COMMANDS below, a step program
  (stepNN...), or a path starting with "./"; or
- it is only NAME=value assignments (the environment put in front of a step); or
- it starts with an option (--...) and a later word is a command (a step's arguments and
  its command, `--cpus 0.25 -- sh -c '...'`); or
- it defines a shell function (`f() { ...`).
So `clearenv()`, `unshare(CLONE_NEWCGROUP)`, `MS_REC`, `/proc/self/fd` or `--pids-max 50`
name no command; `sudo ...`, `./build/default/bin/step03_execvp`, `cat pids.max`,
`HOME=/root LANG=C.UTF-8`, `id; ls -ln /` and `for i in ...; do ...` do.
Such an item K must have a test named TryThisK_<what it shows> in that step's test file
(tests/stepNN_topic_test.cpp): a test that runs the command (or the closest the harness can:
the step binary, the rootfs, a pty for a second terminal) and checks the folded answer K.
An item that needs none (it shows a command but asks only to think) opts out with the
HTML comment <!-- try-this: no command --> in its text, which the page does not show.
Prints one line per item without its test, naming the chapter and the item, and exits 1
if there is any. Python 3 standard library only.
"""
import pathlib
import re
import sys

# Programs and shell words a reader types. A span whose first word is one of these is a
# command line; add here what a new chapter makes readers type.
COMMANDS = {
    "bash", "busybox", "capsh", "cat", "cd", "chroot", "cmake", "crun", "ctest", "curl", "cut",
    "dd", "df", "docker", "echo", "env", "escape", "exec", "findmnt", "for", "grep", "head",
    "hostname", "id", "ip", "ipcmk", "ipcrm", "ipcs", "kill", "ln", "ls", "make", "mkdir",
    "mount", "nc", "nsenter", "pgrep", "ping", "podman", "printf", "ps", "pwd", "python3",
    "readlink", "rm", "rmdir", "runc", "setpriv", "sh", "sleep", "stat", "strace", "sudo",
    "sysctl", "tail", "top", "touch", "tr", "true", "ulimit", "umount", "uname", "unshare",
    "wc", "wget", "while", "whoami",
}
OPT_OUT = "<!-- try-this: no command -->"


def try_this_items(chapter):
    """The numbered items of the chapter's Try this, as {number: text}."""
    text = chapter.read_text()
    section = re.search(r"^## Try this\n(.*?)(?=^<details>|^## )", text, re.M | re.S)
    if not section:
        return {}
    items, number = {}, None
    for line in section.group(1).splitlines():
        start = re.match(r"(\d+)\. (.*)", line)
        if start:
            number = int(start.group(1))
            items[number] = start.group(2)
        elif number is not None and line.strip():
            items[number] += " " + line.strip()
    return items


def is_command_word(word):
    word = word.rstrip(";|&")
    if word.startswith("./"):
        return True
    name = word.rsplit("/", 1)[-1]
    return name in COMMANDS or re.fullmatch(r"step\d\d\w*", name) is not None


def is_command(span):
    if re.match(r"\s*[A-Za-z_]\w*\(\)\s*\{", span):
        return True  # a shell function's definition
    words = span.split()
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):
        if len(words) == 1:
            return True  # only assignments: the environment of the command they precede
        words = words[1:]
    if not words:
        return False
    if words[0].startswith("--"):
        return any(is_command_word(word) for word in words[1:])
    return is_command_word(words[0])


def names_a_command(item):
    spans = [m.group(2) for m in re.finditer(r"(`+)(.+?)\1", item)]
    return any(is_command(span) for span in spans)


def check(steps, tests):
    """Prints each item without its test; returns how many there are."""
    missing = checked = 0
    for chapter in sorted(steps.glob("[0-9][0-9]_*/README.md")):
        step = chapter.parent.name
        test_file = tests / f"step{step}_test.cpp"
        test_text = test_file.read_text() if test_file.exists() else ""
        for number, item in try_this_items(chapter).items():
            if OPT_OUT in item or not names_a_command(item):
                continue
            checked += 1
            if not re.search(rf"\bTEST(?:_F|_P)?\(\s*\w+,\s*TryThis{number}_\w+", test_text):
                missing += 1
                print(f"steps/{step}/README.md: Try this {number} names a command, but "
                      f"tests/{test_file.name} has no test TryThis{number}_...: {item[:60]}...")
    print(f"try-this: {checked} items name a command, {missing} without their test")
    return missing


def self_test():
    """A chapter of three items, against test files that lack or have their tests."""
    import tempfile
    with tempfile.TemporaryDirectory() as top:
        steps, tests = pathlib.Path(top, "steps"), pathlib.Path(top, "tests")
        (steps / "07_demo").mkdir(parents=True)
        tests.mkdir()
        (steps / "07_demo" / "README.md").write_text(
            "## Try this\n\n1. Run `sudo ./build/default/bin/step07_demo` and\n"
            "   `cat /proc/1/cmdline`.\n2. Remove `chdir(\"/\")`: why?\n"
            "3. `ls /` <!-- try-this: no command -->\n\n<details><summary>Answers</summary>\n\n"
            "1. `cat` ...\n\n</details>\n")
        test_file = tests / "step07_demo_test.cpp"
        cases = [("", 1), ("TEST_F(Step07Demo, TryThis2_Why) {}", 1),
                 ("TEST_F(Step07Demo,\n       TryThis1_Cmdline) {}", 0)]
        for text, expected in cases:
            test_file.write_text(text)
            if check(steps, tests) != expected:
                print(f"self-test: with {text!r} the check should find {expected} missing")
                return 1
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = pathlib.Path(__file__).resolve().parent.parent
    steps = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "steps"
    tests = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "tests"
    return 1 if check(steps, tests) else 0


if __name__ == "__main__":
    sys.exit(main())
