# Issue 16 §3 "One JSON document always": with --json every failure prints exactly one JSON
# document, {"error": {...}} (docs/json.md), whose exit_code is the process's exit code.
CASES = [
    (["status", "--json"], 1),
    (["--json", "nosuchcommand"], 2),
    (["list", "--json", "extra-argument"], 2),
    (["xml", "--json", "99:00.0"], 2),
    (["plan", "--json"], 2),
    (["snapshot", "--json"], 2),
    (["undo", "--json"], 2),
    (["diagnose", "--json", "--no-host", "--file", "/nonexistent/log"], 2),
    (["--json", "--color=sometimes", "list"], 2),
]

def check(t):
    for args, rc in CASES:
        r = t.vp(*args)
        label = " ".join(args)
        if not t.expect(r.rc == rc, f"{label}: exit {r.rc}, want {rc}"):
            continue
        try:
            doc = r.json()
        except ValueError:
            continue   # reported by the runner
        e = doc.get("error")
        if t.expect(isinstance(e, dict), f"{label}: no error object: {doc!r}"):
            t.expect(e.get("exit_code") == rc, f"{label}: exit_code {e.get('exit_code')}")
            t.expect(isinstance(e.get("message"), str) and e["message"], f"{label}: no message")
            t.expect(isinstance(e.get("messages"), list) and e["message"] == e["messages"][0], f"{label}: messages")
            t.expect(r.err.decode().startswith("vfio-pilot: "), f"{label}: the error line is gone from stderr")
    # a root that cannot be read at all
    r = t.vp("--root", "/nonexistent/root", "--json", "list")
    t.expect(r.rc == 2 and "error" in r.json(), "an unopenable --root gives no error document")
    # success is unchanged: no error object
    t.expect("error" not in t.vp("list", "--json").json(), "list --json has an error object")
