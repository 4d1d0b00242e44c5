# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the transaction tests (tests/txn): a fixture tree whose rebuild tool writes real output,
and a digest of a tree that tells whether it is byte for byte as before.

The tree is tests/fixtures/hosts/fedora-igpu-rtx made runnable chrooted by
tests/golden/plan/lib/standins.sh (busybox as /bin/sh, recording stand-ins). On top, dracut is a
stand-in that builds a fake initramfs, /boot/vp-initramfs.img, from /etc/modprobe.d and
/etc/dracut.conf.d: an image built from the wrong configuration shows in the digest. It reads the
configuration first, then sleeps /vp-slow seconds (0 when absent), then writes the image, in a
background subshell of its own (a grandchild of vfio-pilot in the same process group, as dracut's
helpers are): when vfio-pilot is killed, that subshell outlives it unless vfio-pilot's recovery ends
it. It fails (exit 1) while /vp-fail-dracut exists.
"""
import hashlib, os, shutil, stat, subprocess, sys

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "fedora-igpu-rtx"
DEVICE = "01:00.0"

DRACUT = r'''#!/bin/sh
n=${0##*/}
{ printf '%s' "$n"; for a in "$@"; do printf ' <%s>' "$a"; done; printf '\n'; } >> /vp-calls.log
if [ -e /vp-fail-dracut ]; then echo "dracut: simulated failure (remove /vp-fail-dracut)" >&2; exit 1; fi
s=0
[ -f /vp-slow ] && read -r s < /vp-slow
(
	img=
	for f in /etc/modprobe.d/*.conf /etc/dracut.conf.d/*.conf; do
		[ -f "$f" ] || continue
		img="$img== $f
"
		while IFS= read -r l || [ -n "$l" ]; do img="$img$l
"; done < "$f"
	done
	echo "dracut: building from $(printf '%s' "$img" | /bin/busybox wc -l) lines"
	[ "$s" = 0 ] || /bin/busybox sleep "$s"
	printf '%s' "$img" > /boot/.vp-initramfs.tmp && /bin/busybox mv -f /boot/.vp-initramfs.tmp /boot/vp-initramfs.img
	echo "dracut: wrote /boot/vp-initramfs.img"
) &
wait
'''

IGNORED_TOP = {"vp-calls.log", "vp-slow", "vp-fail-dracut"}


def make_tree(dest):
    """The fixture tree, runnable, with an initramfs built from its own configuration."""
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "fixtures", "mkhost.py"),
                    os.path.join(SRC, "tests", "fixtures", "hosts", HOST + ".host"), dest], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["bash", os.path.join(SRC, "tests", "golden", "plan", "lib", "standins.sh")], check=True,
                   env=dict(os.environ, ROOT=dest))
    shutil.copy(shutil.which("busybox"), os.path.join(dest, "bin", "busybox"))
    d = os.path.join(dest, "usr", "bin", "dracut")
    with open(d, "w") as f:
        f.write(DRACUT)
    os.chmod(d, 0o755)
    os.makedirs(os.path.join(dest, "var", "lib"), exist_ok=True)
    # a background job's stdin is /dev/null: the tree gets one for runs without vfio-pilot's /dev bind
    os.makedirs(os.path.join(dest, "dev"), exist_ok=True)
    if not os.path.exists(os.path.join(dest, "dev", "null")):
        os.mknod(os.path.join(dest, "dev", "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    subprocess.run(["chroot", dest, "/usr/bin/dracut"], check=True, stdout=subprocess.DEVNULL)
    os.unlink(os.path.join(dest, "vp-calls.log"))


def digest(root, extra_ignore=()):
    """Every entry of the tree (type, mode, owner, content or link target, extended attributes), except
    the journal (var/lib/vfio-pilot), the stand-ins' files at the top and extra_ignore (rel paths)."""
    h = hashlib.sha256()
    entries = []
    for dirpath, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirs.sort()
        for name in sorted(dirs + files):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel == "var/lib/vfio-pilot" or rel.startswith("var/lib/vfio-pilot/") or rel in IGNORED_TOP \
                    or rel.startswith("vp-failed-") or rel in extra_ignore:
                continue
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            line = f"{rel} {stat.S_IFMT(st.st_mode):o} {stat.S_IMODE(st.st_mode):o} {st.st_uid}:{st.st_gid}"
            if stat.S_ISLNK(st.st_mode):
                line += " -> " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    line += " " + hashlib.sha256(f.read()).hexdigest()
            try:
                for x in sorted(os.listxattr(p, follow_symlinks=False)):
                    line += f" {x}={os.getxattr(p, x, follow_symlinks=False).hex()}"
            except OSError:
                pass
            entries.append(line)
    for e in entries:
        h.update(e.encode() + b"\n")
    return h.hexdigest(), entries


def diff_entries(a, b, limit=8):
    sa, sb = set(a), set(b)
    out = [f"- {x}" for x in sorted(sa - sb)][:limit] + [f"+ {x}" for x in sorted(sb - sa)][:limit]
    return "\n".join(out)


def copy_tree(src, dst):
    subprocess.run(["cp", "-a", src, dst], check=True)


def state(root, txid="0001"):
    import json
    try:
        with open(os.path.join(root, "var/lib/vfio-pilot/txn", txid, "manifest.json")) as f:
            return json.load(f).get("state")
    except (OSError, ValueError):
        return None
