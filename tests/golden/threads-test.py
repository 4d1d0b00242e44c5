#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The threaded paths give the single-threaded output, byte for byte.

On a synthetic host big enough for every parallel path (devices read by several threads,
the JSON groups table written in slices and waves), `list --json`, `list` and `check --json`
with VP_THREADS=1 must equal their output with 2, 3 and 8 threads; notes from garbled
attributes must keep their order. Usage: threads-test.py VFIO_PILOT
"""
import os, shutil, subprocess, sys, tempfile

def main():
    binary = sys.argv[1]
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix="vp-threads-")
    fails = []
    try:
        root = os.path.join(tmp, "root")
        subprocess.run([sys.executable, os.path.join(src, "tests/fixtures/mkhost.py"), "--synthetic", "1200", root],
                       check=True, stdout=subprocess.DEVNULL)
        devs = sorted(os.listdir(os.path.join(root, "sys/bus/pci/devices")))
        # Garble attributes of devices spread over the list, so that several threads note them.
        for a in devs[5::97]:
            d = os.path.join(root, "sys/bus/pci/devices", a)
            with open(os.path.join(d, "reset_method"), "wb") as f:
                f.write(b"flr \x1b[31m\n")
        env = dict(os.environ, LC_ALL="C", NO_COLOR="1", COLUMNS="200")
        for args in (["list", "--json"], ["list"], ["check", "--json"]):
            outs = {}
            for t in ("1", "2", "3", "8"):
                p = subprocess.run([binary, "--root", root, *args], env=dict(env, VP_THREADS=t),
                                   capture_output=True, timeout=120)
                outs[t] = (p.returncode, p.stdout, p.stderr)
            for t in ("2", "3", "8"):
                if outs[t] != outs["1"]:
                    fails.append(f"{' '.join(args)}: VP_THREADS={t} differs from VP_THREADS=1")
            if args == ["list", "--json"]:
                text = outs["1"][1].decode()
                n_notes = text.count("reset_method: invalid content")
                if n_notes != len(devs[5::97]):
                    fails.append(f"list --json: {n_notes} reset_method notes, want {len(devs[5::97])}")
                if text.count('"address"') != len(devs):
                    fails.append(f"list --json: {text.count(chr(34) + 'address' + chr(34))} device rows, want {len(devs)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL", f)
    print("FAIL threads" if fails else "ok threads: 1, 2, 3 and 8 threads give the same bytes")
    return 1 if fails else 0

if __name__ == "__main__":
    sys.exit(main())
