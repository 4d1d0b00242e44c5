#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile-input cases, one file each in tests/hostile/cases/NAME.py (add a file to add a case).

A case file defines:
  HOST = "fedora-igpu-rtx"     optional: the fixture (tests/fixtures/hosts/HOST.host) its tree is built from
  def damage(root): ...        optional: makes the tree hostile (files, links, names)
  def check(t): ...            runs commands with t.vp(...) and asserts with t.expect(cond, what)

t.vp(*args, env={}, stdin=None, timeout=20, tty=None) runs `vfio-pilot --root ROOT ARGS` (tty=COLUMNS
runs it under a pseudo-terminal of that width with script(1)) and returns an object with rc,
out, err (bytes) and text (out decoded with errors replaced). Every run is also held to the rules
of all cases: it ends by itself within the timeout, no signal, no sanitizer report on stderr, and
with --json stdout is exactly one JSON document that parses as strict UTF-8.

Usage: run.py VFIO-PILOT [CASE...]. Prints one line per case and "N passed, N failed".
"""
import importlib.util, json, os, shlex, shutil, subprocess, sys, tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZER_MARKS = (b"AddressSanitizer", b"LeakSanitizer", b"runtime error:", b"UndefinedBehaviorSanitizer")


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        self.text = out.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.out.decode("utf-8"))


class Case:
    def __init__(self, binary, root, tmp):
        self.binary, self.root, self.tmp, self.problems = binary, root, tmp, []

    def expect(self, cond, what):
        if not cond:
            self.problems.append(what)
        return cond

    def vp(self, *args, env=None, stdin=None, timeout=20, tty=None):
        e = dict(os.environ, LC_ALL="C", NO_COLOR="1", TZ="UTC")
        e.pop("COLUMNS", None)
        e.update(env or {})
        cmd = [self.binary, "--root", self.root] + list(args)
        label = " ".join(args)
        if tty:
            # a real pty of the given width; script(1) copies its output to stdout
            inner = f"stty cols {int(tty)} rows 50 2>/dev/null; exec {shlex.join(cmd)}"
            cmd = ["script", "-qec", inner, "/dev/null"]
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=e, input=stdin,
                               stdin=None if stdin is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.problems.append(f"{label}: hung (killed after {timeout} s)")
            return Result(-9, b"", b"")
        r = Result(p.returncode, p.stdout, p.stderr)
        if tty:   # the pty turns \n into \r\n
            r.out = r.out.replace(b"\r\n", b"\n")
            r.text = r.out.decode("utf-8", "replace")
        self.expect(p.returncode >= 0 and p.returncode < 128, f"{label}: killed by signal or aborted (rc {p.returncode})")
        for m in SANITIZER_MARKS:
            if m in p.stderr or m in p.stdout:
                self.problems.append(f"{label}: sanitizer report: {p.stderr.decode('utf-8', 'replace')[-2000:]}")
                break
        if "--json" in args and not tty:
            try:
                json.loads(p.stdout.decode("utf-8"))   # one document, strict UTF-8
            except (ValueError, UnicodeDecodeError) as ex:
                self.problems.append(f"{label}: stdout is not one JSON document: {ex}: {p.stdout[:200]!r}")
        return r


def load(path):
    spec = importlib.util.spec_from_file_location("case_" + os.path.basename(path)[:-3].replace("-", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    binary = os.path.abspath(sys.argv[1])
    only = sys.argv[2:]
    cdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
    names = sorted(f[:-3] for f in os.listdir(cdir) if f.endswith(".py") and not f.startswith("_"))
    names = [n for n in names if not only or n in only]
    tmp = tempfile.mkdtemp(prefix="vp-hostile-cases-")
    bases, failed = {}, 0
    try:
        for name in names:
            mod = load(os.path.join(cdir, name + ".py"))
            host = getattr(mod, "HOST", "fedora-igpu-rtx")
            if host not in bases:
                bases[host] = os.path.join(tmp, "base-" + host)
                subprocess.run([sys.executable, os.path.join(SRC, "tests/fixtures/mkhost.py"),
                                os.path.join(SRC, "tests/fixtures/hosts", host + ".host"), bases[host]], check=True)
            work = os.path.join(tmp, name)
            os.makedirs(work)
            root = os.path.join(work, "root")
            shutil.copytree(bases[host], root, symlinks=True)
            t = Case(binary, root, work)
            try:
                if hasattr(mod, "damage"):
                    mod.damage(root)
                mod.check(t)
            except Exception as ex:   # a case's own error is a failure of that case
                t.problems.append(f"case raised {ex!r}")
            print(("FAIL " if t.problems else "ok ") + name)
            for pr in t.problems:
                print("   ", pr)
            failed += bool(t.problems)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", tmp])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
