#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Times `vfio-pilot --root TREE list --json` against `lspci -nn` on the same synthetic host.

    bench/list/bench.py [--devices 4000] [--runs 15] [--binary build/src/cli/vfio-pilot] [--tree DIR]

Builds (once, cached in build/bench-host-N unless --tree is given) a synthetic host of about N PCI
devices with tests/fixtures/mkhost.py --synthetic: GPUs with four functions, PCIe switches with
NVMe drives, SR-IOV NICs with their virtual functions. Then runs each command --runs times after a
warm-up run, and prints the median and best wall time of each and the ratio vfio-pilot / lspci.
lspci reads the same tree through its sysfs back end: -A linux-sysfs -O sysfs.path=TREE/sys/bus/pci.
Target: a ratio of at most 0.5 (vfio-pilot also reads groups, drivers, overrides, reset methods,
revisions, parents, SR-IOV and mdev, and renders JSON). vfio-pilot reads the devices with as many
threads as there are CPUs (at most 8; VP_THREADS=N overrides, 1 turns threads off); the CPU
columns show what that costs. Not a test: it prints numbers.
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, time

def timed(cmd, runs):
    """Median and best of wall time and of CPU time (user + system, which a busy machine disturbs less)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)   # warm the dentry and page caches
    wall, cpu = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        wall.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(wall), min(wall), statistics.median(cpu), min(cpu)

def main():
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--binary", default=os.path.join(src, "build/src/cli/vfio-pilot"))
    ap.add_argument("--tree")
    a = ap.parse_args()
    lspci = shutil.which("lspci") or "/usr/bin/lspci"
    tree = a.tree or os.path.join(src, "build", f"bench-host-{a.devices}")
    if not os.path.isdir(os.path.join(tree, "sys")):
        print(f"building a synthetic host of {a.devices} devices in {tree} ...", file=sys.stderr)
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(src, "tests/fixtures/mkhost.py"), "--synthetic", str(a.devices), tree], check=True)
    n = len(os.listdir(os.path.join(tree, "sys/bus/pci/devices")))
    groups = len(os.listdir(os.path.join(tree, "sys/kernel/iommu_groups")))
    vp = [a.binary, "--root", tree, "list", "--json"]
    lp = [lspci, "-nn", "-A", "linux-sysfs", "-O", f"sysfs.path={tree}/sys/bus/pci"]
    # Same devices on both sides, or the comparison means nothing.
    lines = subprocess.run(lp, capture_output=True, text=True, check=True).stdout.splitlines()
    if len(lines) != n:
        print(f"lspci sees {len(lines)} devices, the tree has {n}", file=sys.stderr)
        return 1
    vm, vb, vcm, vcb = timed(vp, a.runs)
    lm, lb, lcm, lcb = timed(lp, a.runs)
    threads = os.environ.get("VP_THREADS") or f"default: min({os.cpu_count()}, 8)"
    print(f"tree: {n} PCI devices, {groups} IOMMU groups ({tree}); {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"VP_THREADS {threads}")
    print(f"                          wall median / best      CPU (user+sys) median / best")
    print(f"vfio-pilot list --json : {vm * 1000:7.1f} / {vb * 1000:7.1f} ms       {vcm * 1000:7.1f} / {vcb * 1000:7.1f} ms")
    print(f"lspci -nn (sysfs)      : {lm * 1000:7.1f} / {lb * 1000:7.1f} ms       {lcm * 1000:7.1f} / {lcb * 1000:7.1f} ms")
    print(f"ratio vfio-pilot/lspci : {vm / lm:7.2f} / {vb / lb:7.2f}          {vcm / lcm:7.2f} / {vcb / lcb:7.2f}   (target <= 0.50)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
