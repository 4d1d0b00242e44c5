#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Undo from a live USB, on fixture trees: `vfio-pilot --root TREE undo` run from outside the root.

For each host: build the tree, make it runnable chrooted (tests/golden/plan/lib/standins.sh), take a
listing of every path with type, mode, size, link target and SHA-256, apply, then undo with --root as a
live USB would, and compare: the tree must be restored byte for byte (the journal directory and the
stand-ins' call log excepted), nothing may stay mounted under it (/proc/self/mountinfo), and undo must
report that it bound /proc, /sys and /dev for its chrooted commands and unbound them. Also: undo whose
command fails still unbinds; undo succeeds when the grubby fallback entry was deleted by hand; refusals for a directory that is not a Linux root and for a root without
journal, with exit code 2 and the reason.

usage: live-undo.py VFIO_PILOT
"""
import hashlib, os, shutil, stat, subprocess, sys, tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS = [('debian-grub', '02:00.0'), ('fedora-igpu-rtx', '01:00.0'), ('arch-systemd-boot', '01:00.0'),
         ('ubuntu-grub', '01:00.0'), ('popos-kernelstub', '01:00.0'), ('fedora-atomic', '01:00.0')]
JOURNAL = 'var/lib/vfio-pilot'
failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL ' + msg)


def listing(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            full = os.path.join(d, n)
            rel = os.path.relpath(full, root)
            if rel == 'vp-calls.log' or rel.startswith('vp-fail') or rel == JOURNAL or rel.startswith(JOURNAL + '/'):
                continue
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ('dir', oct(st.st_mode & 0o7777))
            else:
                with open(full, 'rb') as f:
                    out[rel] = ('file', oct(st.st_mode & 0o7777), st.st_size, hashlib.sha256(f.read()).hexdigest())
    # directories that only hold the journal (var, var/lib when apply created them) are not the host's
    for p in ('var/lib', 'var'):
        if p in out and all(k == p or not k.startswith(p + '/') for k in out):
            del out[p]
    return out


def mounts_under(root):
    real = os.path.realpath(root)
    hits = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mp = line.split()[4].replace('\\040', ' ')
            if mp == real or mp.startswith(real + '/'):
                hits.append(mp)
    return hits


def run(binary, root, *args, env=None):
    return subprocess.run([binary, '--root', root] + list(args), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=env, timeout=120)


def make_tree(tmp, host, name=None):
    root = os.path.join(tmp, name or host)
    subprocess.run([sys.executable, os.path.join(SRC, 'tests/fixtures/mkhost.py'),
                    os.path.join(SRC, 'tests/fixtures/hosts', host + '.host'), root], check=True)
    env = dict(os.environ, ROOT=root)
    subprocess.run(['bash', '-c', '. "$0"', os.path.join(SRC, 'tests/golden/plan/lib/standins.sh')], check=True, env=env)
    return root


def check_host(binary, tmp, host, dev):
    root = make_tree(tmp, host)
    before = listing(root)
    env = dict(os.environ, LC_ALL='C', NO_COLOR='1')
    p = run(binary, root, 'apply', '--yes', dev, env=env)
    if p.returncode != 0:
        return fail(f'{host}: apply exited {p.returncode}: {p.stderr.strip()}')
    if listing(root) == before:
        return fail(f'{host}: apply changed nothing, the test would prove nothing')
    p = run(binary, root, '-v', 'undo', env=env)
    if p.returncode != 0:
        return fail(f'{host}: undo from outside the root exited {p.returncode}: {p.stderr.strip()}')
    if 'bound /proc /sys /dev' not in p.stderr or 'unbound /proc /sys /dev' not in p.stderr:
        fail(f'{host}: undo did not report binding and unbinding /proc /sys /dev: {p.stderr.strip()}')
    if 'etc/kernel/cmdline' not in before and 'etc/kernel/cmdline' in listing(root):
        # a kernel-install host without /etc/kernel/cmdline: apply pinned the host's own line in a
        # transaction of its own, which the first undo keeps; a second undo removes it
        p = run(binary, root, 'undo', env=env)
        if p.returncode != 0:
            return fail(f'{host}: second undo (the pinned /etc/kernel/cmdline) exited {p.returncode}: {p.stderr.strip()}')
    after = listing(root)
    if after != before:
        for k in sorted(set(before) | set(after)):
            if before.get(k) != after.get(k):
                fail(f'{host}: /{k} differs after undo: {before.get(k)} -> {after.get(k)}')
    else:
        print(f'ok {host}: {len(before)} paths restored byte for byte')
    left = mounts_under(root)
    if left:
        fail(f'{host}: still mounted under the root after undo: {left}')


def check_failing_command(binary, tmp):
    root = make_tree(tmp, 'debian-grub', 'debian-fail')
    env = dict(os.environ, LC_ALL='C', NO_COLOR='1')
    if run(binary, root, 'apply', '--yes', '02:00.0', env=env).returncode != 0:
        return fail('debian-fail: apply failed')
    open(os.path.join(root, 'vp-fail-update-grub'), 'w').close()
    p = run(binary, root, '-v', 'undo', env=env)
    if p.returncode != 3:
        fail(f'debian-fail: undo with a failing update-grub exited {p.returncode}, expected 3: {p.stderr.strip()}')
    if 'unbound /proc /sys /dev' not in p.stderr:
        fail(f'debian-fail: undo did not unbind after the failure: {p.stderr.strip()}')
    left = mounts_under(root)
    if left:
        fail(f'debian-fail: still mounted after a failed undo: {left}')
    else:
        print('ok debian-fail: failed undo left nothing mounted')


def check_fallback_removed_by_hand(binary, tmp):
    """grubby: a fallback entry the user deleted must not make undo fail."""
    root = os.path.join(tmp, 'fedora-hand')
    subprocess.run([sys.executable, os.path.join(SRC, 'tests/fixtures/mkhost.py'),
                    os.path.join(SRC, 'tests/fixtures/hosts/fedora-igpu-rtx.host'), root], check=True)
    env = dict(os.environ, ROOT=root, VP_GRUBBY='1')
    subprocess.run(['bash', os.path.join(SRC, 'tests/golden/recover/lib/recover.sh')], check=True, env=env)
    before = listing(root)
    env = dict(os.environ, LC_ALL='C', NO_COLOR='1')
    if run(binary, root, 'apply', '--yes', '01:00.0', env=env).returncode != 0:
        return fail('fedora-hand: apply failed')
    entries = os.path.join(root, 'boot/loader/entries')
    mine = [n for n in os.listdir(entries) if n.endswith('~custom.conf')]
    if len(mine) != 1:
        return fail(f'fedora-hand: expected one fallback entry, found {mine}')
    os.unlink(os.path.join(entries, mine[0]))
    p = run(binary, root, 'undo', env=env)
    if p.returncode != 0:
        return fail(f'fedora-hand: undo after the fallback entry was deleted by hand exited {p.returncode}: {p.stderr.strip()}')
    if listing(root) != before:
        return fail('fedora-hand: tree not restored')
    print('ok fedora-hand: undo with the fallback entry already deleted')


def check_refusals(binary, tmp):
    empty = os.path.join(tmp, 'not-a-root')
    os.makedirs(os.path.join(empty, 'home/user'))
    p = run(binary, empty, 'undo')
    if p.returncode != 2 or 'is not an installed Linux root' not in p.stderr:
        fail(f'not-a-root: exit {p.returncode}, stderr {p.stderr.strip()!r}')
    else:
        print('ok refusal: not a Linux root')
    root = make_tree(tmp, 'ubuntu-grub', 'no-journal')
    before = listing(root)
    p = run(binary, root, 'undo')
    if p.returncode != 2 or 'no vfio-pilot journal' not in p.stderr:
        fail(f'no-journal: exit {p.returncode}, stderr {p.stderr.strip()!r}')
    elif listing(root) != before or mounts_under(root):
        fail('no-journal: the refusal changed the tree or left a mount')
    else:
        print('ok refusal: no journal')


def main():
    binary = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print('SKIP: undo needs root (chroot, mount namespaces)')
        return 77
    tmp = tempfile.mkdtemp(prefix='vp-rescue-')
    try:
        for host, dev in HOSTS:
            check_host(binary, tmp, host, dev)
        check_failing_command(binary, tmp)
        check_fallback_removed_by_hand(binary, tmp)
        check_refusals(binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
