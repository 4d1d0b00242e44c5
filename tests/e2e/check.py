#!/usr/bin/env python3
"""Host-side checks for one e2e scenario log written by boot.sh.

Usage: check.py SCENARIO LOG

Parses the guest's "E2E ..." lines (see init) and applies the scenario's
expectations: sysfs facts observed in the guest, vfio-probe results, and the
JSON printed by vfio-pilot (parsed with the json module). Prints one line per
check ("  ok   ..." / "  FAIL ...") and a timing line; exits 0 when all passed.
"""
import json
import re
import sys

CARD = ("0000:01:00.0", "0000:01:00.1")
CARD2 = ("0000:03:00.0", "0000:03:00.1")
# The default card is one vendor, like a real GPU: VGA (bochs-drm) + edu, which
# no Linux driver claims ("-"). The two-vendor card has HD audio at fn1.
CARD_IDS = {"0000:01:00.0": "1234:1111", "0000:01:00.1": "1234:11e8",
            "0000:03:00.0": "1234:1111", "0000:03:00.1": "1234:11e8"}
HOST_DRIVERS = {"0000:01:00.0": "bochs-drm", "0000:01:00.1": "-",
                "0000:03:00.0": "bochs-drm", "0000:03:00.1": "-"}
TWO_VENDOR_IDS = {"0000:01:00.0": "1234:1111", "0000:01:00.1": "8086:293e"}
TWO_VENDOR_DRIVERS = {"0000:01:00.0": "bochs-drm", "0000:01:00.1": "snd_hda_intel"}
PASS_LEVELS = {"pass", "ok"}
FAIL_LEVELS = {"fail", "error"}


class Log:
    def __init__(self, path):
        self.facts, self.pci, self.cmds, self.kmsg = {}, {}, {}, []
        self.files, self.drvlog, self.early, self.dones = {}, {}, [], 0
        self.begin = self.ready = self.end = self.done = None
        self.console, self.last_t = [], 0.0
        for p in (path + ".host", path):
            try:
                self._read(p)
            except FileNotFoundError:
                if p == path:
                    raise

    def _read(self, path):
        with open(path, errors="replace") as f:
            for raw in f:
                raw = raw.rstrip("\n")
                if raw.startswith("#") or "\t" not in raw:
                    self.console.append(raw)
                    continue
                t, line = raw.split("\t", 1)
                try:
                    self.last_t = float(t)
                except ValueError:
                    pass
                self.console.append(line)
                if line.startswith("E2E "):
                    self._parse(float(t), line[4:])

    def _parse(self, t, s):
        kind, _, rest = s.partition(" ")
        if kind == "BEGIN":
            self.begin = (t, rest)
        elif kind == "READY":
            self.ready = (t, rest)
        elif kind == "END":
            self.end = (t, rest)
        elif kind == "DONE":
            self.done = t
            self.dones += 1
        elif kind == "KMSG":
            self.kmsg.append(rest)
        elif kind == "DRVLOG":
            ph, _, line = rest.partition(" ")
            self.drvlog.setdefault("" if ph == "-" else ph, []).append(line)
        elif kind == "EARLY":
            self.early.append(rest)
        elif kind == "B64":
            tag, _, val = rest.partition(" ")
            self.files.setdefault(tag, []).append(val)
        elif kind == "FACT":
            key, _, val = rest.partition(" ")
            self.facts[key] = val.split()
        elif kind == "PCI":
            label, bdf, *kv = rest.split()
            self.pci.setdefault(label, {})[bdf] = dict(x.split("=", 1) for x in kv)
        elif kind in ("CMD", "OUT", "ERR", "RC"):
            tag, _, val = rest.partition(" ")
            c = self.cmds.setdefault(tag, {"cmd": None, "out": [], "err": [], "rc": None})
            if kind == "CMD":
                c["cmd"] = val
            elif kind == "OUT":
                c["out"].append(val)
            elif kind == "ERR":
                c["err"].append(val)
            else:
                c["rc"] = int(val)

    @staticmethod
    def uptime(entry):
        m = re.search(r"uptime=([0-9.]+)", entry[1]) if entry else None
        return float(m.group(1)) if m else None


