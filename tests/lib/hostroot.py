# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host roots for the suites that drive vfio-pilot from outside (tests/fleet, tests/cockpit): a tree
built from a fixture description and made runnable chrooted, and a digest of what apply and undo
may change."""
import hashlib, os, shutil, subprocess, sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_root(desc, root):
    """tests/fixtures/hosts/DESC.host built at ROOT, with the recording stand-in tools of the golden
    plan cases, and the BLS-editing grubby stand-in where the host has grubby."""
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "fixtures", "mkhost.py"),
                    os.path.join(SRC, "tests", "fixtures", "hosts", desc + ".host"), root], check=True, capture_output=True)
    subprocess.run(["sh", os.path.join(SRC, "tests", "golden", "plan", "lib", "standins.sh")], check=True,
                   env=dict(os.environ, ROOT=root))
    grubby = os.path.join(root, "usr", "sbin", "grubby")
    if os.path.exists(grubby):
        shutil.copy(os.path.join(SRC, "tests", "golden", "recover", "lib", "grubby.sh"), grubby)


def digest(root, skip=()):
    """Every file's path, mode and content (link targets for links), leaving out the journal under
    var/lib/vfio-pilot, the stand-ins' call log and the relative paths in skip."""
    h = hashlib.sha256()
    for d, dirs, files in os.walk(root):
        dirs.sort()
        if os.path.relpath(d, root).startswith(os.path.join("var", "lib", "vfio-pilot")):
            continue
        for f in sorted(files):
            p = os.path.join(d, f)
            r = os.path.relpath(p, root)
            if r == "vp-calls.log" or r in skip:
                continue
            h.update(r.encode() + b"\0" + oct(os.lstat(p).st_mode).encode() + b"\0")
            if os.path.islink(p):
                h.update(os.readlink(p).encode())
            else:
                with open(p, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()
