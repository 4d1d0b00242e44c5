# Issue 16 §2: a file plan edits holds bytes that are not UTF-8 and an escape sequence next to
# the line it changes. The diff shows them as escapes in text and as U+FFFD / \u001b in JSON.
import os
HOST = "debian-grub"

def damage(root):
    p = os.path.join(root, "etc/default/grub")
    data = open(p, "rb").read()
    data = data.replace(b"GRUB_CMDLINE_LINUX_DEFAULT=", b'GRUB_BADGE="caf\xe9 \x1b]0;pwned\x07\x1b[31m"\nGRUB_CMDLINE_LINUX_DEFAULT=', 1)
    open(p, "wb").write(data)

def check(t):
    r = t.vp("--no-pager", "plan", "02:00.0")
    t.expect(r.rc == 0, f"plan: exit {r.rc}: {r.err!r}")
    t.expect(b'GRUB_BADGE="caf\\xe9 \\x1b]0;pwned\\x07\\x1b[31m"' in r.out, "the diff does not show the bytes as escapes")
    t.expect(b"\x1b" not in r.out and b"\x07" not in r.out, "control characters of the file reach the terminal")
    r = t.vp("plan", "--json", "02:00.0")
    try:
        diffs = [c["diff"] for c in r.json()["changes"] if c["kind"] == "file"]
    except ValueError:
        return   # reported by the runner
    t.expect(any('GRUB_BADGE="caf\ufffd \x1b]0;pwned\x07\x1b[31m"' in d for d in diffs), "the JSON diff does not carry U+FFFD and the escapes")
    t.expect(b"\\u001b]0;pwned\\u0007" in r.out, "the JSON does not escape the control characters")
