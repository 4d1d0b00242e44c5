#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kill sweep: `apply` and `undo` are killed at syscall after syscall, and at timed points while a
slow stand-in rebuild runs; after each kill the next `vfio-pilot undo` (every third time after a
`vfio-pilot status`, which finishes an interrupted job too) must bring the tree back byte for byte
to what it was before apply (tests/txn/lib.py: digest), leave no transaction unfinished, and no
process of the killed run may write afterwards.

  kill-sweep.py VFIO_PILOT            reduced sweep (CI): every K-th syscall point (K from --step=K, default
                                       chosen for about 15 points per command), a few timed points
  kill-sweep.py VFIO_PILOT --full     every point of the syscalls below, every 0.1 s of the timed sweep
  --all-syscalls                      every syscall vfio-pilot makes (thousands of points: hours)

A syscall point is (syscall S, invocation N): `strace -e trace=S -e inject=S:signal=KILL:when=N`
kills vfio-pilot itself (not traced with -f: its commands are not killed by strace, as they would not
be by a power cut of vfio-pilot alone; the first one dies with it by its parent-death signal, its
background helpers live on until recovery ends them). The syscalls are those that change state or
order it (writes, renames, syncs, directory changes, attributes, process start and end, the lock).
Ends with "N passed, N failed" (tests/summarize.py counts it) and the counts per command.
"""
import os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

SYSCALLS = ["openat2", "write", "fsync", "renameat", "renameat2", "rename", "unlinkat", "mkdirat", "fchmod",
            "fchown", "fsetxattr", "flistxattr", "pipe2", "clone", "clone3", "vfork", "setpgid", "prctl", "waitid",
            "wait4", "kill", "flock"]

ENV = dict(os.environ, LC_ALL="C", NO_COLOR="1", SOURCE_DATE_EPOCH="1767225600")


def run(vp, root, *args, timeout=120):
    return subprocess.run([vp, "--root", root, *args], env=ENV, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=timeout)


def count_points(vp, root, args, syscalls):
    log = os.path.join(os.path.dirname(root), "count.log")
    trace = "all" if syscalls is None else ",".join(syscalls)
    subprocess.run(["strace", "-qq", "-o", log, "-e", "trace=" + trace, vp, "--root", root, *args], env=ENV,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    counts = {}
    for line in open(log):
        name = line.split("(", 1)[0].strip()
        if name and name[0].isalpha() and not line.startswith("+++") and not line.startswith("---"):
            counts[name] = counts.get(name, 0) + 1
    os.unlink(log)
    return counts


class Sweep:
    def __init__(self, vp, work):
        self.vp, self.work = vp, work
        self.results = {}  # command -> [tried, recovered]
        self.failures = []
        self.t0 = os.path.join(work, "pre")
        lib.make_tree(self.t0)
        self.d0, self.e0 = lib.digest(self.t0)
        self.t1 = os.path.join(work, "applied")
        lib.copy_tree(self.t0, self.t1)
        p = run(vp, self.t1, "apply", "--yes", lib.DEVICE)
        if p.returncode != 0:
            raise SystemExit(f"kill-sweep: apply on the fixture failed ({p.returncode}): {p.stderr}")
        self.n = 0

    def fresh(self, template):
        self.n += 1
        t = os.path.join(self.work, f"t{self.n}")
        lib.copy_tree(template, t)
        return t

    def recover_and_check(self, what, cmd, t, i, wait_s=0.0):
        tried = self.results.setdefault(cmd, [0, 0])
        tried[0] += 1
        notes = []
        # the recovery's own rebuild is quick: a helper of the killed run still sleeping would write after it
        if os.path.exists(os.path.join(t, "vp-slow")):
            os.unlink(os.path.join(t, "vp-slow"))
        if i % 3 == 0:
            p = run(self.vp, t, "status")
            notes.append(f"status rc {p.returncode}")
        p = run(self.vp, t, "undo")
        notes.append(f"undo rc {p.returncode}")
        if wait_s:
            time.sleep(wait_s)  # a helper of the killed run that was not ended would write now
        # rc 2: the kill came before the journal existed (nothing to undo; the tree must be untouched)
        ok = p.returncode == 0 or (p.returncode == 2 and ("no applied transaction" in p.stderr or
                                                          "no vfio-pilot journal" in p.stderr))
        d, e = lib.digest(t)
        unfinished = [s for s in (lib.state(t, x) for x in ("0001", "0002")) if s not in (None, "undone", "rolled-back")]
        if ok and d == self.d0 and not unfinished:
            tried[1] += 1
            subprocess.run(["rm", "-rf", t])
            return True
        self.failures.append(f"{cmd} killed at {what}: not recovered ({', '.join(notes)}; states left {unfinished})\n"
                             f"  {p.stderr.strip()[:600]}\n{lib.diff_entries(self.e0, e)}\n  tree kept: {t}")
        return False

    def syscall_sweep(self, cmd, template, args, syscalls, step):
        counts = count_points(self.vp, self.fresh(template), args, syscalls)
        points = [(s, n) for s in sorted(counts) for n in range(1, counts[s] + 1)]
        for i, (s, n) in enumerate(points):
            if i % step:
                continue
            t = self.fresh(template)
            subprocess.run(["strace", "-qq", "-o", "/dev/null", "-e", "trace=" + s, "-e", f"inject={s}:signal=KILL:when={n}",
                            self.vp, "--root", t, *args], env=ENV, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
            self.recover_and_check(f"{s} #{n}", cmd, t, i)
        return len(points)

    def timed_sweep(self, cmd, template, args, delays, slow):
        for i, (delay, sig) in enumerate(delays):
            t = self.fresh(template)
            with open(os.path.join(t, "vp-slow"), "w") as f:
                f.write(f"{slow}\n")
            p = subprocess.Popen([self.vp, "--root", t, *args], env=ENV, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            time.sleep(delay)
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                pass
            p.wait(timeout=120)
            self.recover_and_check(f"{delay:.2f} s ({signal.Signals(sig).name})", cmd + " (timed)", t, i,
                                   wait_s=slow + 0.5)

    def rollback_failed(self):
        """The rebuild fails in apply and again in its rollback: rollback-failed; undo retries once fixed."""
        t = self.fresh(self.t0)
        open(os.path.join(t, "vp-fail-dracut"), "w").close()
        p = run(self.vp, t, "apply", "--yes", lib.DEVICE)
        tried = self.results.setdefault("rollback-failed, then undo", [0, 0])
        tried[0] += 1
        st = lib.state(t)
        if p.returncode != 3 or st != "rollback-failed" or "left to do for transaction 0001" not in p.stderr:
            self.failures.append(f"rollback-failed: apply rc {p.returncode}, state {st}:\n{p.stderr}")
            return
        r = run(self.vp, t, "undo")
        if r.returncode != 3 or lib.state(t) != "rollback-failed":  # still failing: refused honestly
            self.failures.append(f"rollback-failed: undo while dracut still fails: rc {r.returncode}\n{r.stderr}")
            return
        os.unlink(os.path.join(t, "vp-fail-dracut"))
        r = run(self.vp, t, "undo")
        d, e = lib.digest(t)
        if r.returncode != 0 or d != self.d0 or lib.state(t) != "rolled-back":
            self.failures.append(f"rollback-failed: undo after the fix: rc {r.returncode}, state {lib.state(t)}\n"
                                 f"{r.stderr}\n{lib.diff_entries(self.e0, e)}")
            return
        tried[1] += 1


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    vp = os.path.abspath(args[0])
    full = "--full" in sys.argv
    syscalls = None if "--all-syscalls" in sys.argv else SYSCALLS
    step = 1
    for a in sys.argv:
        if a.startswith("--step="):
            step = int(a.split("=", 1)[1])
    if os.geteuid() != 0 or not subprocess.run(["sh", "-c", "command -v strace && command -v busybox"],
                                               capture_output=True).returncode == 0:
        print("kill-sweep: needs root, strace and busybox (scripts/install-deps.sh); skipped")
        return 77
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="vp-kill-") as work:
        s = Sweep(vp, work)
        apply_args = ["apply", "--yes", lib.DEVICE]
        if not full and step == 1:
            step = 0  # chosen below from the counts
        counts = {}
        for cmd, template, a in (("apply", s.t0, apply_args), ("undo", s.t1, ["undo"])):
            st = step
            if st == 0:
                total = sum(count_points(vp, s.fresh(template), a, syscalls).values())
                st = max(1, total // 15)
            counts[cmd] = (s.syscall_sweep(cmd, template, a, syscalls, st), st)
        if full:
            delays = [(0.1 * k, signal.SIGKILL if k % 2 else signal.SIGTERM) for k in range(1, 26)]
        else:
            delays = [(0.3, signal.SIGKILL), (1.0, signal.SIGTERM), (1.8, signal.SIGKILL)]
        s.timed_sweep("apply", s.t0, apply_args, delays, 1)
        s.timed_sweep("undo", s.t1, ["undo"], delays, 1)
        s.rollback_failed()
        for f in s.failures:
            print("FAIL " + f)
        passed = sum(v[1] for v in s.results.values())
        failed = sum(v[0] - v[1] for v in s.results.values())
        for cmd, (tried, rec) in sorted(s.results.items()):
            extra = f" (of {counts[cmd][0]} syscall points, every {counts[cmd][1]})" if cmd in counts else ""
            print(f"{cmd}: {tried} kill points tried, {rec} recovered byte for byte{extra}")
        print(f"kill-sweep took {time.time() - start:.0f} s")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
