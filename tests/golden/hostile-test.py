#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile host trees: list and check on damaged copies of a fixture must give a clear
one-line error or "unknown", never a crash, a hang or a traceback-like mess.

Each case damages a fresh tree of tests/fixtures/hosts/fedora-igpu-rtx.host, then runs
`list`, `list --json` and `check --json` under a 20 s timeout and asserts:
the exit code is 0/1 (or 2 with exactly one "vfio-pilot: ..." line), no signal,
JSON parses, and the note (or value) that names the damage is there.
"""
import json, os, shutil, subprocess, sys, tempfile

DEV = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
AUD = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1"
BDEV = "/sys/bus/pci/devices/0000:01:00.0"   # notes name the logical path

def w(root, rel, data, mode="w"):
    p = os.path.join(root, rel)
    if os.path.lexists(p) and not os.path.isdir(p):
        os.unlink(p)
    with open(p, mode) as f:
        f.write(data)

def rm(root, rel):
    p = os.path.join(root, rel)
    if os.path.islink(p) or os.path.isfile(p):
        os.unlink(p)
    elif os.path.isdir(p):
        shutil.rmtree(p)

def link(root, rel, target):
    rm(root, rel)
    os.symlink(target, os.path.join(root, rel))

def fifo(root, rel):
    rm(root, rel)
    os.mkfifo(os.path.join(root, rel))

def big(root, rel):
    rm(root, rel)
    with open(os.path.join(root, rel), "wb") as f:
        f.truncate(1 << 30)   # 1 GiB, sparse: costs no disk

CASES = {
    # name: (damage(root), [(command, predicate(json-or-text) description)])
    "missing-attributes": (lambda r: [rm(r, f"{DEV}/{a}") for a in ("uevent", "vendor", "class", "driver_override", "revision")],
                           lambda d, c, t: dev(d, "0000:01:00.0")["vendor_id"] is None and dev(d, "0000:01:00.0")["class_name"] == "unknown"),
    "garbage-values": (lambda r: [w(r, f"{DEV}/{a}", b"\xff\xfe\x00junk\x01\n", "wb") for a in ("uevent", "vendor", "class", "device")],
                       lambda d, c, t: dev(d, "0000:01:00.0")["vendor_id"] is None and has_note(d, BDEV + "/vendor: invalid content")),
    "non-utf8-text": (lambda r: (w(r, f"{DEV}/driver_override", b"vfio\xff\xfe-pci\n", "wb"), w(r, f"{DEV}/reset_method", b"flr \x1b[31mbus\n", "wb"),
                                 w(r, "proc/cmdline", b"ro quiet \xc3\x28\n", "wb"), w(r, f"{AUD}/uevent", b"DRIVER=snd\xff\nPCI_CLASS=40300\nPCI_ID=10DE:10F8\nPCI_SUBSYS_ID=1043:866A\n", "wb"),
                                 link(r, f"{AUD}/driver", "../../../../bus/pci/drivers/snd\udcff")),
                      lambda d, c, t: has_note(d, BDEV + "/driver_override: invalid content")
                      and has_note(d, BDEV + "/reset_method: invalid content")
                      and has_note(d, "/proc/cmdline: invalid content") and has_note(d, "0000:01:00.1/uevent: invalid content")
                      and dev(d, "0000:01:00.1")["driver"] == "unknown"),
    "group-link-nowhere": (lambda r: link(r, f"{AUD}/iommu_group", "../../../../kernel/iommu_groups/99"),
                           lambda d, c, t: has_note(d, "0000:01:00.1/iommu_group: points to a group that does not exist")
                           and dev(d, "0000:01:00.1")["iommu_group"] is None),
    "group-link-garbage": (lambda r: link(r, f"{AUD}/iommu_group", "../../../../kernel/iommu_groups/x7"),
                           lambda d, c, t: has_note(d, "iommu_group: link does not name a group number")),
    "non-numeric-group-dir": (lambda r: os.makedirs(os.path.join(r, "sys/kernel/iommu_groups/bogus/devices")),
                              lambda d, c, t: has_note(d, "/sys/kernel/iommu_groups/bogus: not a group number, ignored")
                              and len(d["groups"]) == 11),
    "device-name-not-an-address": (lambda r: link(r, "sys/bus/pci/devices/not-a-device", f"../../../{DEV}"),
                                   lambda d, c, t: has_note(d, "/sys/bus/pci/devices/not-a-device: not a PCI address, ignored")),
    "device-link-dangling": (lambda r: link(r, "sys/bus/pci/devices/0000:07:00.0", "../../../devices/pci0000:00/nowhere/0000:07:00.0"),
                             lambda d, c, t: has_note(d, "0000:07:00.0: link does not resolve")
                             and dev(d, "0000:07:00.0")["class_name"] == "unknown"),
    "symlink-loops": (lambda r: (link(r, f"{DEV}/driver_override", "driver_override"),
                                 link(r, "sys/bus/pci/devices/0000:08:00.0", "0000:08:00.0"),
                                 link(r, "proc/cmdline", "../proc/cmdline")),
                      lambda d, c, t: has_note(d, BDEV + "/driver_override: symlink loop")
                      and has_note(d, "0000:08:00.0") and c["iommu.cmdline"]["level"] == "skip"),
    "one-gib-attribute": (lambda r: (big(r, f"{DEV}/uevent"), big(r, f"{DEV}/vendor"), big(r, "proc/cpuinfo")),
                          lambda d, c, t: has_note(d, BDEV + "/vendor: file too large") and c["cpu.virt"]["level"] == "skip"),
    "fifo-attributes": (lambda r: (fifo(r, f"{DEV}/driver_override"), fifo(r, f"{DEV}/uevent"), fifo(r, "proc/cmdline"),
                                   fifo(r, "sys/kernel/iommu_groups/1/type")),
                        lambda d, c, t: has_note(d, BDEV + "/driver_override: not a regular file")
                        and c["iommu.cmdline"]["level"] == "skip"),
    "directory-where-file": (lambda r: (rm(r, f"{DEV}/revision"), os.mkdir(os.path.join(r, f"{DEV}/revision"))),
                             lambda d, c, t: has_note(d, BDEV + "/revision: a directory where a file was expected")),
    "unreadable-files": (lambda r: [os.chmod(os.path.join(r, p), 0) for p in (f"{DEV}/uevent", f"{DEV}/vendor", "proc/cpuinfo")],
                         lambda d, c, t: has_note(d, BDEV + "/vendor: permission denied") and c["cpu.virt"]["level"] == "skip"),
    "no-sys-at-all": (lambda r: rm(r, "sys"),
                      None),   # not a host tree (no sys/): exit 2 with one line, not a clean report of nothing
    "pci-devices-is-a-file": (lambda r: (rm(r, "sys/bus/pci/devices"), w(r, "sys/bus/pci/devices", "x\n")),
                              None),   # the host cannot be read: exit 2 with one line
}

def dev(doc, addr):
    for d in doc["ungrouped"] + [d for g in doc["groups"] for d in g["devices"]]:
        if d["address"] == addr:
            return d
    raise AssertionError(f"{addr} not listed")

def error_doc(out, code):
    try:
        e = json.loads(out.decode("utf-8"))["error"]
        return e["exit_code"] == code and e["message"]
    except (ValueError, KeyError, TypeError):
        return False

def has_note(doc, text):
    return any(text in n for n in doc.get("notes", []))

def main():
    binary, src = sys.argv[1], os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    only = sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="vp-hostile-")
    base = os.path.join(tmp, "base")
    subprocess.run([sys.executable, os.path.join(src, "tests/fixtures/mkhost.py"),
                    os.path.join(src, "tests/fixtures/hosts/fedora-igpu-rtx.host"), base], check=True)
    drop = []
    if os.geteuid() == 0 and shutil.which("setpriv"):   # root reads mode-000 files: drop privileges
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        os.chmod(tmp, 0o755)
    failed = 0
    try:
        for name, (damage, pred) in CASES.items():
            if only and name not in only:
                continue
            if name == "unreadable-files" and os.geteuid() == 0 and not drop:
                print("ok unreadable-files (skipped: running as root without setpriv, every file is readable)")
                continue
            root = os.path.join(tmp, name)
            shutil.copytree(base, root, symlinks=True)
            damage(root)
            problems, outs = [], {}
            for args in (["list", "--json"], ["check", "--json"], ["list"], ["check"]):
                cmd = drop + [binary, "--root", root] + args
                try:
                    p = subprocess.run(cmd, capture_output=True, timeout=20, env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
                except subprocess.TimeoutExpired:
                    problems.append(f"{' '.join(args)}: hung (killed after 20 s)")
                    continue
                err = p.stderr.decode("utf-8", "replace")
                if p.returncode < 0:
                    problems.append(f"{' '.join(args)}: killed by signal {-p.returncode}")
                elif pred is None:
                    # text: nothing on stdout; --json: exactly the error document (docs/json.md)
                    if p.returncode != 2 or len(err.splitlines()) != 1 or not err.startswith("vfio-pilot: ") \
                            or (p.stdout if "--json" not in args else not error_doc(p.stdout, 2)):
                        problems.append(f"{' '.join(args)}: want exit 2 and one error line, got {p.returncode}: {err!r} {p.stdout[:200]!r}")
                elif p.returncode not in (0, 1) or err:
                    problems.append(f"{' '.join(args)}: exit {p.returncode}, stderr {err!r}")
                else:
                    try:
                        outs[" ".join(args)] = p.stdout.decode("utf-8")
                    except UnicodeDecodeError as e:
                        problems.append(f"{' '.join(args)}: output is not UTF-8: {e}")
            if pred and not problems:
                try:
                    d = json.loads(outs["list --json"])   # also proves the JSON is valid UTF-8
                    c = {x["id"]: x for x in json.loads(outs["check --json"])["checks"]}
                    if not pred(d, c, outs["list"]):
                        problems.append("the damage is not reported as expected; notes: " + json.dumps(d.get("notes")))
                    if d.get("notes") and c["host.inputs"]["level"] != "warn":
                        problems.append("host.inputs must warn when notes exist")
                except (ValueError, KeyError, AssertionError) as e:
                    problems.append(f"unexpected output: {e!r}")
            print(("FAIL " if problems else "ok ") + name)
            for pr in problems:
                print("   ", pr)
            failed += bool(problems)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", tmp])
        shutil.rmtree(tmp, ignore_errors=True)
    ran = len([n for n in CASES if not only or n in only])
    print(f"{ran - failed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
