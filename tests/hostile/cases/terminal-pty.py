# Issue 12 §3 under a real terminal (script(1)): the tty's width, colour rules (--color, NO_COLOR
# only when non-empty, TERM=dumb), and plan through $PAGER unless --no-pager.
import re
SGR = re.compile(rb"\x1b\[[0-9;]*m")

def check(t):
    for cols in (80, 120):
        for args in (["list"], ["check"]):
            r = t.vp(*args, tty=cols, env={"NO_COLOR": ""})   # empty NO_COLOR does not count
            lines = SGR.sub(b"", r.out).decode("utf-8", "replace").splitlines()
            t.expect(lines and max(len(l) for l in lines) <= cols, f"pty {cols}: {' '.join(args)} is wider than the terminal")
            if args == ["check"]:
                t.expect(SGR.search(r.out), f"pty {cols}: check is not coloured on a terminal")
    plain = lambda r: not re.search(rb"\x1b", r.out)
    t.expect(plain(t.vp("check", tty=80, env={"NO_COLOR": "1"})), "NO_COLOR=1 still colours")
    t.expect(plain(t.vp("check", tty=80, env={"NO_COLOR": "", "TERM": "dumb"})), "TERM=dumb still colours")
    t.expect(plain(t.vp("--color=never", "check", tty=80, env={"NO_COLOR": ""})), "--color=never still colours")
    t.expect(plain(t.vp("--no-color", "check", tty=80, env={"NO_COLOR": ""})), "--no-color still colours")
    t.expect(SGR.search(t.vp("--color=always", "check", env={"NO_COLOR": "1"}).out), "--color=always does not colour a pipe")
    t.expect(plain(t.vp("check")), "a pipe is coloured")
    # plan on a terminal goes through the pager, coloured diffs included
    pg = {"PAGER": "sed s/^/PAGED:/", "NO_COLOR": ""}
    r = t.vp("plan", "01:00.0", tty=120, env=pg)
    t.expect(r.rc == 0 and b"PAGED:Plan for" in r.out, f"plan on a tty does not use $PAGER: {r.out[:200]!r}")
    t.expect(re.search(rb"PAGED:\x1b\[32m\+", r.out), "the plan's diff is not coloured on a terminal")
    r = t.vp("--no-pager", "plan", "01:00.0", tty=120, env=pg)
    t.expect(r.rc == 0 and b"PAGED:" not in r.out and b"Plan for" in r.out, "--no-pager still pages")
    r = t.vp("plan", "01:00.0", env=pg)
    t.expect(b"PAGED:" not in r.out and b"\x1b" not in r.out, "plan to a pipe is paged or coloured")
