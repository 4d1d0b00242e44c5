#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""snapshot round trip: for each fixture host, `snapshot` the tree, unpack the archive, and
require list and check (text and JSON) on the unpacked snapshot to equal list and check on
the fixture itself. Also: symlinks stay relative symlinks, no file over 1 MiB, the output is
replaced atomically (no temporary file left), and a bad output path is one error line, exit 2."""
import os, shutil, subprocess, sys, tarfile, tempfile

HOSTS = ["fedora-igpu-rtx", "amd-ryzen-apu", "plx-switch-two-gpus", "fedora-atomic", "intel-no-iommu", "already-bound",
         "arch-systemd-boot", "popos-kernelstub", "intel-gvt",
         "nvme-root", "lvm-luks-root", "md-raid1-bond", "intel-iommu-on-inactive"]
# Verdicts that read more than list and check do (hostneeds.c: mounts, swap, routes, sysfs block and
# net trees; firmware.c): they too must come out the same from the snapshot.
EXTRA = {"nvme-root": [["check", "02:00.0"], ["plan", "00:17.0"], ["plan", "00:1f.6"]],
         "lvm-luks-root": [["check", "04:00.0"], ["plan", "05:00.0"], ["list", "--json"]],
         "md-raid1-bond": [["check", "67:00.0"], ["plan", "4c:00.1"], ["check", "--json", "66:00.0"]],
         "intel-iommu-on-inactive": [["plan", "01:00.0"], ["recommend"]]}

def run(binary, root, *args):
    p = subprocess.run([binary, "--root", root, *args], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
    return p.returncode, p.stdout.replace(root, "$ROOT"), p.stderr

def main():
    binary = sys.argv[1]
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix="vp-snapshot-")
    fails = []
    try:
        for host in HOSTS:
            tree = os.path.join(tmp, host)
            subprocess.run([sys.executable, os.path.join(src, "tests/fixtures/mkhost.py"),
                            os.path.join(src, "tests/fixtures/hosts", host + ".host"), tree], check=True)
            with open(os.path.join(tree, "dev/kmsg"), "w") as f:   # a stored kernel log, as a fixture has it
                f.write("6,1,0,-;DMAR: Intel(R) Virtualization Technology for Directed I/O\n")
            # A warning whose fix depends on the boot loader, so that check's output also shows
            # that the platform (distribution, boot loader tools and files) survived the round trip.
            cmdline = os.path.join(tree, "proc/cmdline")
            text = open(cmdline).read().strip()
            with open(cmdline, "w") as f:
                f.write(text + " pcie_acs_override=downstream\n")
            out = os.path.join(tmp, host + ".tar.gz")
            rc, so, se = run(binary, tree, "snapshot", out)
            if rc != 0:
                fails.append(f"{host}: snapshot exited {rc}: {se}")
                continue
            left = [f for f in os.listdir(tmp) if f.startswith("." + host)]
            if left:
                fails.append(f"{host}: temporary files left: {left}")
            unpacked = os.path.join(tmp, host + "-unpacked")
            os.mkdir(unpacked)
            with tarfile.open(out) as t:
                for m in t.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/"):
                        fails.append(f"{host}: unsafe member {m.name}")
                    if m.issym() and m.linkname.startswith("/"):
                        fails.append(f"{host}: absolute symlink {m.name} -> {m.linkname}")
                    if m.isfile() and m.size > 1 << 20:
                        fails.append(f"{host}: {m.name} is {m.size} bytes")
                names = t.getnames()
                t.extractall(unpacked)
            if "sys/bus/pci/devices" not in names or not any(n.endswith("/uevent") for n in names):
                fails.append(f"{host}: the archive lacks the PCI devices")
            if "var/log/vfio-pilot-kmsg.txt" not in names:
                fails.append(f"{host}: the kernel log is missing")
            link = os.path.join(unpacked, "sys/bus/pci/devices", sorted(os.listdir(os.path.join(tree, "sys/bus/pci/devices")))[0])
            if not os.path.islink(link) or os.readlink(link) != os.readlink(link.replace(unpacked, tree)):
                fails.append(f"{host}: sys/bus/pci/devices links are not kept as the same relative links")
            for args in [["list"], ["list", "--json"], ["check"], ["check", "--json"]] + EXTRA.get(host, []):
                want, got = run(binary, tree, *args), run(binary, unpacked, *args)
                if want != got:
                    fails.append(f"{host}: {' '.join(args)} differs on the unpacked snapshot")
            print(("FAIL " if any(f.startswith(host + ":") for f in fails) else "ok ") + host)
        rc, so, se = run(binary, os.path.join(tmp, HOSTS[0]), "snapshot", os.path.join(tmp, "no/such/dir/x.tar.gz"))
        if rc != 2 or len(se.splitlines()) != 1:
            fails.append(f"bad output path: want exit 2 and one line, got {rc}: {se!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL", f)
    bad = len({f.split(":")[0] for f in fails})
    print(f"{len(HOSTS) + 1 - bad} passed, {bad} failed")
    return 1 if fails else 0

if __name__ == "__main__":
    sys.exit(main())
