#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Coverage of `vfio-pilot diagnose` on the corpus of real reports, per failure class, and its false-positive
rate on healthy logs; fails when either is worse than the floor recorded in tests/diagnose/floor.

usage: coverage.py VFIO_PILOT [--write-floor]

Each corpus file (tests/diagnose/corpus/*.log, see README.md) names its class (#vp class:) and the finding ids a
right diagnosis gives (#vp expect:, #vp expect-info:). A file is covered when diagnose --no-host finds every
expected id and no warning or error id that is not expected. Healthy logs (tests/diagnose/healthy/*.log, the
corpus's healthy-*.log, and the kernel log of each captured host) must give no warning or error: each one that
does is a false positive. Prints a table and, last, "N passed, N failed" (one check per class, one for the
healthy logs, one per file that must always pass: constructed and healthy files)."""
import glob, json, os, subprocess, sys, tarfile, tempfile

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.dirname(os.path.dirname(here))


def parse(path):
    meta, body = {"expect": "", "expect-info": "", "class": "", "source": "", "uncovered": ""}, []
    with open(path, "rb") as f:
        for raw in f:
            if raw.startswith(b"#vp "):
                k, _, v = raw[4:].decode("utf-8", "replace").rstrip("\n").partition(":")
                meta[k.strip()] = v.strip()
            else:
                body.append(raw)
    return meta, b"".join(body)


def diagnose(binary, body):
    p = subprocess.run([binary, "--json", "diagnose", "--no-host", "--file", "-"], input=body, capture_output=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("diagnose exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    doc = json.loads(p.stdout)
    lines = doc["summary"]["lines"]
    return [(f["id"], f["severity"]) for f in doc["findings"]], lines


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    binary, write_floor = sys.argv[1], "--write-floor" in sys.argv[2:]
    classes, bad_files, checks_failed, checks_passed = {}, [], 0, 0
    healthy = []
    for path in sorted(glob.glob(os.path.join(here, "corpus", "*.log"))):
        name = os.path.basename(path)
        meta, body = parse(path)
        if name.startswith("healthy-"):
            healthy.append((name, body))
            continue
        if not meta["source"] or not meta["class"]:
            print("%s: needs '#vp source:' and '#vp class:' lines" % name)
            checks_failed += 1
            continue
        found, _ = diagnose(binary, body)
        expect, info = set(meta["expect"].split()), set(meta["expect-info"].split())
        ids = {i for i, _ in found}
        serious = {i for i, s in found if s != "info"}
        missing = (expect | info) - ids
        extra = serious - expect
        ok = not missing and not extra
        if meta.get("uncovered"):
            # a report the catalog does not recognise yet: not covered, whatever the ids say
            if ok and expect:
                print("%s: covered now; remove its '#vp uncovered:' line" % name)
                checks_failed += 1
            ok = False
            missing = missing or {"(" + meta["uncovered"][:60] + "...)"}
        c = classes.setdefault(meta["class"], [0, 0, []])
        c[0] += 1
        c[1] += ok
        if not ok:
            c[2].append("%s (missing: %s; unexpected: %s)" % (name, " ".join(sorted(missing)) or "-",
                                                               " ".join(sorted(extra)) or "-"))
            # constructed excerpts are written from the source strings: they must always pass
            if name.startswith("constructed-") or name == "garbled.log":
                bad_files.append(name)
    for path in sorted(glob.glob(os.path.join(here, "healthy", "*.log"))):
        healthy.append((os.path.basename(path), parse(path)[1]))
    for cap in sorted(glob.glob(os.path.join(src, "tests", "fixtures", "captured", "*.tar.gz"))):
        with tarfile.open(cap) as t:
            try:
                m = t.extractfile("var/log/vfio-pilot-kmsg.txt")
            except KeyError:
                m = None
            if m:
                healthy.append((os.path.basename(cap) + ":/var/log/vfio-pilot-kmsg.txt", m.read()))
    fp_files, fp_findings, healthy_lines = [], 0, 0
    for name, body in healthy:
        found, lines = diagnose(binary, body)
        healthy_lines += lines
        serious = [(i, s) for i, s in found if s != "info"]
        fp_findings += len(serious)
        if serious:
            fp_files.append("%s: %s" % (name, " ".join("%s(%s)" % x for x in serious)))

    floor_path = os.path.join(here, "floor")
    floor = {}
    if os.path.exists(floor_path):
        for line in open(floor_path):
            line = line.split("#", 1)[0].split()
            if len(line) == 2:
                floor[line[0]] = float(line[1])

    total_n = sum(c[0] for c in classes.values())
    total_ok = sum(c[1] for c in classes.values())
    print("diagnose coverage on tests/diagnose/corpus (%d reports, %d classes)" % (total_n, len(classes)))
    print("%-16s %7s %7s %8s %8s" % ("class", "reports", "covered", "coverage", "floor"))
    for k in sorted(classes):
        n, ok, misses = classes[k]
        pct = 100.0 * ok / n
        fl = floor.get(k)
        good = fl is None or pct + 1e-9 >= fl
        checks_passed += good
        checks_failed += not good
        print("%-16s %7d %7d %7.1f%% %8s%s" % (k, n, ok, pct, "-" if fl is None else "%.1f%%" % fl,
                                                "" if good else "  BELOW FLOOR"))
        for m in misses:
            print("    not covered: " + m)
    print("%-16s %7d %7d %7.1f%%" % ("all", total_n, total_ok, 100.0 * total_ok / max(total_n, 1)))
    fp_rate = 100.0 * len(fp_files) / max(len(healthy), 1)
    print("healthy logs: %d files, %d lines; %d with a warning or error (false-positive rate %.1f%% of files, "
          "%d findings, %.2f per 10,000 lines)" % (len(healthy), healthy_lines, len(fp_files), fp_rate, fp_findings,
                                                    1e4 * fp_findings / max(healthy_lines, 1)))
    for f in fp_files:
        print("    false positive: " + f)
    fl = floor.get("healthy-fp-max")
    good = fl is None or fp_rate <= fl + 1e-9
    checks_passed += good
    checks_failed += not good
    if not good:
        print("false-positive rate %.1f%% is above the floor's healthy-fp-max %.1f%%" % (fp_rate, fl))
    for b in bad_files:
        print("constructed excerpt not covered: " + b)
    checks_failed += len(bad_files)
    if write_floor:
        with open(floor_path, "w") as f:
            f.write("# Coverage floor per class (percent of reports covered) and the largest false-positive rate on\n"
                    "# healthy logs (percent of files), checked by tests/diagnose/coverage.py. Raise, never lower,\n"
                    "# without a reason in the commit message.\n")
            for k in sorted(classes):
                f.write("%s %.1f\n" % (k, int(1000.0 * classes[k][1] / classes[k][0]) / 10.0))
            f.write("healthy-fp-max %.1f\n" % fp_rate)
        print("wrote " + floor_path)
    print("%d passed, %d failed" % (checks_passed, checks_failed))
    return 1 if checks_failed else 0


if __name__ == "__main__":
    sys.exit(main())
