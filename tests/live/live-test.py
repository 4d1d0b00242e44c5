#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""list and check on this machine's own /sys (the CI machine: a VM without an IOMMU).

Asserts what they must say there: the IOMMU is inactive with the virtual-machine reason,
check exits 1 with iommu.enabled failing, the JSON parses, and every device of
/sys/bus/pci/devices is listed. When this machine does have an IOMMU (a developer's
workstation), the IOMMU assertions flip instead of failing.
"""
import json, os, subprocess, sys

def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
    return p.returncode, p.stdout, p.stderr

def main():
    binary = sys.argv[1]
    fails = []
    def expect(cond, what):
        if not cond:
            fails.append(what)

    def by_name(out, cmd, key, name):
        """The objects of out's array `key`, by their `name` field; {} (noted) when out does not parse."""
        try:
            return {x[name]: x for x in json.loads(out)[key]}
        except (ValueError, KeyError, TypeError) as e:
            fails.append(f"{cmd} --json does not parse: {e}")
            return {}

    groups = os.listdir("/sys/kernel/iommu_groups") if os.path.isdir("/sys/kernel/iommu_groups") else []
    has_iommu = len(groups) > 0
    in_vm = " hypervisor " in " " + open("/proc/cpuinfo").read().replace("\n", " ") + " "
    devices = sorted(os.listdir("/sys/bus/pci/devices")) if os.path.isdir("/sys/bus/pci/devices") else []

    rc, out, err = run(binary, "list", "--json")
    expect(rc == 0, f"list --json exited {rc}: {err.strip()}")
    try:
        doc = json.loads(out)
    except ValueError as e:
        doc = None
        fails.append(f"list --json does not parse: {e}")
    if doc:
        listed = sorted([d["address"] for g in doc["groups"] for d in g["devices"]] +
                        [d["address"] for d in doc["ungrouped"]])
        expect(listed == devices, f"list shows {len(listed)} devices, /sys/bus/pci/devices has {len(devices)}: "
               f"missing {sorted(set(devices) - set(listed))}, extra {sorted(set(listed) - set(devices))}")
        expect(doc["iommu"]["active"] == has_iommu, f"iommu.active is {doc['iommu']['active']}, groups exist: {has_iommu}")
        expect(len(doc["groups"]) == len(groups), f"{len(doc['groups'])} groups listed, {len(groups)} in /sys")
        if not has_iommu:
            reason = doc["iommu"]["reason"] or ""
            expect(doc["iommu"]["vendor"] is None, "vendor must be null without an IOMMU")
            expect(reason.startswith("No IOMMU groups"), f"reason: {reason!r}")
            if in_vm:
                expect("virtual machine" in reason, f"the reason must name the VM: {reason!r}")
        for d in doc["ungrouped"] + [d for g in doc["groups"] for d in g["devices"]]:
            base = f"/sys/bus/pci/devices/{d['address']}"
            want = open(base + "/vendor").read().strip()[2:]
            expect(d["vendor_id"] == want, f"{d['address']}: vendor_id {d['vendor_id']} != {want}")
            drv = os.path.basename(os.readlink(base + "/driver")) if os.path.islink(base + "/driver") else None
            expect(d["driver"] == drv, f"{d['address']}: driver {d['driver']} != {drv}")

    rc, out, err = run(binary, "list")
    expect(rc == 0 and out.startswith("IOMMU:"), f"list (text) exited {rc}")
    for a in devices:
        expect(a in out, f"list (text) does not show {a}")

    rc, out, err = run(binary, "check", "--json")
    checks = by_name(out, "check", "checks", "id")
    if checks:
        failed = any(c["level"] == "fail" for c in checks.values())
        expect(rc == (1 if failed else 0), f"check exited {rc}, a check failed: {failed}")
        for c in checks.values():
            expect(c["level"] in ("pass", "warn", "fail", "skip"), f"{c['id']}: level {c['level']}")
            expect((c["fix"] is not None) == (c["level"] in ("warn", "fail")), f"{c['id']}: fix must come with warn/fail only")
        if not has_iommu:
            expect(checks["iommu.enabled"]["level"] == "fail", "iommu.enabled must fail without groups")
            expect(rc == 1, f"check must exit 1 without an IOMMU, exited {rc}")
            if in_vm:
                expect("virtual machine" in checks["iommu.enabled"]["summary"], "iommu.enabled must name the VM")
            expect(checks["iommu.interrupt_remapping"]["level"] == "skip", "IR must be skipped without an IOMMU")
        else:
            expect(checks["iommu.enabled"]["level"] == "pass", "iommu.enabled must pass with groups")
        expect(checks["kvm.device"]["level"] == ("pass" if os.path.exists("/dev/kvm") else "fail"), "kvm.device")
    rc2, out2, _ = run(binary, "check")
    expect(rc2 == rc, f"check (text) exited {rc2}, --json {rc}")
    expect("[FAIL] iommu.enabled" in out2 or has_iommu, "text check must show [FAIL] iommu.enabled")

    # diagnose reads this boot's kernel messages: from the journal, or from /dev/kmsg when the
    # journal has none (journald not running, or not storing the kernel's messages).
    rc, out, err = run(binary, "diagnose", "--json")
    expect(rc in (0, 1), f"diagnose exited {rc}: {err.strip()}")
    sources = by_name(out, "diagnose", "sources", "name")
    if sources:
        journal = sources.get("journal", {})
        kmsg = sources.get("/dev/kmsg")
        if journal.get("status") == "read" and journal.get("lines", 0) > 0:
            expect(kmsg is None, "diagnose must not read /dev/kmsg when the journal has this boot")
        elif os.geteuid() == 0 and os.path.exists("/dev/kmsg"):
            expect(kmsg is not None and kmsg["status"] == "read" and kmsg["lines"] > 0,
                   f"diagnose must fall back to /dev/kmsg when the journal has no kernel lines: {kmsg}")

    for f in fails:
        print("FAIL", f)
    print(f"{'FAIL' if fails else 'ok'} live: {len(devices)} devices, iommu {'on' if has_iommu else 'off'}, vm {in_vm}")
    return 1 if fails else 0

if __name__ == "__main__":
    sys.exit(main())
