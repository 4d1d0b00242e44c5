# Issue 16 §2: names with escape sequences and bytes that are not UTF-8 (a device link, a group
# directory) reach no terminal raw, keep --json valid UTF-8, and snapshot stores them and says so.
import os, subprocess, tarfile

ESC_DEV = b"\x1b[2J\x1b]0;pwned\x07\xfe"
ESC_GROUP = b"7\x1b[31m\xc2\x9b\xff"

def damage(root):
    os.symlink(b"../../../devices/pci0000:00/0000:00:01.0", os.path.join(root.encode(), b"sys/bus/pci/devices/" + ESC_DEV))
    os.makedirs(os.path.join(root.encode(), b"sys/kernel/iommu_groups/" + ESC_GROUP + b"/devices"))

def no_controls(t, label, data):
    bad = [c for c in data if (c < 0x20 and c not in (0x0a,)) or c == 0x7f]
    t.expect(not bad, f"{label}: {len(bad)} control bytes reach the terminal")
    t.expect(b"\xc2\x9b" not in data, f"{label}: a C1 CSI reaches the terminal")

def check(t):
    for args in (["list"], ["check"]):
        r = t.vp(*args)
        t.expect(r.rc in (0, 1) and r.err == b"", f"{' '.join(args)}: exit {r.rc}, stderr {r.err!r}")
        no_controls(t, " ".join(args), r.out)
    t.expect(b"\\x1b[2J\\x1b]0;pwned\\x07\\xfe" in t.vp("list").out, "list does not show the name's bytes as escapes")
    notes = t.vp("list", "--json").json()["notes"]
    t.expect(any("\x1b[2J\x1b]0;pwned\x07\ufffd" in n for n in notes), f"list --json notes: {notes!r}")
    t.vp("check", "--json")
    out = os.path.join(t.tmp, "snap.tar.gz")
    r = t.vp("--json", "snapshot", out)
    if t.expect(r.rc == 0, f"snapshot: exit {r.rc}: {r.err!r}"):
        notes = r.json()["notes"]
        t.expect(any("not UTF-8" in n and "/sys/bus/pci/devices/" in n for n in notes), f"snapshot does not name the entry: {notes!r}")
        with tarfile.open(out, encoding="utf-8", errors="surrogateescape") as tf:
            names = [m.name.encode("utf-8", "surrogateescape") for m in tf.getmembers()]
        t.expect(b"sys/bus/pci/devices/" + ESC_DEV in names, "the entry is not in the archive with its bytes")
    r = t.vp("snapshot", os.path.join(t.tmp, "snap2.tar.gz"))
    no_controls(t, "snapshot", r.out)
    # error lines name what was typed: escapes there reach stderr as text too
    r = t.vp("xml", "\x1b]0;pwned\x07\x1b[31m")
    t.expect(r.rc == 2 and b"\\x1b]0;pwned\\x07" in r.err, f"xml error line: {r.err!r}")
    no_controls(t, "xml error line", r.err.rstrip(b"\n"))
