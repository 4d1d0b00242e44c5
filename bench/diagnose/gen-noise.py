#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes SIZE bytes of realistic journal noise (kernel boot, USB, network,
systemd, audio, DRM lines in journalctl short format) to OUT, with a few
passthrough failure signatures spread through it. Deterministic (seeded).

usage: gen-noise.py OUT [SIZE_MIB]   (default 1024 MiB)
"""
import random, sys

rng = random.Random(20261125)
HOST = "deskbox"

def ts(i):
    s = i % 86400
    return "Nov %2d %02d:%02d:%02d" % (1 + (i // 86400) % 28, s // 3600, (s // 60) % 60, s % 60)

def k(mono, msg):
    return ("kernel", "[%12.6f] " % mono + msg if rng.random() < 0.3 else msg)

KERNEL = [
    "pci 0000:00:%02x.%d: [8086:%04x] type 00 class 0x0c0330 PCIe Root Complex Integrated Endpoint",
    "pci 0000:00:%02x.%d: BAR 0 [mem 0x6001100000-0x600110ffff 64bit]",
    "pci 0000:00:%02x.%d: PME# supported from D3hot D3cold",
    "pci 0000:0%x:00.%d: bridge window [mem 0xa0000000-0xa01fffff]",
    "ACPI: \\_SB_.PCI0.GP%02d.PXSX.WRST: New power resource %d",
    "usb %d-%d: new high-speed USB device number %d using xhci_hcd",
    "usb %d-%d: New USB device found, idVendor=046d, idProduct=c52b, bcdDevice=12.%02d",
    "usb %d-%d: New USB device strings: Mfr=1, Product=2, SerialNumber=%d",
    "usb %d-%d: reset high-speed USB device number %d using xhci_hcd",
    "hid-generic 0003:046D:C52B.%04X: input,hiddev96,hidraw%d: USB HID v1.11 Device [Logitech USB Receiver] on usb-0000:00:14.0-%d/input2",
    "input: Logitech USB Receiver as /devices/pci0000:00/0000:00:14.0/usb1/1-%d/1-%d:1.0/0003:046D:C52B.%04X/input/input%d",
    "e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "IPv6: ADDRCONF(NETDEV_CHANGE): wlp%ds0: link becomes ready",
    "wlp%ds0: authenticate with 3c:%02x:aa:10:22:%02x (local address=a4:%02x:1b:2c:3d:4e)",
    "wlp%ds0: associated (aid %d)",
    "EXT4-fs (nvme0n1p%d): mounted filesystem with ordered data mode. Quota mode: none.",
    "audit: type=1400 audit(1732531%03d.%03d:%d): apparmor=\"STATUS\" operation=\"profile_load\" name=\"snap-update-ns\"",
    "snd_hda_codec_realtek hdaudioC%dD0: autoconfig for ALC1220: line_outs=3 (0x14/0x15/0x16/0x0/0x0) type:line",
    "[drm] Initialized i915 1.6.0 20201103 for 0000:00:02.0 on minor %d",
    "i915 0000:00:02.0: [drm] fb%d: i915drmfb frame buffer device",
    "nvme nvme0: %d/0/0 default/read/poll queues",
    "thermal thermal_zone%d: failed to read out thermal zone (-61)",
    "Bluetooth: hci0: Firmware revision 0.%d build %d week %d 2021",
    "perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d",
    "x86/fpu: Supporting XSAVE feature 0x%03x: 'AVX registers'",
    "clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x%x, max_idle_ns: %d ns",
    "EDAC MC%d: Giving out device to module ie31200_edac controller IE31200: DEV 0000:00:00.0 (POLLED)",
]
UNITS = [
    ("systemd", "Started Session %d of User alice."),
    ("systemd", "Starting Daily apt download activities (%d)..."),
    ("systemd", "Finished Cleanup of Temporary Directories %d."),
    ("systemd-logind", "New session %d of user alice."),
    ("systemd-resolved", "Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 192.168.%d.%d."),
    ("NetworkManager", "<info>  [1732531%03d.%04d] device (wlp%ds0): state change: config -> ip-config (reason 'none')"),
    ("NetworkManager", "<info>  [1732531%03d.%04d] dhcp4 (wlp%ds0): state changed new lease, address=192.168.1.%d"),
    ("gnome-shell", "Window manager warning: Overwriting existing binding of keysym %d with keysym %d (keycode 2d)."),
    ("pipewire", "spa.alsa: hw:%d: snd_pcm_avail after recover: Broken pipe"),
    ("sshd", "Accepted publickey for alice from 192.168.1.%d port %d ssh2: ED25519 SHA256:x%dQ"),
    ("CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 %d)"),
    ("dbus-daemon", "[system] Activating via systemd: service name='org.freedesktop.%d' unit='x.service'"),
    ("chronyd", "Selected source 162.159.200.%d (2.debian.pool.ntp.org) offset %d"),
    ("kded5", "org.kde.pim.akonadicontrol: Akonadi server failed to start %d times"),
]
# Real failure lines (shapes from the kernel and QEMU sources; see src/lib/diagnose.c).
SIGNATURES = [
    ("kernel", "vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff 64bit pref]"),
    ("kernel", "pci 0000:01:00.0: probe with driver vfio-pci failed with error -16"),
    ("libvirtd", "internal error: qemu unexpectedly closed the monitor: 2026-11-25T10:00:00.000000Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.5,addr=0x0: vfio 0000:01:00.0: group 1 is not viable"),
    ("kernel", "DMAR: [DMA Read NO_PASID] Request device [0x01:0x00.0] fault addr 0x7c346000 [fault reason 0x06] PTE Read access is not set"),
    ("kernel", "vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded"),
]

def fill(fmt):
    n = fmt.count("%") - 2 * fmt.count("%%")
    return fmt % tuple(rng.randint(1, 99) for _ in range(n))

def pool(nlines):
    out, mono = [], 0.0
    for i in range(nlines):
        mono += rng.random() * 0.01
        if rng.random() < 0.55:
            ident, msg = k(mono, fill(rng.choice(KERNEL)))
        else:
            ident, fmt = rng.choice(UNITS)
            msg = fill(fmt)
        pid = "" if ident == "kernel" else "[%d]" % rng.randint(300, 40000)
        out.append("%s %s %s%s: %s\n" % (ts(i), HOST, ident, pid, msg))
    return "".join(out).encode()

def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    target = size * 1024 * 1024
    block = pool(200000)
    written, n = 0, 0
    with open(out, "wb") as f:
        while written < target:
            chunk = block[: target - written]
            f.write(chunk)
            written += len(chunk)
            if written < target:
                ident, msg = SIGNATURES[n % len(SIGNATURES)]
                line = ("%s %s %s: %s\n" % (ts(n), HOST, ident, msg)).encode()
                f.write(line)
                written += len(line)
                n += 1
    print("wrote %s: %d bytes, %d signature lines" % (out, written, n), file=sys.stderr)

main()
