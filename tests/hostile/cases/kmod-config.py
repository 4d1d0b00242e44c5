# Issue 16 §2 "Reads through libkmod": libkmod gets only modprobe.d files read through the root
# handle. A link in etc/modprobe.d that points outside the root is not followed out of it, a
# garbage file makes one note (not a screen of libkmod errors), and nothing reaches stderr.
import os

SECRET = "vp-secret-outside-the-root"

def damage(root):
    outside = os.path.join(os.path.dirname(root), "outside.conf")
    with open(outside, "w") as f:
        f.write(f"alias {SECRET} {SECRET}\n{SECRET} garbage line\n")
    d = os.path.join(root, "etc/modprobe.d")
    os.makedirs(d, exist_ok=True)
    os.symlink(outside, os.path.join(d, "escape.conf"))               # absolute: resolves inside the root
    os.symlink("../../../outside.conf", os.path.join(d, "up.conf"))   # relative: clamped at the root
    with open(os.path.join(d, "00-garbage.conf"), "wb") as f:
        f.write(os.urandom(4096).replace(b"\n", b"x") + b"\n" + b"\xff\xfe junk\n" * 1000)
    with open(os.path.join(d, "good.conf"), "w") as f:
        f.write("# fine\noptions vfio-pci ids=10de:2484\nblacklist nouveau\n")

def check(t):
    for args in (["check"], ["check", "--json"], ["plan", "01:00.0"], ["plan", "--json", "01:00.0"]):
        r = t.vp(*args)
        t.expect(SECRET.encode() not in r.out + r.err, f"{' '.join(args)}: printed the content of a file outside the root")
        t.expect(r.err == b"" or args[0] == "plan", f"{' '.join(args)}: stderr {r.err[:300]!r}")
        t.expect(len(r.err.splitlines()) <= 2, f"{' '.join(args)}: {len(r.err.splitlines())} lines on stderr")
        t.expect(b"libkmod" not in r.err and b"kmod_" not in r.err, f"{' '.join(args)}: libkmod's messages passed through")
    c = {x["id"]: x for x in t.vp("check", "--json").json()["checks"]}
    summary = c["host.inputs"]["summary"]
    t.expect(c["host.inputs"]["level"] == "warn", "host.inputs does not warn about the garbage file")
    t.expect(summary.startswith("3 host files") and "e.g. /etc/modprobe.d/00-garbage.conf: 1001 lines that "
             "modprobe.d(5) does not define (first: line 1), ignored" in summary, f"no one-line note per file: {summary!r}")
    t.expect(c["vfio.module"]["level"] == "pass", "vfio.module no longer found through the copied indexes")