class Checker:
    def __init__(self, log):
        self.log, self.failed, self.n = log, 0, 0

    def ok(self, cond, what, detail=""):
        self.n += 1
        if cond:
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}" + (f": {detail}" if detail else ""))
        return bool(cond)

    # ---- helpers ----
    def cmd(self, tag):
        return self.log.cmds.get(tag)

    def excerpt(self, tag):
        c = self.cmd(tag)
        if not c:
            return "not run"
        text = "\n".join(c["out"] + c["err"])
        return f"rc={c['rc']} output: {text[:600]!r}"

    def rc(self, tag, want):
        c = self.cmd(tag)
        got = c["rc"] if c else None
        wants = want if isinstance(want, tuple) else (want,)
        return self.ok(got in wants, f"`{c['cmd'] if c else tag}` exits {'/'.join(map(str, wants))}",
                       self.excerpt(tag))

    def json(self, tag):
        c = self.cmd(tag)
        if not c:
            self.ok(False, f"{tag}: command ran", "not run")
            return None
        try:
            data = json.loads("\n".join(c["out"]))
        except ValueError as e:
            self.ok(False, f"`{c['cmd']}` prints JSON", f"{e}; {self.excerpt(tag)}")
            return None
        self.ok(True, f"`{c['cmd']}` prints JSON")
        return data

    def driver(self, label, bdf):
        return self.log.pci.get(label, {}).get(bdf, {}).get("driver")

    @staticmethod
    def drv(name):
        """A driver as the tool's JSON gives it: null/"" means none ("-")."""
        return name or "-"

    def group(self, label, bdf):
        return self.log.pci.get(label, {}).get(bdf, {}).get("group")

    @staticmethod
    def same_bdf(a, b):
        a, b = str(a), str(b)
        return a == b or a.endswith(":" + b) or b.endswith(":" + a)

    # ---- reusable expectations ----
    def finished(self):
        l = self.log
        ok = self.ok(l.begin and l.end and l.done, "guest ran the scenario and powered off",
                     "no E2E END/DONE; console tail:\n    " + "\n    ".join(l.console[-25:]))
        return ok

    def card_grouped(self, label):
        g0, g1 = self.group(label, CARD[0]), self.group(label, CARD[1])
        self.ok(g0 not in (None, "-") and g0 == g1, f"[{label}] 01:00.0 and 01:00.1 share one IOMMU group",
                f"groups {g0} {g1}")
        return g0

    def drivers(self, label, want, card=CARD):
        for bdf in card:
            w = want[bdf] if isinstance(want, dict) else want
            self.ok(self.driver(label, bdf) == w, f"[{label}] {bdf} on {w}", f"driver={self.driver(label, bdf)}")

    def probes_ok(self, ids=CARD_IDS, prefix=""):
        for bdf in CARD:
            c = self.cmd(f"{prefix}probe:{bdf}") or {"out": [], "rc": None}
            res = [x for x in c["out"] if x.startswith("VFIO-PROBE RESULT")]
            want = "vendor=%s device=%s" % tuple(ids[bdf].split(":"))
            self.ok(c["rc"] == 0 and res and " ok " in res[-1] and want in res[-1],
                    f"vfio-probe {bdf}: container, group, MAP_DMA, device fd, config {ids[bdf]}",
                    res[-1] if res else f"rc={c['rc']} {c['out'][-3:]}")

    def list_group(self, data, bdf):
        for g in (data or {}).get("groups", []) or []:
            for d in g.get("devices", []) or []:
                if self.same_bdf(d.get("address"), bdf):
                    return g
        return None

    def list_card(self, tag, vendor, drivers, viable=None, isolated=True):
        data = self.json(tag)
        if data is None:
            return
        iommu = data.get("iommu") or {}
        self.ok(iommu.get("active") is True, f"{tag}: iommu.active is true", f"iommu={iommu}")
        self.ok(iommu.get("vendor") == vendor, f"{tag}: iommu.vendor is {vendor!r}", f"iommu={iommu}")
        g = self.list_group(data, CARD[0])
        if not self.ok(g is not None, f"{tag}: 01:00.0 is in a group", json.dumps(data)[:400]):
            return
        addrs = [d.get("address") for d in g.get("devices", [])]
        self.ok(len(addrs) == 2 and all(any(self.same_bdf(a, b) for a in addrs) for b in CARD),
                f"{tag}: group {g.get('id')} holds exactly 01:00.0 and 01:00.1", f"devices={addrs}")
        self.ok(g.get("isolated") is isolated, f"{tag}: group {g.get('id')} isolated={isolated}", f"group={g}")
        if viable is not None:
            self.ok(g.get("viable") is viable, f"{tag}: group {g.get('id')} viable={viable}", f"group={g}")
        for d in g.get("devices", []):
            for bdf in CARD:
                if self.same_bdf(d.get("address"), bdf):
                    w = drivers[bdf] if isinstance(drivers, dict) else drivers
                    self.ok(self.drv(d.get("driver")) == w, f"{tag}: {bdf} driver {w}", f"device={d}")
        return g

    def check_level(self, tag, cid, levels, fix=False):
        data = self.json(tag)
        if data is None:
            return
        checks = {c.get("id"): c for c in data.get("checks", []) or []}
        c = checks.get(cid)
        self.ok(c is not None and c.get("level") in levels,
                f"{tag}: {cid} level in {sorted(levels)}", f"{c if c else 'absent; ids=' + str(sorted(checks))}")
        if fix:
            self.ok(c is not None and (c.get("fix") or "").strip(), f"{tag}: {cid} says how to fix it", c)

    def findings(self, tag):
        data = self.json(tag)
        if data is None:
            return None
        return data.get("findings", []) or []


