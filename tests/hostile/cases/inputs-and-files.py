# Issue 16 §2 and §3 under the sanitizers: endless and binary logs, a line without a newline, a NUL
# byte in a file plan must edit, a 2 MB /etc/kernel/cmdline, a corrupt journal file, option errors.
import hashlib, os, time

HOST = "ubuntu-grub"


def damage(root):
    with open(os.path.join(root, "etc/default/grub"), "ab") as f:
        f.write(b"# a NUL \x00 byte the editors must not cut the file at\n")
    os.makedirs(os.path.join(root, "etc/kernel"), exist_ok=True)
    with open(os.path.join(root, "etc/kernel/cmdline"), "w") as f:
        f.write(" ".join(f"opt{i}=v{i}" for i in range(200000)) + "\n")
    jdir = os.path.join(root, "var/log/journal/0123456789abcdef0123456789abcdef")
    os.makedirs(jdir, exist_ok=True)
    with open(os.path.join(jdir, "system.journal"), "wb") as f:
        f.write(b"LPKSHHRH" + os.urandom(4096))
    with open(os.path.join(root, "no-newline.log"), "wb") as f:
        f.write(b"vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem 0xc0000000-0xcfffffff 64bit pref]")


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def check(t):
    for src in ("/dev/zero", "/dev/urandom"):
        r = t.vp("diagnose", "--no-host", "--file", src, timeout=30)
        t.expect(r.rc == 2, f"diagnose --file {src}: exit {r.rc}, want 2 (binary input refused)")
    r = t.vp("diagnose", "--no-host", "--json", "--file", os.path.join(t.root, "no-newline.log"))
    t.expect(r.rc in (0, 1) and r.json()["summary"]["lines"] == 1, "a last line without a newline is a line")
    grub = os.path.join(t.root, "etc/default/grub")
    before = digest(grub)
    r = t.vp("plan", "01:00.0")
    t.expect(r.rc == 2 and b"NUL" in r.err, f"plan with a NUL byte in /etc/default/grub: exit {r.rc}, want 2 naming it")
    t.expect(digest(grub) == before, "/etc/default/grub changed")
    os.unlink(grub)
    t0 = time.monotonic()
    r = t.vp("plan", "01:00.0", "--bootloader", "systemd-boot", timeout=60)
    t.expect(time.monotonic() - t0 < 20, "a plan over a 2 MB /etc/kernel/cmdline took over 20 s")
    r = t.vp("diagnose", "--json")
    srcs = {s["name"]: s for s in r.json().get("sources", [])} if r.rc in (0, 1) else {}
    t.expect(any(s["status"] == "unreadable" and "system.journal" in (s.get("note") or "") for s in srcs.values()),
             f"a corrupt journal file is not named as unreadable: {srcs}")
    r = t.vp("diagnose", "--file")
    t.expect(r.rc == 2 and b"needs a value" in r.err, "diagnose --file without a value")
