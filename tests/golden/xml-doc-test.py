#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`vfio-pilot xml` prints one well-formed XML document (a <devices> element holding the
hostdevs, notes as comments), checked with xmllint on fixtures with one and several cards,
notes and guest addresses; `--split DIR` writes one well-formed <hostdev> file per function.
Usage: xml-doc-test.py VFIO-PILOT. Ends with "N passed, N failed"."""
import os, subprocess, sys, tempfile

binary = sys.argv[1]
src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)

def xmllint(text, what):
    p = subprocess.run(["xmllint", "--xpath", "name(/*)", "-"], input=text, capture_output=True, text=True)
    check(p.returncode == 0, f"{what}: xmllint: {p.stderr.strip()}")
    return p.stdout.strip()

with tempfile.TemporaryDirectory() as tmp:
    cases = [("two-identical-gpus", ["10de:2504", "--guest-slot", "6"], 4),
             ("fedora-igpu-rtx", ["01:00", "--rom-bar", "off"], 4),
             ("server-multi-gpu", ["4c:02.1"], 1),
             ("server-multi-gpu", ["18:00.0", "32:00.0", "4c:00.0"], None)]
    for i, (host, args, n) in enumerate(cases):
        root = os.path.join(tmp, f"h{i}")
        subprocess.run([sys.executable, os.path.join(src, "tests/fixtures/mkhost.py"),
                        os.path.join(src, "tests/fixtures/hosts", host + ".host"), root], check=True)
        p = subprocess.run([binary, "--root", root, "xml"] + args, capture_output=True, text=True)
        what = f"{host} xml {' '.join(args)}"
        check(p.returncode == 0, f"{what}: exit {p.returncode} {p.stderr}")
        check(xmllint(p.stdout, what) == "devices", f"{what}: root element is not <devices>")
        count = p.stdout.count("<hostdev ")
        check(count >= 1 and (n is None or count == n), f"{what}: {count} hostdevs, expected {n}")
        out = os.path.join(tmp, f"split{i}")
        p = subprocess.run([binary, "--root", root, "xml", "--split", out] + args, capture_output=True, text=True)
        check(p.returncode == 0, f"{what} --split: exit {p.returncode} {p.stderr}")
        files = sorted(os.listdir(out)) if os.path.isdir(out) else []
        check(len(files) == count, f"{what} --split: {len(files)} files for {count} hostdevs")
        for f in files:
            check(xmllint(open(os.path.join(out, f)).read(), f) == "hostdev", f"{f}: root element is not <hostdev>")
    # --split into a path that is a file: one line, exit 2, nothing written
    p = subprocess.run([binary, "--root", os.path.join(tmp, "h0"), "xml", "--split", binary, "01:00.0"], capture_output=True, text=True)
    check(p.returncode == 2 and p.stderr.count("\n") == 1, f"--split onto a file: exit {p.returncode} {p.stderr}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