# ---- scenarios ----
def sc_infra(c):
    g = c.card_grouped("before")
    c.ok(c.log.facts.get("before.iommu_groups"), "iommu groups exist")
    c.drivers("before", HOST_DRIVERS)
    c.drivers("bound", "vfio-pci")
    c.ok(g in c.log.facts.get("bound.dev_vfio", []), f"/dev/vfio/{g} exists after binding",
         c.log.facts.get("bound.dev_vfio"))
    c.probes_ok()
    c.drivers("after", HOST_DRIVERS)


def sc_intel(c, vendor="intel", iommu_dev="dmar0"):
    c.ok(iommu_dev in c.log.facts.get("before.class_iommu", []), f"/sys/class/iommu has {iommu_dev}",
         c.log.facts.get("before.class_iommu"))
    c.card_grouped("before")
    c.drivers("before", HOST_DRIVERS)
    c.check_level("check", "iommu.enabled", PASS_LEVELS)
    c.rc("check_text", (0, 1))
    c.list_card("list", vendor, HOST_DRIVERS)
    c.rc("list_text", 0)


def sc_amd(c):
    sc_intel(c, "amd", "ivhd0")


def bind_json(c, tag, bdfs, before, after):
    """bind/unbind --json: result ok, each function's driver before/after, its steps done."""
    data = c.json(tag)
    if data is None:
        return
    c.ok(data.get("result") == "ok", f"{tag} --json: result ok", data.get("result"))
    devs = {d.get("address"): d for d in data.get("devices", []) or []}
    for bdf in bdfs:
        d = next((v for k, v in devs.items() if c.same_bdf(k, bdf)), None)
        if not c.ok(d is not None, f"{tag} --json: devices lists {bdf}", sorted(devs)):
            continue
        c.ok(c.drv(d.get("driver_before")) == before[bdf] and c.drv(d.get("driver_after")) == after[bdf],
             f"{tag} --json: {bdf} {before[bdf]} -> {after[bdf]}", d)
        steps = [x for x in data.get("steps", []) or [] if c.same_bdf(x.get("device"), bdf)]
        names = [x.get("step") for x in steps]
        bad = [x for x in steps if x.get("status") == "failed"]
        c.ok(names and not bad and any(x.get("step") == "verify" and x.get("status") == "done" for x in steps),
             f"{tag} --json: {bdf} steps {names} done, verified", steps)
        if before[bdf] != "-" and tag.endswith("bind") and not tag.endswith("unbind"):
            c.ok("unbind" in names, f"{tag} --json: {bdf} released by {before[bdf]} (unbind step)", names)
    return data


def sc_bind(c):
    g = c.card_grouped("before")
    c.drivers("before", HOST_DRIVERS)
    c.ok(c.log.facts.get("before.boot_vga") == ["0000:00:02.0"], "the host display 00:02.0 is boot_vga, the card is not",
         c.log.facts.get("before.boot_vga"))
    c.rc("bind", 0)
    bind_json(c, "bind", CARD, HOST_DRIVERS, {b: "vfio-pci" for b in CARD})
    c.drivers("bound", "vfio-pci")
    c.ok(g in c.log.facts.get("bound.dev_vfio", []), f"/dev/vfio/{g} exists after bind",
         c.log.facts.get("bound.dev_vfio"))
    c.list_card("list", "intel", "vfio-pci", viable=True)
    c.probes_ok()
    c.rc("unbind", 0)
    bind_json(c, "unbind", CARD, {b: "vfio-pci" for b in CARD}, HOST_DRIVERS)
    c.drivers("after", HOST_DRIVERS)


