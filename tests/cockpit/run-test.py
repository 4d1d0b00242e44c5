#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Cockpit page in a real browser: stages the page and the binary as `meson install` lays them
out, starts Debian's cockpit-ws on 127.0.0.1 with a local session (no login), and drives Debian's
headless Chromium with puppeteer-core (page-test.js) through the flow on host trees built from the
fixture descriptions. Afterwards the tree must be byte for byte as before (undo). Never skips: a
missing cockpit-ws, Chromium or node fails the suite.
Usage: run-test.py VFIO_PILOT [--screenshots DIR]; prints "N passed, N failed"."""
import argparse, os, shutil, signal, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from hostroot import digest, make_root  # noqa: E402
WS = "/usr/lib/cockpit/cockpit-ws"

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--screenshots", default=None)
    a = ap.parse_args()
    for need in (WS, "/usr/bin/chromium", shutil.which("node") or "/nonexistent",
                 os.path.join(HERE, "node_modules", "puppeteer-core")):
        if not os.path.exists(need):
            print(f"FAIL cockpit: {need} is missing (run tests/cockpit/setup.sh as root)")
            print("0 passed, 1 failed")
            return 1
    tmp = tempfile.mkdtemp(prefix="vp-cockpit-")
    ws = None
    try:
        stage = os.path.join(tmp, "stage")
        shutil.copytree(os.path.join(SRC, "cockpit"), os.path.join(stage, "usr", "share", "cockpit", "vfio-pilot"))
        os.makedirs(os.path.join(stage, "usr", "sbin"))
        shutil.copy(os.path.abspath(a.binary), os.path.join(stage, "usr", "sbin", "vfio-pilot"))
        roots = {}
        for name, desc in (("ready", "fedora-igpu-rtx"), ("off", "no-iommu")):
            r = os.path.join(tmp, name)
            make_root(desc, r)
            roots[name] = r
        before = digest(roots["ready"])
        port = free_port()
        env = dict(os.environ, XDG_DATA_DIRS=os.path.join(stage, "usr", "share") + ":/usr/share",
                   PATH=os.path.join(stage, "usr", "sbin") + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   LC_ALL="C.UTF-8", NO_COLOR="1", SOURCE_DATE_EPOCH="1767225600")
        log = open(os.path.join(tmp, "ws.log"), "w")
        ws = subprocess.Popen([WS, "--no-tls", "--port", str(port), "--address", "127.0.0.1",
                               "--local-session=cockpit-bridge"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        shots = a.screenshots or os.path.join(tmp, "shots")
        os.makedirs(shots, exist_ok=True)
        t0 = time.monotonic()
        p = subprocess.run(["node", os.path.join(HERE, "page-test.js"), str(port), roots["ready"], roots["off"], shots],
                           cwd=HERE, text=True, capture_output=True, timeout=600)
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        print(f"browser flow: {time.monotonic() - t0:.1f} s")
        ok = digest(roots["ready"]) == before
        print(("ok   " if ok else "FAIL ") + "undo left the tree byte for byte as before")
        import re
        m = re.findall(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
        np, nf = (int(m[-1][0]), int(m[-1][1])) if m else (0, 1)
        if p.returncode and not nf:
            nf = 1
        np, nf = np + ok, nf + (not ok)
        if nf:
            log.flush()
            print("--- cockpit-ws log ---\n" + open(os.path.join(tmp, "ws.log")).read()[-3000:])
        print(f"{np} passed, {nf} failed")
        return 1 if nf else 0
    finally:
        if ws:
            os.killpg(ws.pid, signal.SIGTERM)
            ws.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

sys.exit(main())
