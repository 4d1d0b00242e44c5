#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Totals over every suite from meson's testlog.json. A test that reports its own
counts (cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)", or a
"N passed, N failed" line) counts that many; any other test counts as one.
Prints per-suite lines and, last, "N passed, N failed"."""
import json, re, sys
from collections import defaultdict

def counts(t):
    out = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
    ok = t["result"] in ("OK", "EXPECTEDFAIL")
    m = list(re.finditer(r"^(?:\w+: )?(\d+) passed, (\d+) failed", out, re.M))
    if m:
        p, f = int(m[-1].group(1)), int(m[-1].group(2))
        return p, f if ok else max(f, 1)
    cp = re.search(r"\[  PASSED  \] (\d+) test", out)
    cf = re.search(r"\[  FAILED  \] (\d+) test", out)
    if cp or cf:
        p = int(cp.group(1)) if cp else 0
        f = int(cf.group(1)) if cf else 0
        return p, f if ok else max(f, 1)
    return (1, 0) if ok else (0, 1)

suites = defaultdict(lambda: [0, 0])
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] == "SKIP":
        continue
    p, f = counts(t)
    cmd = " ".join(t.get("command") or [])
    s = next((k for k in ("unit", "golden", "live", "e2e", "fuzz", "sanitize", "package", "fixtures") if f"/{k}/" in cmd or f"tests/{k}" in cmd), "other")
    suites[s][0] += p
    suites[s][1] += f
tp = sum(v[0] for v in suites.values())
tf = sum(v[1] for v in suites.values())
for s, (p, f) in sorted(suites.items()):
    print(f"  suite {s}: {p} passed, {f} failed")
print(f"{tp} passed, {tf} failed")
sys.exit(1 if tf else 0)