def sc_two_vendor(c):
    g = c.card_grouped("before")
    c.drivers("before", TWO_VENDOR_DRIVERS)
    data = c.list_card("list", "intel", TWO_VENDOR_DRIVERS, isolated=False)
    if data:
        devs = {d.get("address"): d for d in data.get("devices", [])}
        d0 = next((v for k, v in devs.items() if c.same_bdf(k, CARD[0])), {})
        d1 = next((v for k, v in devs.items() if c.same_bdf(k, CARD[1])), {})
        c.ok(d0.get("card") and not d1.get("card"),
             "list: 01:00.1 (8086 HDA) is outside 01:00.0's card (fn0 vendor 1234)", f"{d0} {d1}")
    c.rc("list_text", 0)
    c.rc("bind", 0)
    bind_json(c, "bind", CARD, TWO_VENDOR_DRIVERS, {b: "vfio-pci" for b in CARD})
    c.drivers("bound", "vfio-pci")
    c.ok(g in c.log.facts.get("bound.dev_vfio", []), f"/dev/vfio/{g} exists after bind --whole-group",
         c.log.facts.get("bound.dev_vfio"))
    c.probes_ok(TWO_VENDOR_IDS)
    c.rc("unbind", 0)
    bind_json(c, "unbind", CARD, {b: "vfio-pci" for b in CARD}, TWO_VENDOR_DRIVERS)
    c.drivers("after", TWO_VENDOR_DRIVERS)


def sc_diagnose(c):
    c.rc("bind", 0)
    c.drivers("bound", "vfio-pci")
    f = c.findings("diagnose")
    if f is None:
        return
    ids = {x.get("id") for x in f}
    c.ok("iommu.active" in ids, "diagnose: iommu.active found", sorted(ids))
    c.ok("vfio.claimed" in ids, "diagnose: vfio.claimed found", sorted(ids))
    errs = [x for x in f if x.get("severity") == "error"]
    c.ok(not errs, "diagnose: no error-severity finding", errs)
    c.rc("diagnose_text", (0, 1))


def sc_noiommu(c):
    c.ok(not c.log.facts.get("before.iommu_groups"), "no IOMMU groups in the guest",
         c.log.facts.get("before.iommu_groups"))
    c.rc("check", 1)
    c.check_level("check", "iommu.enabled", FAIL_LEVELS, fix=True)
    c.rc("check_text", 1)
    c.rc("list_text", 0)
    out = "\n".join((c.cmd("list_text") or {}).get("out", []) + (c.cmd("list_text") or {}).get("err", []))
    c.ok(re.search(r"iommu", out, re.I), "`list` explains that there is no IOMMU", c.excerpt("list_text"))
    data = c.json("list")
    if data is not None:
        c.ok((data.get("iommu") or {}).get("active") is False, "list --json: iommu.active is false",
             data.get("iommu"))
    f = c.findings("diagnose")
    if f is not None:
        ids = {x.get("id") for x in f}
        c.ok("iommu.disabled" in ids, "diagnose: iommu.disabled found in the real log", sorted(ids))
    live = c.json("diagnose_live")
    if live is not None:
        srcs = {s.get("name"): s for s in live.get("sources", [])}
        kernel = [n for n in ("journal", "/dev/kmsg") if (srcs.get(n) or {}).get("lines", 0) > 0]
        c.ok(kernel, "diagnose without --file read this boot's kernel log (journal or /dev/kmsg)", srcs)
        ids = {x.get("id") for x in live.get("findings", []) or []}
        c.ok("iommu.disabled" in ids, "diagnose without --file: iommu.disabled found", sorted(ids))


def sc_snap(c):
    c.rc("snapshot", 0)
    c.ok(c.log.files.get("snapshot"), "the snapshot came back over the console")


def host_conf(c, tag):
    cmd = c.cmd(tag)
    return (cmd or {}).get("out", [])


