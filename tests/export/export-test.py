#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`vfio-pilot export` on every fixture host: for each card with a display function, and for
SR-IOV virtual functions, the KubeVirt, Nova and Proxmox configuration must
 - validate against the JSON Schema written from that project's documentation (schemas/),
 - say the same in its text form (YAML or JSON for KubeVirt, nova.conf lines, pci.cfg sections)
   as in --json, parsed back the way the project parses it,
 - keep the facts of the host (ids, addresses, IOMMU groups, subsystem ids) as Proxmox's own
   PVE::Mapping::PCI::assert_valid checks them.
Prints "N passed, N failed"."""
import glob, json, os, re, subprocess, sys, tempfile
import jsonschema, yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
binary = sys.argv[1]
schemas = {k: json.load(open(os.path.join(HERE, "schemas", k + ".json"))) for k in ("kubevirt", "nova", "proxmox")}
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)

def run(root, *args):
    p = subprocess.run([binary, "--root", root, *args], capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    return p

def parse_nova(text):
    out = {"device_spec": [], "alias": []}
    section = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^\[(\w+)\]$", line)
        if m:
            section = m.group(1)
            continue
        k, _, v = line.partition("=")
        assert section == "pci", line
        out[k.strip()].append(json.loads(v))  # oslo.config MultiStrOpt: each line one JSON object
    return {"pci": out}

def parse_pve(text):
    # PVE::SectionConfig: a header line "ID", then "\tKEY VALUE" lines; map is a property string.
    out, cur = [], None
    for line in text.splitlines():
        if not line.strip():
            cur = None
            continue
        m = re.match(r"^(\S+)\s*$", line)
        if m:
            cur = {"id": m.group(1), "map": []}
            out.append(cur)
            continue
        m = re.match(r"^\s+(\S+)\s+(.*)$", line)
        assert m and cur is not None, line
        k, v = m.groups()
        if k == "map":
            e = dict(kv.split("=", 1) for kv in v.split(","))
            if "iommugroup" in e:
                e["iommugroup"] = int(e["iommugroup"])
            cur["map"].append(e)
        else:
            cur[k] = v
    return {"pci": out}

def main():
    hosts = sorted(glob.glob(os.path.join(SRC, "tests", "fixtures", "hosts", "*.host")))
    tmp = tempfile.mkdtemp(prefix="vp-export-")
    for desc in hosts:
        name = os.path.basename(desc)[:-5]
        root = os.path.join(tmp, name)
        subprocess.run([sys.executable, os.path.join(SRC, "tests", "fixtures", "mkhost.py"), desc, root], check=True,
                       capture_output=True)
        lst = json.loads(run(root, "--json", "list").stdout)
        devs = {d["address"]: d for g in lst["groups"] for d in g["devices"]}
        devs.update({d["address"]: d for d in lst["ungrouped"]})
        sel = sorted({d["card"] + ".0" for d in devs.values() if d["card"] and d["class"] and d["class"].startswith("03")})
        sel += sorted(a for a, d in devs.items() if d["physfn"])[:2]
        for target in sel:
            for kind in ("kubevirt", "nova", "proxmox"):
                what = f"{name} {kind} {target}"
                p = run(root, "--json", "export", kind, target)
                check(p.returncode == 0, f"{what}: exit {p.returncode}: {p.stderr.strip()}")
                if p.returncode:
                    continue
                doc = json.loads(p.stdout)
                conf = doc["config"]
                try:
                    jsonschema.validate(conf, schemas[kind])
                    check(True, what)
                except jsonschema.ValidationError as e:
                    check(False, f"{what}: schema: {e.message}")
                if kind == "kubevirt":
                    check(yaml.safe_load(doc["text"]) == conf, f"{what}: the YAML says something else than --json")
                    t = run(root, "export", kind, target, "--format", "json")
                    check(json.loads(t.stdout) == conf, f"{what}: --format json says something else")
                    t = run(root, "--json", "export", kind, target, "--patch")
                    pc = json.loads(t.stdout)["config"]
                    check(set(pc) == {"spec"} and pc["spec"] == conf["spec"], f"{what}: the patch differs from the CR's spec")
                    ids = {f'{devs[d["address"]]["vendor_id"]}:{devs[d["address"]]["device_id"]}'.upper() for d in doc["devices"]}
                    got = {x["pciVendorSelector"] for x in conf["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]}
                    check(ids == got, f"{what}: selectors {got} are not the functions' ids {ids}")
                elif kind == "nova":
                    check(parse_nova(doc["text"]) == conf, f"{what}: nova.conf lines say something else than --json")
                    for s in conf["pci"]["device_spec"]:
                        same = [a for a, d in devs.items() if d["vendor_id"] == s["vendor_id"] and d["device_id"] == s["product_id"]]
                        exported = {d["address"] for d in doc["devices"]}
                        # identical devices left on the host must be told apart by address
                        check("address" in s or set(same) <= exported, f"{what}: {s} also matches {sorted(set(same) - exported)}")
                else:
                    check(parse_pve(doc["text"]) == conf, f"{what}: pci.cfg says something else than --json")
                    for m in conf["pci"]:
                        for e in m["map"]:
                            first = e["path"].split(";")[0]
                            fn = first if "." in first else first + ".0"
                            d = devs[fn]
                            check(e["id"] == f'{d["vendor_id"]}:{d["device_id"]}', f"{what}: id {e['id']} is not {fn}'s")
                            check(e.get("iommugroup") == d["iommu_group"], f"{what}: iommugroup of {fn}")
                            check(e.get("subsystem-id") == d["subsystem_id"], f"{what}: subsystem-id of {fn}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

sys.exit(main())
