#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""undo.sh (src/lib/undosh.h) under busybox: after `vfio-pilot apply`, the transaction's undo.sh run
  - inside the root:  chroot ROOT sh /var/lib/vfio-pilot/txn/0001/undo.sh   (busybox applets in the root)
  - from a live USB:  sh ROOT/var/lib/vfio-pilot/txn/0001/undo.sh ROOT      (PATH: only busybox's sh, cp,
                      mv, rm and chroot)
brings the tree back byte for byte (tests/txn/lib.py digest), leaves the journal "undone" so that
`vfio-pilot history` and `undo` agree; it refuses, changing nothing, when a file changed after the
transaction; a second run says there is nothing to do. Ends with "N passed, N failed"."""
import json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", SOURCE_DATE_EPOCH="1767225600")
SH = "var/lib/vfio-pilot/txn/0001/undo.sh"
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n  " + detail.replace("\n", "\n  ")))


def vp(binary, root, *args):
    return subprocess.run([binary, "--root", root, *args], env=ENV, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def main():
    binary = os.path.abspath(sys.argv[1])
    bb = shutil.which("busybox")
    if os.geteuid() != 0 or not bb:
        print("undo-sh: needs root and busybox; skipped")
        return 77
    with tempfile.TemporaryDirectory(prefix="vp-undosh-") as work:
        t0 = os.path.join(work, "pre")
        lib.make_tree(t0)
        # busybox applets inside the root, for the chroot form (a real root has coreutils)
        os.makedirs(os.path.join(t0, "vp-bb"))
        for a in ("cp", "mv", "rm", "chroot"):
            os.symlink("/bin/busybox", os.path.join(t0, "vp-bb", a))
        d0, e0 = lib.digest(t0)
        # a PATH with nothing but busybox's sh, cp, mv, rm and chroot (the live USB)
        bbdir = os.path.join(work, "bb")
        os.makedirs(bbdir)
        for a in ("sh", "cp", "mv", "rm", "chroot"):
            os.symlink(bb, os.path.join(bbdir, a))
        usb_env = {"PATH": bbdir}

        def applied(name):
            t = os.path.join(work, name)
            lib.copy_tree(t0, t)
            p = vp(binary, t, "apply", "--yes", lib.DEVICE)
            assert p.returncode == 0, p.stderr
            return t

        def agree(name, t, want_state):
            h = vp(binary, t, "--json", "history")
            states = [x["state"] for x in json.loads(h.stdout)["transactions"]] if h.returncode == 0 else []
            u = vp(binary, t, "undo")
            check(f"{name}: history says {want_state}, undo has nothing left", states == [want_state] and u.returncode == 2,
                  f"history {states}, undo rc {u.returncode}: {u.stderr}")

        # 1. from a live USB
        t = applied("usb")
        p = subprocess.run([os.path.join(bbdir, "sh"), os.path.join(t, SH), t], env=usb_env, capture_output=True, text=True)
        d, e = lib.digest(t)
        check("live-USB form restores the tree byte for byte", p.returncode == 0 and d == d0,
              f"rc {p.returncode}\n{p.stdout}{p.stderr}\n{lib.diff_entries(e0, e)}")
        agree("live-USB form", t, "undone")
        p = subprocess.run([os.path.join(bbdir, "sh"), os.path.join(t, SH), t + "/"], env=usb_env, capture_output=True, text=True)
        check("a second run has nothing to do", p.returncode == 0 and "undone already" in p.stdout, p.stdout + p.stderr)

        # 2. inside the root
        t = applied("chroot")
        p = subprocess.run(["chroot", t, "/bin/sh", "/" + SH], env={"PATH": "/vp-bb:/usr/bin:/usr/sbin"},
                           capture_output=True, text=True)
        d, e = lib.digest(t)
        check("chroot form restores the tree byte for byte", p.returncode == 0 and d == d0,
              f"rc {p.returncode}\n{p.stdout}{p.stderr}\n{lib.diff_entries(e0, e)}")
        agree("chroot form", t, "undone")

        # 3. a file changed after the transaction: refused, nothing changed
        t = applied("changed")
        with open(os.path.join(t, "etc/kernel/cmdline"), "a") as f:
            f.write("# edited by hand\n")
        d1, e1 = lib.digest(t)
        p = subprocess.run([os.path.join(bbdir, "sh"), os.path.join(t, SH), t], env=usb_env, capture_output=True, text=True)
        d, e = lib.digest(t)
        check("refuses when a file changed after the transaction, and changes nothing",
              p.returncode == 1 and "/etc/kernel/cmdline changed after transaction 0001" in p.stderr and d == d1
              and lib.state(t) == "applied", f"rc {p.returncode}\n{p.stdout}{p.stderr}\n{lib.diff_entries(e1, e)}")
        u = vp(binary, t, "undo")
        check("vfio-pilot undo refuses the same file", u.returncode == 5 and "/etc/kernel/cmdline" in u.stderr, u.stderr)

        # 4. a symbolic link on the way (from outside the root): refused
        t = applied("link")
        os.rename(os.path.join(t, "etc/kernel"), os.path.join(t, "etc/kernel.real"))
        os.symlink("/tmp", os.path.join(t, "etc/kernel"))
        p = subprocess.run([os.path.join(bbdir, "sh"), os.path.join(t, SH), t], env=usb_env, capture_output=True, text=True)
        check("refuses a symbolic link on the way from a live USB", p.returncode == 1 and "symbolic link" in p.stderr
              and lib.state(t) == "applied", p.stdout + p.stderr)

        # 5. a failing rebuild: undo-failed, then undo.sh again finishes
        t = applied("fails")
        open(os.path.join(t, "vp-fail-dracut"), "w").close()
        p = subprocess.run([os.path.join(bbdir, "sh"), os.path.join(t, SH), t], env=usb_env, capture_output=True, text=True)
        check("a failing rebuild leaves undo-failed", p.returncode == 1 and lib.state(t) == "undo-failed", p.stdout + p.stderr)
        os.unlink(os.path.join(t, "vp-fail-dracut"))
        u = vp(binary, t, "undo")
        d, e = lib.digest(t)
        check("vfio-pilot undo finishes after undo.sh failed", u.returncode == 0 and d == d0 and lib.state(t) == "undone",
              f"rc {u.returncode}: {u.stderr}\n{lib.diff_entries(e0, e)}")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