def plan_apply(c, bind, ids, kargs_have, kargs_lack, conf_have):
    """The host half: plan --json and apply --yes on the root R made from the guest's snapshot."""
    plan = c.json("plan")
    c.rc("plan", 0)
    if plan:
        devs = plan.get("devices") or []
        c.ok(len(devs) == 2 and all(any(c.same_bdf(d, b) for d in devs) for b in CARD),
             "plan: hands over 01:00.0 and 01:00.1 (the whole card)", devs)
        c.ok(plan.get("bind") == bind, f"plan: binds by {bind}", plan.get("bind"))
        c.ok(sorted(plan.get("ids") or []) == sorted(ids), f"plan: ids {ids}", plan.get("ids"))
        ka = plan.get("kernel_args") or []
        for a in kargs_have:
            c.ok(a in ka, f"plan: kernel_args has {a}", ka)
        for a in kargs_lack:
            c.ok(not any(x.startswith(a) for x in ka), f"plan: kernel_args has no {a}", ka)
        c.ok(not plan.get("blockers"), "plan: no blockers", plan.get("blockers"))
        c.ok((plan.get("platform") or {}).get("initramfs") == "initramfs-tools",
             "plan: initramfs-tools (update-initramfs in R)", plan.get("platform"))
    c.rc("apply", 0)
    conf = "\n".join(host_conf(c, "conf"))
    for line in conf_have:
        c.ok(re.search(line, conf, re.M), f"R/etc/modprobe.d/vfio-pilot.conf: /{line}/", conf[:400])
    mods = host_conf(c, "itmodules")
    c.ok(any(m.startswith("vfio_pci") for m in mods), "R/etc/initramfs-tools/modules names vfio_pci", mods)
    upd = " ".join(host_conf(c, "update_initramfs"))
    c.ok("-u" in upd and "all" in upd, "apply ran `update-initramfs -u -k all` chrooted in R", upd)
    return plan


def boot_bound(c, plan, label="boot", prefix=""):
    """The guest half: on vfio-pci from boot, vfio-pci before bochs-drm, status passes."""
    cmdline = c.log.facts.get(prefix + "cmdline", [])
    for a in (plan or {}).get("kernel_args") or []:
        c.ok(a in cmdline, f"guest kernel command line has the plan's {a}", " ".join(cmdline))
    c.drivers(label, "vfio-pci")
    g = c.group(label, CARD[0])
    c.ok(g in c.log.facts.get(label + ".dev_vfio", []), f"/dev/vfio/{g} exists after boot",
         c.log.facts.get(label + ".dev_vfio"))
    log = c.log.drvlog.get(prefix.rstrip("."), [])
    first = next((i for i, l in enumerate(log) if CARD[0] in l), None)
    c.ok(first is not None and "vfio-pci" in log[first],
         "kernel log: the first driver line about 0000:01:00.0 is vfio-pci's", log[first] if first is not None else log)
    c.ok(not any(CARD[0] in l and "bochs" in l for l in log), "kernel log: bochs-drm never took 0000:01:00.0",
         [l for l in log if "bochs" in l])
    status = c.json(prefix + "status")
    c.rc(prefix + "status", 0)
    if status:
        # ids are stable words; the device or group a row is about is its subject
        rows = status.get("checks", []) or []
        checks = {x.get("id"): x for x in rows if x.get("id") in ("reboot", "vfio-pci")}
        checks.update({f'{x.get("id")} {x.get("subject")}': x for x in rows if x.get("id") in ("device", "group")})
        for want in ["reboot", "vfio-pci"] + [f"device {b}" for b in CARD] + [f"group {g}"]:
            x = checks.get(want)
            c.ok(x and x.get("level") == "pass", f"status: {want} passes", x or sorted(checks))
        bad = [x for x in rows if x.get("level") != "pass"]
        c.ok(not bad, "status: every check passes", bad)
    c.probes_ok(prefix=prefix)


def sc_bootbind(c):
    plan = plan_apply(c, "ids", ["1234:1111", "1234:11e8"], ["vfio-pci.ids=1234:1111,1234:11e8"], [],
                      [r"^options vfio-pci ids=1234:1111,1234:11e8$", r"^softdep bochs pre: vfio-pci$"])
    c.ok(any(m.startswith("vfio_pci") for m in c.log.early), "/init loaded the modules file's vfio modules first",
         c.log.early)
    boot_bound(c, plan)
    c.list_card("list", "intel", "vfio-pci", viable=True)


