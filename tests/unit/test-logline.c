/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for logline.c: one table row per input form, plus the truncated and garbled ones. */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"

struct row {
	const char *line;
	int ret;
	enum vp_log_format format;
	const char *ts;     /* NULL: none */
	const char *ident;  /* NULL: none */
	const char *msg;
	int priority;
};

/* A line rejected with error e. */
#define BAD(l, e) { l, e, VP_LOG_RAW, NULL, NULL, NULL, -1 }

static const struct row rows[] = {
	/* dmesg with and without timestamps, dmesg -T */
	{ "[    0.033906] DMAR: IOMMU enabled", 0, VP_LOG_DMESG, "0.033906", "kernel", "DMAR: IOMMU enabled", -1 },
	{ "[12345.678901] vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff 64bit pref]\n", 0,
	  VP_LOG_DMESG, "12345.678901", "kernel",
	  "vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff 64bit pref]", -1 },
	{ "[Tue Nov 25 11:28:22 2026] usb 1-1: new high-speed USB device number 2 using xhci_hcd", 0, VP_LOG_DMESG,
	  "Tue Nov 25 11:28:22 2026", "kernel", "usb 1-1: new high-speed USB device number 2 using xhci_hcd", -1 },
	{ "DMAR: Intel(R) Virtualization Technology for Directed I/O", 0, VP_LOG_RAW, NULL, NULL,
	  "DMAR: Intel(R) Virtualization Technology for Directed I/O", -1 },
	{ "[drm] amdgpu kernel modesetting enabled.", 0, VP_LOG_RAW, NULL, NULL, "[drm] amdgpu kernel modesetting enabled.",
	  -1 },
	/* /dev/kmsg records */
	{ "6,1234,5678,-;DMAR: IOMMU enabled", 0, VP_LOG_KMSG, "5678", "kernel", "DMAR: IOMMU enabled", 6 },
	{ "3,99,123456,-,caller=T1;pci 0000:01:00.0: probe with driver vfio-pci failed with error -16", 0, VP_LOG_KMSG,
	  "123456", "kernel", "pci 0000:01:00.0: probe with driver vfio-pci failed with error -16", 3 },
	{ "27,5,77;vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded", 0, VP_LOG_KMSG, "77", "kernel",
	  "vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded", 3 },
	BAD(" SUBSYSTEM=pci", -ENODATA),
	BAD(" DEVICE=+pci:0000:01:00.0", -ENODATA),
	/* journalctl short = syslog */
	{ "Dec 06 09:04:26 208 kernel: vfio-pci 0000:01:00.0: BAR 3: can't reserve [mem 0xa0000000-0xa1ffffff 64bit pref]",
	  0, VP_LOG_SYSLOG, "Dec 06 09:04:26", "kernel",
	  "vfio-pci 0000:01:00.0: BAR 3: can't reserve [mem 0xa0000000-0xa1ffffff 64bit pref]", -1 },
	{ "Oct  7 17:49:30 mythtv kernel: [    6.495733] ivtv: Start initialization, version 1.4.3", 0, VP_LOG_SYSLOG,
	  "Oct  7 17:49:30", "kernel", "ivtv: Start initialization, version 1.4.3", -1 },
	{ "Nov 25 11:28:22 deskbox libvirtd[1234]: internal error: qemu unexpectedly closed the monitor", 0,
	  VP_LOG_SYSLOG, "Nov 25 11:28:22", "libvirtd", "internal error: qemu unexpectedly closed the monitor", -1 },
	{ "Nov 25 11:28:22 deskbox some text without ident", 0, VP_LOG_SYSLOG, "Nov 25 11:28:22", NULL,
	  "some text without ident", -1 },
	/* journalctl short-iso, short-iso-precise, short-monotonic */
	{ "2023-11-14T22:13:20+0000 h kernel: DMAR: Intel(R) Virtualization Technology for Directed I/O", 0, VP_LOG_ISO,
	  "2023-11-14T22:13:20+0000", "kernel", "DMAR: Intel(R) Virtualization Technology for Directed I/O", -1 },
	{ "2023-11-14T22:13:20.123456+01:00 h virtqemud[812]: Domain id=1 is tainted", 0, VP_LOG_ISO,
	  "2023-11-14T22:13:20.123456+01:00", "virtqemud", "Domain id=1 is tainted", -1 },
	{ "[    1.000000] h kernel: AMD-Vi: Interrupt remapping enabled", 0, VP_LOG_MONOTONIC, "1.000000", "kernel",
	  "AMD-Vi: Interrupt remapping enabled", -1 },
	{ "[    2.000000] h libvirtd[7]: error: x", 0, VP_LOG_MONOTONIC, "2.000000", "libvirtd", "error: x", -1 },
	{ "[    2.000000] usb 1-1: new device", 0, VP_LOG_DMESG, "2.000000", "kernel", "usb 1-1: new device", -1 },
	/* QEMU's own log and stderr */
	{ "2024-02-07T09:02:08.235671Z qemu-system-x86_64: -device vfio-pci,host=0000:07:00.0,id=hostdev0: VFIO_MAP_DMA "
	  "failed: Cannot allocate memory",
	  0, VP_LOG_QEMU, "2024-02-07T09:02:08.235671Z", "qemu-system-x86_64",
	  "-device vfio-pci,host=0000:07:00.0,id=hostdev0: VFIO_MAP_DMA failed: Cannot allocate memory", -1 },
	{ "qemu-system-x86_64: -device vfio-pci,host=01:00.0: vfio 0000:01:00.0: group 1 is not viable", 0, VP_LOG_QEMU,
	  NULL, "qemu-system-x86_64", "-device vfio-pci,host=01:00.0: vfio 0000:01:00.0: group 1 is not viable", -1 },
	{ "qemu-kvm: -device vfio-pci,host=0000:af:04.7: vfio 0000:af:04.7: failed to open /dev/vfio/vfio: Permission denied",
	  0, VP_LOG_QEMU, NULL, "qemu-kvm",
	  "-device vfio-pci,host=0000:af:04.7: vfio 0000:af:04.7: failed to open /dev/vfio/vfio: Permission denied", -1 },
	/* found by fuzz-diagnose: an ident with an unclosed '[' used to leave the message unset */
	{ "2024-02-07T09:02:08.235671Z qemu-system[x86_64: -device x: VFIO_MAP_DMA failed", 0, VP_LOG_ISO,
	  "2024-02-07T09:02:08.235671Z", NULL, "-device x: VFIO_MAP_DMA failed", -1 },
	/* libvirt daemon log */
	{ "2024-02-07 09:02:08.234+0000: 4321: error : qemuProcessReportLogError:2066 : internal error: qemu unexpectedly "
	  "closed the monitor",
	  0, VP_LOG_LIBVIRT, "2024-02-07 09:02:08.234+0000", "libvirt",
	  "internal error: qemu unexpectedly closed the monitor", 3 },
	{ "2024-02-07 09:02:08.234+0000: 4321: warning : something happened", 0, VP_LOG_LIBVIRT,
	  "2024-02-07 09:02:08.234+0000", "libvirt", "something happened", 4 },
	/* virsh */
	{ "error: Failed to start domain 'win10'", 0, VP_LOG_VIRSH, NULL, "virsh", "Failed to start domain 'win10'", 3 },
	{ "error: internal error: Unknown PCI header type '127' for device '0000:01:00.0'", 0, VP_LOG_VIRSH, NULL, "virsh",
	  "internal error: Unknown PCI header type '127' for device '0000:01:00.0'", 3 },
	/* nothing, truncated, garbled */
	BAD("", -ENODATA),
	BAD("\n", -ENODATA),
	BAD("\r\n", -ENODATA),
	BAD("[   12.3456", -EBADMSG),
	BAD("6,1234,5678,-", -EBADMSG),
	BAD("6,1234", -EBADMSG),
	BAD("6,,5;x", -EBADMSG),
	BAD("Nov 25 11:2", -EBADMSG),
	BAD("Nov 25 xx:28:22 host kernel: x", -EBADMSG),
	BAD("2023-11-14T22:1", -EBADMSG),
	BAD("2023-11-14T22:13:20+0", -EBADMSG),
	BAD("2023-11-14T22:13:20.+0000 h kernel: x", -EBADMSG),
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct vp_logline l;
		int e = vp_logline_parse(r->line, strlen(r->line), &l);
		if (e != r->ret)
			fail_msg("row %zu '%s': returned %d, want %d", i, r->line, e, r->ret);
		if (e < 0) {
			assert_null(l.msg);
			continue;
		}
		if (l.format != r->format)
			fail_msg("row %zu '%s': format %s, want %s", i, r->line, vp_log_format_to_string(l.format),
				 vp_log_format_to_string(r->format));
		if (r->ts) {
			assert_non_null(l.ts);
			if (l.ts_len != strlen(r->ts) || memcmp(l.ts, r->ts, l.ts_len) != 0)
				fail_msg("row %zu: ts '%.*s', want '%s'", i, (int)l.ts_len, l.ts, r->ts);
		} else if (l.ts) {
			fail_msg("row %zu: ts '%.*s', want none", i, (int)l.ts_len, l.ts);
		}
		if (r->ident) {
			assert_non_null(l.ident);
			if (l.ident_len != strlen(r->ident) || memcmp(l.ident, r->ident, l.ident_len) != 0)
				fail_msg("row %zu: ident '%.*s', want '%s'", i, (int)l.ident_len, l.ident, r->ident);
		} else if (l.ident) {
			fail_msg("row %zu: ident '%.*s', want none", i, (int)l.ident_len, l.ident);
		}
		if (l.msg_len != strlen(r->msg) || memcmp(l.msg, r->msg, l.msg_len) != 0)
			fail_msg("row %zu: msg '%.*s', want '%s'", i, (int)l.msg_len, l.msg, r->msg);
		if (l.priority != r->priority)
			fail_msg("row %zu: priority %d, want %d", i, l.priority, r->priority);
	}
}

/* The line need not be NUL-terminated and is never read past len. */
static void test_bounds(void **state)
{
	const char full[] = "6,1,2,-;vfio-pci 0000:01:00.0: enabling device";
	char *heap = malloc(sizeof(full) - 1);
	assert_non_null(heap);
	memcpy(heap, full, sizeof(full) - 1);
	for (size_t n = 0; n < sizeof(full); n++) {
		struct vp_logline l;
		int e = vp_logline_parse(heap, n, &l);
		assert_true(e == 0 || e == -ENODATA || e == -EBADMSG);
		if (e == 0) {
			assert_true(l.msg >= heap && l.msg + l.msg_len <= heap + n);
		}
	}
	free(heap);
	struct vp_logline l;
	assert_int_equal(vp_logline_parse("a\0b", 3, &l), -EBADMSG);
	assert_int_equal(vp_logline_parse(NULL, 0, &l), -ENODATA);
}

static void test_names(void **state)
{
	assert_string_equal(vp_log_format_to_string(VP_LOG_KMSG), "kmsg");
	assert_string_equal(vp_log_format_to_string(VP_LOG_VIRSH), "virsh");
	assert_null(vp_log_format_to_string(_VP_LOG_FORMAT_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
