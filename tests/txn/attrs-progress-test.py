#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Owner, group, mode and extended attributes of the files apply replaces survive apply and undo;
a file with other hard links gets a warning in the plan; the progress of external steps: announced
with the command and the elapsed time, the command's own output streamed indented under a pty
(script(1)), always kept in the transaction's log; a failing step shows its last lines, and after
`rollback failed` the output says what is left and `undo` of that transaction works.
Ends with "N passed, N failed"."""
import os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", SOURCE_DATE_EPOCH="1767225600", COLUMNS="120")
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n  " + detail.replace("\n", "\n  ")))


def vp(binary, root, *args):
    return subprocess.run([binary, "--root", root, *args], env=ENV, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def attrs(p):
    st = os.lstat(p)
    x = {}
    try:
        x = {k: os.getxattr(p, k) for k in os.listxattr(p)}
    except OSError:
        pass
    return (st.st_uid, st.st_gid, st.st_mode & 0o7777, x)


def main():
    binary = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0 or not shutil.which("busybox"):
        print("attrs-progress: needs root and busybox; skipped")
        return 77
    with tempfile.TemporaryDirectory(prefix="vp-attrs-") as work:
        t0 = os.path.join(work, "pre")
        lib.make_tree(t0)
        grub = os.path.join(t0, "etc/default/grub")
        os.chown(grub, 123, 456)
        os.chmod(grub, 0o640)
        xattr_ok = True
        try:
            os.setxattr(grub, "user.vp-test", b"kept\x00\x01")
        except OSError:
            xattr_ok = False  # a file system without user xattrs: owner and mode are still checked
        os.link(os.path.join(t0, "etc/kernel/cmdline"), os.path.join(t0, "etc/cmdline.hardlink"))
        before = attrs(grub)
        d0, e0 = lib.digest(t0)

        t = os.path.join(work, "t")
        lib.copy_tree(t0, t)
        p = vp(binary, t, "plan", lib.DEVICE)
        check("plan warns about the hard link", "/etc/kernel/cmdline has 1 other hard link" in p.stdout, p.stdout[-1500:])
        p = vp(binary, t, "apply", "--yes", lib.DEVICE)
        g = os.path.join(t, "etc/default/grub")
        changed = open(g, "rb").read() != open(grub, "rb").read()
        check("apply keeps owner, group, mode" + (" and xattrs" if xattr_ok else "") + " of a file it replaces",
              p.returncode == 0 and changed and attrs(g) == before, f"{attrs(g)} != {before}\n{p.stderr}")
        # progress without a tty: announced and timed, output not streamed, kept in the log
        check("steps announced with command and time", re.search(r"==> rebuild the initramfs.*\n    \$ dracut .*\n    done in \d+ s",
                                                              p.stderr) is not None and "dracut: wrote" not in p.stderr, p.stderr)
        log = open(os.path.join(t, "var/lib/vfio-pilot/txn/0001/log")).read()
        check("the transaction's log keeps each command's output", "$ dracut --force --regenerate-all" in log
              and "dracut: wrote /boot/vp-initramfs.img" in log and "[exit 0," in log, log)
        u = vp(binary, t, "undo")
        d, e = lib.digest(t)
        check("undo restores content, owner, group, mode and xattrs byte for byte", u.returncode == 0 and d == d0,
              u.stderr + lib.diff_entries(e0, e))

        # under a pty: the command's output streamed, indented
        t = os.path.join(work, "pty")
        lib.copy_tree(t0, t)
        cmd = f"{binary} --root {t} apply --yes {lib.DEVICE}"
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=ENV, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        out = p.stdout.replace("\r\n", "\n")
        check("on a tty the command's output is streamed, indented",
              re.search(r"    \$ dracut --force --regenerate-all\n    dracut: building from \d+ lines\n    dracut: wrote "
                        r"/boot/vp-initramfs.img\n    done in \d+ s", out) is not None, out[-2000:])

        # a step that fails, and fails again in the rollback: its last lines, what is left, undo works
        t = os.path.join(work, "fail")
        lib.copy_tree(t0, t)
        open(os.path.join(t, "vp-fail-dracut"), "w").close()
        p = vp(binary, t, "apply", "--yes", lib.DEVICE)
        check("a failing step shows its last lines", "failed: exit 1 after" in p.stderr and
              "    its last lines:\n    dracut: simulated failure (remove /vp-fail-dracut)" in p.stderr, p.stderr)
        check("rollback failed: says what is left and how to finish", p.returncode == 3 and
              "left to do for transaction 0001:\n  - command 'dracut --force --regenerate-all' exited 1" in p.stderr and
              "`vfio-pilot undo 0001`" in p.stderr and "undo.sh" in p.stderr, p.stderr)
        s = vp(binary, t, "status")
        check("status names the failed rollback", "transaction 0001 is rollback-failed" in s.stderr, s.stderr)
        os.unlink(os.path.join(t, "vp-fail-dracut"))
        u = vp(binary, t, "undo", "0001")
        d, e = lib.digest(t)
        check("undo of a rollback-failed transaction works (not \"not applied\")", u.returncode == 0 and d == d0
              and lib.state(t) == "rolled-back", u.stderr + lib.diff_entries(e0, e))
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