def sc_twocards(c):
    plan = plan_apply(c, "address", [], [], ["vfio-pci.ids"],
                      [r"^install vfio-pci .*0000:01:00\.0.*driver_override", r"^softdep bochs pre: vfio-pci$"])
    conf = "\n".join(host_conf(c, "conf"))
    c.ok("0000:03:00" not in conf, "the modprobe.d file does not name the second card", conf[:400])
    boot_bound(c, plan)
    c.drivers("boot", HOST_DRIVERS, CARD2)
    log = c.log.drvlog.get("", [])
    c.ok(any(CARD2[0] in l and "bochs" in l for l in log), "kernel log: bochs-drm took 0000:03:00.0",
         [l for l in log if "bochs" in l])


def sc_tutorial(c):
    L = c.log
    with_recover = c.cmd("recover_host") is not None
    n = 4 if with_recover else 3
    c.ok(L.dones == n, f"{n} boots of the Debian root ran their report (before, apply, {'recover, ' if with_recover else ''}undo)",
         f"{L.dones} DONE lines")
    # before: the stock root
    c.card_grouped("before.boot")
    c.drivers("before.boot", HOST_DRIVERS)
    c.list_card("before.list", "intel", HOST_DRIVERS)
    c.rc("before.snapshot", 0)
    # the host: plan and apply on ROOT, real dracut in the chroot
    plan = c.json("plan")
    c.rc("plan", 0)
    ka = (plan or {}).get("kernel_args") or []
    if plan:
        c.ok((plan.get("platform") or {}).get("initramfs") == "dracut", "plan: dracut detected in ROOT",
             plan.get("platform"))
        c.ok("vfio-pci.ids=1234:1111,1234:11e8" in ka and "rd.driver.pre=vfio_pci" in ka,
             "plan: kernel_args vfio-pci.ids=1234:1111,1234:11e8 and rd.driver.pre=vfio_pci", ka)
    c.rc("apply", 0)
    conf = "\n".join(host_conf(c, "conf"))
    c.ok(re.search(r"^options vfio-pci ids=1234:1111,1234:11e8$", conf, re.M), "ROOT: modprobe.d file with ids=",
         conf[:300])
    dconf = "\n".join(host_conf(c, "dracutconf"))
    c.ok("force_drivers" in dconf and "install_items" in dconf and "compress" not in dconf,
         "ROOT: vfio-pilot's dracut drop-in has force_drivers and install_items, and does not set compress",
         dconf[:300])
    c.rc("lsinitrd_conf", 0)
    c.ok(conf and host_conf(c, "lsinitrd_conf") == host_conf(c, "conf"),
         "lsinitrd: the image holds /etc/modprobe.d/vfio-pilot.conf, byte for byte", c.excerpt("lsinitrd_conf"))
    force = " ".join(host_conf(c, "lsinitrd_force"))
    c.ok("vfio_pci" in force, "lsinitrd: etc/cmdline.d/20-force_drivers.conf names vfio_pci (force_drivers)",
         c.excerpt("lsinitrd_force"))
    mods = host_conf(c, "lsinitrd_mods")
    c.ok(any(m.startswith("vfio-pci.ko") or m.startswith("vfio_pci.ko") for m in mods),
         "lsinitrd: the image holds vfio-pci.ko", mods)
    # apply: bound from boot
    boot_bound(c, plan, "apply.boot", "apply.")
    c.list_card("apply.list", "intel", "vfio-pci", viable=True)
    # recover: the fallback command line from `recover --json` in the apply boot
    if with_recover:
        c.rc("apply.recover", 0)
        c.rc("recover_host", 0)
        host = c.json("recover_host") or {}
        c.ok((host.get("transaction") or {}).get("kernel_args") == ka,
             "recover --root ROOT: the applied transaction's kernel_args", host.get("transaction"))
        rec = c.json("apply.recover") or {}
        fb = ((rec.get("recovery") or {}).get("fallback") or {}).get("kernel_args") or []
        cl = c.log.facts.get("recover.cmdline", [])
        c.ok(fb and all(a in cl for a in fb if not a.startswith("e2e.phase=")),
             "recover boot: the kernel command line is recover's fallback kernel_args", f"{fb} vs {cl}")
        c.ok(not any(a in cl for a in ka), "recover boot: none of the plan's vfio arguments", " ".join(cl))
        c.ok("module_blacklist=vfio_pci" in cl, "recover boot: module_blacklist=vfio_pci", " ".join(cl))
        c.drivers("recover.boot", HOST_DRIVERS)
        c.ok("vfio_pci" not in c.log.facts.get("recover.modules", []), "recover boot: vfio_pci is not loaded",
             c.log.facts.get("recover.modules"))
        log = c.log.drvlog.get("recover", [])
        c.ok(any(CARD[0] in l and "bochs" in l for l in log), "recover boot: bochs-drm took 0000:01:00.0",
             [l for l in log if "bochs" in l or "vfio" in l])
    else:
        print("  NOTE this vfio-pilot has no `recover` command: the fallback boot was not tried")
    # undo
    c.rc("undo", 0)
    after = " ".join(host_conf(c, "conf_after"))
    # Judge the file names only: the directory headers carry the work dir, whose name may hold "vfio-pilot".
    names = [w for w in after.split() if not w.endswith(":")]
    c.ok(not any("vfio-pilot" in n for n in names), "undo removed vfio-pilot's modprobe.d and dracut files from ROOT", after)
    c.ok(not host_conf(c, "lsinitrd_after"), "lsinitrd: the rebuilt image no longer holds vfio-pilot.conf",
         c.excerpt("lsinitrd_after"))
    cl = c.log.facts.get("undo.cmdline", [])
    c.ok(not any(a in cl for a in ka), "undo boot: none of the plan's kernel arguments", " ".join(cl))
    c.drivers("undo.boot", HOST_DRIVERS)
    c.list_card("undo.list", "intel", HOST_DRIVERS)
    log = c.log.drvlog.get("undo", [])
    c.ok(any(CARD[0] in l and "bochs" in l for l in log), "undo boot: bochs-drm took 0000:01:00.0 again",
         [l for l in log if "bochs" in l])


