#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one golden CLI case: builds the case's host tree, runs vfio-pilot on it
and compares stdout, stderr, the exit code and (optionally) files of the tree.

A case is a directory tests/golden/<suite>/<case>/ with:
  host            the name of a description in tests/fixtures/hosts/ (one word), or
  host.host       a description of its own, or
  capture         the name of a `vfio-pilot snapshot` of a real host in tests/fixtures/captured/
                  (NAME.tar.gz), unpacked as the tree
  args            the arguments after `vfio-pilot --root TREE` (shell words, one line;
                  further lines are run first, in order, as preparatory steps that must exit 0);
                  $ROOT in them stands for the tree's path (e.g. --connect test:///$ROOT/node.xml)
  setup.sh        optional: run with $ROOT set before the command (to damage or tweak the tree)
  expected.stdout expected.rc   [expected.stderr]
  expected-tree/  optional: files that must exist in the tree afterwards with this content
  expected-absent optional: paths (one a line) that must not exist afterwards
The tree's path is written as $ROOT in outputs. VP_TEST_REGENERATE=1 rewrites expected.*.
"""
import os, shlex, shutil, subprocess, sys, tempfile

def main():
    binary, case = sys.argv[1], sys.argv[2]
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    regen = os.environ.get("VP_TEST_REGENERATE") == "1"
    tmp = tempfile.mkdtemp(prefix="vp-golden-")
    try:
        root = os.path.join(tmp, "root")
        desc = os.path.join(case, "host.host")
        capture = os.path.join(case, "capture")
        if os.path.exists(capture):
            name = open(capture).read().strip()
            os.makedirs(root)
            subprocess.run(["tar", "xzf", os.path.join(src, "tests", "fixtures", "captured", name + ".tar.gz"),
                            "-C", root, "--no-same-owner"], check=True)
        else:
            if not os.path.exists(desc):
                name = open(os.path.join(case, "host")).read().strip()
                desc = os.path.join(src, "tests", "fixtures", "hosts", name + ".host")
            subprocess.run([sys.executable, os.path.join(src, "tests", "fixtures", "mkhost.py"), desc, root], check=True)
        env = dict(os.environ, LC_ALL="C", NO_COLOR="1", TZ="UTC", ROOT=root, COLUMNS="200")
        if os.path.exists(os.path.join(case, "setup.sh")):
            subprocess.run(["bash", os.path.join(case, "setup.sh")], check=True, env=env)
        lines = [l for l in open(os.path.join(case, "args")).read().splitlines() if l.strip()]
        for prep in lines[:-1]:
            p = subprocess.run([binary, "--root", root] + shlex.split(prep.replace("$ROOT", root)), env=env, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"FAIL {case}: preparatory step '{prep}' exited {p.returncode}\n{p.stdout}{p.stderr}")
                return 1
        p = subprocess.run([binary, "--root", root] + shlex.split(lines[-1].replace("$ROOT", root)), env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=120)
        got = {"stdout": p.stdout.replace(root, "$ROOT"), "stderr": p.stderr.replace(root, "$ROOT"),
               "rc": f"{p.returncode}\n"}
        failed = []
        for k, v in got.items():
            path = os.path.join(case, "expected." + k)
            if regen and (k != "stderr" or v or os.path.exists(path)):
                with open(path, "w") as f:
                    f.write(v)
                continue
            if not os.path.exists(path):
                if k == "stderr":
                    continue
                failed.append(f"missing expected.{k}")
                continue
            want = open(path).read()
            if want != v:
                import difflib
                diff = "".join(difflib.unified_diff(want.splitlines(True), v.splitlines(True), "expected." + k, "actual"))
                failed.append(f"{k} differs:\n{diff}")
        exp_tree = os.path.join(case, "expected-tree")
        for dirpath, _, files in os.walk(exp_tree):
            for fn in files:
                rel = os.path.relpath(os.path.join(dirpath, fn), exp_tree)
                actual = os.path.join(root, rel)
                if not os.path.exists(actual):
                    failed.append(f"/{rel} was not created")
                elif open(actual, "rb").read() != open(os.path.join(dirpath, fn), "rb").read():
                    failed.append(f"/{rel} differs from expected-tree")
        absent = os.path.join(case, "expected-absent")
        if os.path.exists(absent):
            for rel in open(absent).read().split():
                if os.path.lexists(os.path.join(root, rel.lstrip("/"))):
                    failed.append(f"{rel} exists but must not")
        if failed:
            print(f"FAIL {os.path.relpath(case, src)}")
            for f in failed:
                print("  " + f)
            return 1
        print(f"ok {os.path.relpath(case, src)}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