def sc_itools(c):
    """run-itools.sh: apply/undo with the real update-initramfs on an initramfs-tools root, two boots."""
    L = c.log
    c.ok(L.dones == 2, "2 boots of the initramfs-tools root ran their report (apply, undo)", f"{L.dones} DONE lines")
    # the host: plan and apply on ROOT, update-initramfs chrooted in it
    plan = c.json("plan")
    c.rc("plan", 0)
    ka = (plan or {}).get("kernel_args") or []
    if plan:
        c.ok((plan.get("platform") or {}).get("initramfs") == "initramfs-tools", "plan: initramfs-tools detected in ROOT",
             plan.get("platform"))
        c.ok("vfio-pci.ids=1234:1111,1234:11e8" in ka, "plan: kernel_args has vfio-pci.ids=1234:1111,1234:11e8", ka)
        c.ok(not any(a.startswith("rd.") for a in ka), "plan: no dracut-only rd.* kernel arguments", ka)
        cmds = [x.get("argv") for x in plan.get("changes") or [] if x.get("kind") == "command"]
        c.ok(cmds == [["update-initramfs", "-u", "-k", "all"]],
             "plan: the one command is `update-initramfs -u -k all`", cmds)
        c.ok(not plan.get("blockers"), "plan: no blockers", plan.get("blockers"))
    c.rc("apply", 0)
    hist = c.json("history")
    txs = (hist or {}).get("transactions") or []
    c.ok(txs and txs[-1].get("state") == "applied" and isinstance(txs[-1].get("rebuild_wall_s"), int),
         "history: the transaction is applied and records the rebuild's wall time", txs[-1:] if txs else hist)
    conf = host_conf(c, "conf")
    text = "\n".join(conf)
    c.ok(re.search(r"^options vfio-pci ids=1234:1111,1234:11e8$", text, re.M), "ROOT: modprobe.d file with ids=",
         text[:300])
    c.ok(re.search(r"^softdep bochs pre: vfio-pci$", text, re.M), "ROOT: modprobe.d file has softdep bochs pre: vfio-pci",
         text[:300])
    mods = [l.strip() for l in host_conf(c, "itmodules")]
    c.ok("vfio_pci" in mods, "ROOT: /etc/initramfs-tools/modules names vfio_pci", mods)
    # the image, as update-initramfs built it
    c.rc("img_conf", 0)
    c.ok(conf and host_conf(c, "img_conf") == conf,
         "the image holds /etc/modprobe.d/vfio-pilot.conf, byte for byte (unmkinitramfs)", c.excerpt("img_conf"))
    imods = [l.split()[0] for l in host_conf(c, "img_modules") if l.strip()]   # "NAME ARGS", one a line
    c.ok("vfio_pci" in imods, "the image's conf/modules (loaded before udev) names vfio_pci", imods)
    kos = host_conf(c, "img_kos")
    c.ok(any(k.startswith(("vfio-pci.ko", "vfio_pci.ko")) for k in kos), "lsinitramfs: the image holds vfio-pci.ko", kos)
    c.ok(any(k.startswith(("vfio_iommu_type1.ko", "vfio-iommu-type1.ko")) for k in kos),
         "lsinitramfs: the image holds vfio_iommu_type1.ko", kos)
    # apply: bound from boot, by the initramfs
    c.ok(L.facts.get("apply.initramfs_tools") == ["update-initramfs"],
         "guest: the root has update-initramfs and no dracut", L.facts.get("apply.initramfs_tools"))
    boot_bound(c, plan, "apply.boot", "apply.")
    c.list_card("apply.list", "intel", "vfio-pci", viable=True)
    # undo: update-initramfs again
    c.rc("undo", 0)
    after = host_conf(c, "conf_after")
    c.ok("vfio-pilot.conf" not in after and not any("vfio" in l for l in after if not l.startswith("#")),
         "undo removed the modprobe.d file and the vfio modules from /etc/initramfs-tools/modules", after)
    lst = host_conf(c, "img_list_after")
    c.ok(not any("vfio-pilot.conf" in l for l in lst), "lsinitramfs: the rebuilt image no longer holds vfio-pilot.conf",
         lst)
    c.ok(not any(re.search(r"vfio[a-z0-9_-]*\.ko", l) for l in lst),
         "lsinitramfs: the rebuilt image holds no vfio module again (Debian's MODULES=most does not add them)", lst)
    # conf/modules holds what /etc/initramfs-tools/modules names: none left, so no file, or one without vfio
    imods = [l.split()[0] for l in host_conf(c, "img_modules_after") if l.strip()]
    am = c.cmd("img_modules_after") or {}
    c.ok((am.get("rc") == 0 or any("no conf/modules" in l for l in am.get("err", []))) and am.get("rc") in (0, 1)
         and not any(m.startswith("vfio") for m in imods),
         "the rebuilt image has no conf/modules, or one that names no vfio module", c.excerpt("img_modules_after"))
    cl = L.facts.get("undo.cmdline", [])
    c.ok(not any(a in cl for a in ka), "undo boot: none of the plan's kernel arguments", " ".join(cl))
    c.drivers("undo.boot", HOST_DRIVERS)
    c.list_card("undo.list", "intel", HOST_DRIVERS)
    c.ok("vfio_pci" not in L.facts.get("undo.modules", []), "undo boot: vfio_pci is not loaded",
         L.facts.get("undo.modules"))
    log = L.drvlog.get("undo", [])
    c.ok(any(CARD[0] in l and "bochs" in l for l in log), "undo boot: bochs-drm took 0000:01:00.0 again",
         [l for l in log if "bochs" in l])


def sc_root(c):
    c.ok("root=full" in c.log.begin[1], "report ran in the full Debian root (systemd unit)", c.log.begin[1])
    c.card_grouped("before")
    c.drivers("before", HOST_DRIVERS)
    g = c.group("before", CARD[0])
    c.ok(g not in c.log.facts.get("before.dev_vfio", []), "no /dev/vfio group node before any binding",
         c.log.facts.get("before.dev_vfio"))
    if c.cmd("list"):
        c.list_card("list", "intel", HOST_DRIVERS)


SCENARIOS = {k[3:].replace("_", "-"): v for k, v in globals().items() if k.startswith("sc_")}


def extract(path, tag, out):
    """--extract LOG TAG OUT: write a file the guest sent with emit_file."""
    import base64
    log = Log(path)
    lines = log.files.get(tag)
    if not lines:
        print(f"check: no file {tag!r} in {path}", file=sys.stderr)
        return 1
    with open(out, "wb") as f:
        f.write(base64.b64decode("".join(lines)))
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--extract":
        return extract(*sys.argv[2:])
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} {{{','.join(SCENARIOS)}}} LOG", file=sys.stderr)
        return 2
    log = Log(sys.argv[2])
    c = Checker(log)
    if c.finished():
        SCENARIOS[sys.argv[1]](c)
    b, r, e = log.begin, log.ready, log.end
    print("  TIME scenario start at host %s s (guest uptime %s s), scenario %s s, power-off at host %.1f s" % (
        f"{b[0]:.1f}" if b else "?", Log.uptime(b), 
        f"{e[0] - r[0]:.1f}" if r and e else "?", log.last_t))
    print(f"  {c.n - c.failed}/{c.n} checks passed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
