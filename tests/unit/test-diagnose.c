/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for diagnose.c and journal.c: the corpus of real log excerpts
 * (tests/diagnose/corpus/), the catalog, address extraction, line numbers
 * across buffers, the host join, and a real journal built with
 * systemd-journal-remote.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diagnose-fix.h"
#include "diagnose-sources.h"
#include "host.h"
#include "journal.h"
#include "root.h"
#include "util.h"

static struct vp_diag *new_diag(void)
{
	struct vp_diag *d = NULL;
	assert_int_equal(vp_diag_new(&d), 0);
	return d;
}

static int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("vp-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static const struct vp_finding *find(const struct vp_diag *d, const char *id, const char *dev)
{
	size_t n;
	const struct vp_finding *f = vp_diag_findings(d, &n);
	for (size_t i = 0; i < n; i++)
		if (streq(f[i].entry->id, id) && (!dev || streq(f[i].device, dev)))
			return &f[i];
	return NULL;
}

/* Feeds text (a whole log) through the streaming path and finishes without a host. */
static struct vp_diag *diag_text(const char *text)
{
	struct vp_diag *d = new_diag();
	int fd = memfd_with(text, strlen(text));
	assert_int_equal(vp_diag_feed_fd(d, "-", fd), 0);
	close(fd);
	assert_int_equal(vp_diag_finish(d, NULL), 0);
	return d;
}

/* ---- corpus ---- */

static bool word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

static int check_corpus_file(const char *dir, const char *name)
{
	_cleanup_free_ char *path = vp_strdup_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct vp_buf body = { 0 };
	char expect[512] = "", expect_info[512] = "", source[1024] = "";
	bool have_expect = false, uncovered = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t l;
	while ((l = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "#vp ", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line + 4, "expect:", 7) == 0) {
				snprintf(expect, sizeof(expect), "%s", line + 11);
				have_expect = true;
			} else if (strncmp(line + 4, "expect-info:", 12) == 0) {
				snprintf(expect_info, sizeof(expect_info), "%s", line + 16);
			} else if (strncmp(line + 4, "uncovered:", 10) == 0) {
				uncovered = true;
			} else if (strncmp(line + 4, "source:", 7) == 0) {
				snprintf(source, sizeof(source), "%s", line + 11);
			}
			continue;
		}
		vp_buf_append(&body, line, (size_t)l);
	}
	free(line);
	fclose(f);
	if (!have_expect || !source[0]) {
		print_error("%s: needs '#vp source:' and '#vp expect:' lines\n", name);
		vp_buf_free(&body);
		return 1;
	}
	int fd = memfd_with(body.data ? body.data : "", body.len);
	vp_buf_free(&body);
	_cleanup_(vp_diag_freep) struct vp_diag *d = new_diag();
	assert_int_equal(vp_diag_feed_fd(d, name, fd), 0);
	close(fd);
	assert_int_equal(vp_diag_finish(d, NULL), 0);

	int bad = 0;
	size_t n;
	const struct vp_finding *fs = vp_diag_findings(d, &n);
	/* a report the catalog does not recognise yet (tests/diagnose/coverage.py counts it against its class) */
	if (uncovered)
		return 0;
	/* every warning/error id found is expected ... */
	for (size_t i = 0; i < n; i++) {
		if (fs[i].severity == VP_SEV_INFO)
			continue;
		if (!word_in(expect, fs[i].entry->id)) {
			print_error("%s: unexpected %s %s at line %lu: %s\n", name, vp_severity_to_string(fs[i].severity),
				    fs[i].entry->id, fs[i].line, fs[i].text);
			bad++;
		}
	}
	/* ... and every expected id is found (info ones from expect-info, too) */
	const char *lists[2] = { expect, expect_info };
	for (int k = 0; k < 2; k++) {
		_cleanup_strv_free_ char **ids = NULL;
		assert_int_equal(vp_strv_split(lists[k], " ", &ids), 0);
		for (size_t i = 0; ids && ids[i]; i++) {
			const struct vp_finding *x = find(d, ids[i], NULL);
			if (!vp_diag_entry_by_id(ids[i])) {
				print_error("%s: '%s' is not a catalog id\n", name, ids[i]);
				bad++;
			} else if (!x || (k == 0 && x->severity == VP_SEV_INFO)) {
				print_error("%s: expected %s, not found\n", name, ids[i]);
				bad++;
			}
		}
	}
	return bad;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
	_cleanup_free_ char *dir = vp_strdup_printf("%s/tests/diagnose/corpus", VP_SOURCE_DIR);
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	char **names = NULL;
	struct dirent *de;
	while ((de = readdir(dh)))
		if (strlen(de->d_name) > 4 && streq(de->d_name + strlen(de->d_name) - 4, ".log"))
			assert_int_equal(vp_strv_push(&names, de->d_name), 0);
	closedir(dh);
	size_t n = vp_strv_len(names);
	assert_true(n >= 20);
	qsort(names, n, sizeof(char *), name_cmp);
	int bad = 0, healthy = 0;
	for (size_t i = 0; i < n; i++) {
		bad += check_corpus_file(dir, names[i]);
		healthy += vp_startswith(names[i], "healthy-");
	}
	vp_strv_free(names);
	assert_true(healthy >= 2);
	assert_int_equal(bad, 0);
}

/* Every id issue 5 lists exists, with its severity class. */
static void test_catalog(void **state)
{
	static const char *const errors[] = {
		"iommu.disabled", "iommu.fault", "iommu.interrupt_remapping", "group.not_viable", "group.permission",
		"group.in_use", "vfio.probe_busy", "driver.host_bound", "bar.reserved", "reset.failed", "power.d3",
		"dma.map_failed", "dma.memlock", "pcie.aer", "privilege.not_root",
	};
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct vp_diag_entry *e = vp_diag_entry_by_id(errors[i]);
		assert_non_null(e);
		assert_int_equal(e->severity, VP_SEV_ERROR);
		assert_true(e->n_patterns > 0);
		assert_non_null(e->cause);
		assert_true(vp_diag_has_fix(errors[i]));
	}
	assert_int_equal(vp_diag_entry_by_id("rom.invalid")->severity, VP_SEV_WARNING);
	assert_int_equal(vp_diag_entry_by_id("iommu.active")->severity, VP_SEV_INFO);
	assert_int_equal(vp_diag_entry_by_id("vfio.claimed")->severity, VP_SEV_INFO);
	assert_null(vp_diag_entry_by_id("no.such"));
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		assert_true(vp_diag_has_fix(vp_diag_catalog[e].id));
	/* every anchor is a literal part of what its regex matches: check it against the pattern list by
	 * feeding the anchor's own context is not possible in general, so at least require length and no
	 * regex metacharacters that would make it a non-literal */
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		for (size_t p = 0; p < vp_diag_catalog[e].n_patterns; p++) {
			const char *a = vp_diag_catalog[e].patterns[p].anchor;
			assert_true(strlen(a) >= 13);
			assert_null(strchr(a, '\n'));
		}
	/* the patterns file is one ERE per pattern */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(vp_diag_write_patterns(f), 0);
	fclose(f);
	size_t lines = 0, pats = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		pats += vp_diag_catalog[e].n_patterns;
	assert_int_equal(lines, pats);
	free(buf);
}

/* Device addresses in the forms the kernel, QEMU and libvirt print. */
static void test_devices(void **state)
{
	_cleanup_(vp_diag_freep) struct vp_diag *d = diag_text(
		"DMAR: [DMA Write NO_PASID] Request device [0x03:0x00.1] fault addr 0x1000 [fault reason 0x05] PTE Write access is not set\n"
		"iommu ivhd0: AMD-Vi: Event logged [IO_PAGE_FAULT device=0000:0a:00.0 domain=0x0000 address=0x0 flags=0x0000]\n"
		"AMD-Vi: Event logged [IO_PAGE_FAULT device=0b:00.0 domain=0x0027 address=0x0 flags=0x0010]\n"
		"error: Requested operation is not valid: PCI device 0000:0C:00.0 is in use by driver QEMU, domain win10\n"
		"pci 0001:02:1f.7: probe with driver vfio-pci failed with error -16\n");
	assert_non_null(find(d, "iommu.fault", "0000:03:00.1"));
	assert_non_null(find(d, "iommu.fault", "0000:0a:00.0"));
	assert_non_null(find(d, "iommu.fault", "0000:0b:00.0"));
	assert_non_null(find(d, "group.in_use", "0000:0c:00.0"));
	assert_non_null(find(d, "vfio.probe_busy", "0001:02:1f.7"));
	const struct vp_finding *f = find(d, "iommu.fault", "0000:03:00.1");
	assert_int_equal(f->line, 1);
	assert_int_equal(f->count, 1);
	assert_string_equal(f->source, "-");
}

/* Line numbers stay right across read buffers and around a line longer than the buffer. */
static void test_lines_and_long_lines(void **state)
{
	struct vp_buf b = { 0 };
	for (int i = 0; i < 40000; i++) /* ~2.4 MiB: several 1 MiB buffers */
		vp_buf_printf(&b, "Nov 25 11:28:22 host kernel: usb 1-%d: new high-speed USB device number %d\n", i % 9, i);
	vp_buf_puts(&b, "Nov 25 11:28:23 host kernel: vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff]\n");
	/* a 3 MiB line: skipped whole, but counted */
	for (int i = 0; i < 3 * 1024 * 1024 / 16; i++)
		vp_buf_puts(&b, "vfio-pci 0000:0x");
	vp_buf_puts(&b, "\n");
	vp_buf_puts(&b, "[    9.000000] pci 0000:02:00.0: probe with driver vfio-pci failed with error -16"); /* no final newline */
	_cleanup_(vp_diag_freep) struct vp_diag *d = new_diag();
	int fd = memfd_with(b.data, b.len);
	vp_buf_free(&b);
	assert_int_equal(vp_diag_feed_fd(d, "big", fd), 0);
	close(fd);
	assert_int_equal(vp_diag_finish(d, NULL), 0);
	const struct vp_finding *f = find(d, "bar.reserved", "0000:01:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, 40001);
	f = find(d, "vfio.probe_busy", "0000:02:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, 40003);
	const struct vp_diag_stats *st = vp_diag_stats(d);
	assert_int_equal(st->lines, 40003);
	assert_true(st->skipped >= 1);
	assert_true(strlen(f->text) <= 1024);
	assert_true(vp_diag_has_error(d));
}

/* A big log is scanned in lanes (parts cut at line starts, scanned side by side, a lane stopping when it has
 * noted 64 candidate lines): its findings, their lines and counts must be those of the same log fed line by line,
 * which scans each line alone. Signature lines at pseudo-random places (so some fall next to the cuts), a burst of
 * 300 of them (lanes that fill up), one as the first line and one as a last line without a newline. */
static void test_lanes_same_as_lines(void **state)
{
	static const char *const sig[] = {
		"Nov 25 11:28:23 host kernel: vfio-pci 0000:0%d:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff]",
		"Nov 25 11:28:23 host kernel: pci 0000:0%d:00.0: probe with driver vfio-pci failed with error -16",
		"Nov 25 11:28:23 host kernel: DMAR: [DMA Read NO_PASID] Request device [0%d:00.0] fault addr 0x7c000 [fault reason 0x06]",
		"Nov 25 11:28:23 host kernel: vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded (%d)",
		"Nov 25 11:28:23 host kernel: vfio-pci 0000:0%d:00.1: enabling device (0000 -> 0002)",
		"Nov 25 11:28:23 host libvirtd[1]: vfio 0000:0%d:00.0: group 12 is not viable",
		"Nov 25 11:28:23 host kernel: DMAR: IOMMU enabled %d",
	};
	const size_t n_sig = sizeof(sig) / sizeof(sig[0]);
	struct vp_buf b = { 0 };
	unsigned long x = 12345;
	size_t lines = 0;
	vp_buf_printf(&b, sig[0], 1);
	vp_buf_puts(&b, "\n");
	lines++;
	while (b.len < 5u << 20) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		unsigned r = (unsigned)(x >> 33);
		if (lines == 40000)
			for (int k = 0; k < 300; k++, lines++) {
				vp_buf_printf(&b, sig[k % n_sig], k % 8);
				vp_buf_puts(&b, "\n");
			}
		if (r % 997 == 0)
			vp_buf_printf(&b, sig[r / 997 % n_sig], (int)(r % 8));
		else
			vp_buf_printf(&b, "Nov 25 11:28:%02u host kernel: usb 1-%u: new high-speed USB device number %u using xhci_hcd",
				      r % 60, r % 9, r % 128);
		vp_buf_puts(&b, "\n");
		lines++;
	}
	vp_buf_printf(&b, sig[1], 9); /* no final newline; the only device 09 */
	lines++;

	_cleanup_(vp_diag_freep) struct vp_diag *lanes = new_diag();
	int fd = memfd_with(b.data, b.len);
	assert_int_equal(vp_diag_feed_fd(lanes, "log", fd), 0);
	close(fd);
	assert_int_equal(vp_diag_finish(lanes, NULL), 0);

	_cleanup_(vp_diag_freep) struct vp_diag *one = new_diag();
	unsigned long no = 0;
	for (const char *p = b.data, *end = b.data + b.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		assert_int_equal(vp_diag_feed_line(one, "log", ++no, p, len), 0);
		p += len + 1;
	}
	assert_int_equal(vp_diag_finish(one, NULL), 0);
	vp_buf_free(&b);

	assert_int_equal(no, lines);
	assert_int_equal(vp_diag_stats(lanes)->lines, lines);
	assert_int_equal(vp_diag_stats(lanes)->candidates, vp_diag_stats(one)->candidates);
	assert_true(vp_diag_stats(lanes)->candidates > 300);
	size_t n1, n2;
	const struct vp_finding *f1 = vp_diag_findings(lanes, &n1), *f2 = vp_diag_findings(one, &n2);
	assert_int_equal(n1, n2);
	assert_true(n1 >= 5);
	for (size_t i = 0; i < n1; i++) {
		assert_ptr_equal(f1[i].entry, f2[i].entry);
		assert_string_equal(f1[i].device, f2[i].device);
		assert_int_equal(f1[i].line, f2[i].line);
		assert_int_equal(f1[i].count, f2[i].count);
		assert_int_equal(f1[i].severity, f2[i].severity);
		assert_string_equal(f1[i].text, f2[i].text);
	}
	const struct vp_finding *f = find(lanes, "bar.reserved", "0000:01:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, 1);
	f = find(lanes, "vfio.probe_busy", "0000:09:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, lines);
}

/* Findings fold by (id, device, source); the table is bounded and says how much it dropped. */
static void test_folding_bounded(void **state)
{
	struct vp_buf b = { 0 };
	for (int i = 0; i < 3; i++)
		vp_buf_puts(&b, "DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x7cd80000 [fault reason 0x01] x\n"
				"DMAR: DRHD: handling fault status reg 3\n");
	for (int bus = 0; bus < 256; bus++)
		for (int dev = 0; dev < 3; dev++)
			vp_buf_printf(&b, "vfio-pci 0000:%02x:%02x.0: enabling device (0000 -> 0003)\n", bus, dev);
	_cleanup_(vp_diag_freep) struct vp_diag *d = diag_text(b.data);
	vp_buf_free(&b);
	const struct vp_finding *f = find(d, "iommu.fault", NULL);
	assert_non_null(f);
	assert_string_equal(f->device, "0000:00:02.0");
	assert_int_equal(f->count, 6); /* the DRHD status lines fold into the device's finding */
	size_t n;
	vp_diag_findings(d, &n);
	assert_true(n <= 512);
	assert_true(vp_diag_stats(d)->dropped > 0);
	assert_false(vp_diag_has_error(d) && f->severity != VP_SEV_ERROR);
}

/* A host driver seen on a device vfio names, and the join with the host model. */
static void test_host_join(void **state)
{
	char *tree = vp_test_tree("fedora-igpu-rtx");
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_host_load(root, 0, &h), 0);

	_cleanup_(vp_diag_freep) struct vp_diag *d = new_diag();
	const char *lines[] = {
		"[    4.000000] snd_hda_intel 0000:01:00.1: enabling device (0000 -> 0002)",
		"[    5.000000] simple-framebuffer simple-framebuffer.0: [drm] fb0: simpledrmdrmfb frame buffer device",
		"[    9.000000] vfio-pci 0000:01:00.1: BAR 0: can't reserve [mem 0xa0000000-0xa1ffffff]",
		"2026-11-25T10:00:00.000000Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0: vfio 0000:01:00.0: group 1 is not viable",
		"2026-11-25T10:00:00.000000Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: failed to open /dev/vfio/1: No such file or directory",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(vp_diag_feed_line(d, "t", i + 1, lines[i], strlen(lines[i])), 0);
	assert_int_equal(vp_diag_finish(d, h), 0);

	const struct vp_finding *f = find(d, "group.not_viable", "0000:01:00.0");
	assert_non_null(f);
	assert_int_equal(f->group, 1);
	assert_non_null(strstr(f->fix, "0000:01:00.1 Audio (snd_hda_intel: must move to vfio-pci)"));
	assert_non_null(strstr(f->fix, "0000:00:01.0 PCI bridge (pcieport)"));
	assert_non_null(strstr(f->fix, "not viable now"));

	f = find(d, "driver.host_bound", "0000:01:00.0");
	assert_non_null(f);
	assert_non_null(strstr(f->fix, "bound to nvidia now"));

	/* snd_hda_intel logged on 01:00.1 and vfio names it: still bound now -> error */
	f = find(d, "driver.host_bound", "0000:01:00.1");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SEV_ERROR);
	assert_int_equal(f->line, 1);
	assert_non_null(strstr(f->fix, "snd_hda_intel now"));

	f = find(d, "bar.reserved", "0000:01:00.1");
	assert_non_null(f);
	assert_non_null(strstr(f->fix, "simpledrm"));
	assert_non_null(strstr(f->fix, "6.8.5"));

	/* without a host: the same correlation is a warning, and fixes name no host state */
	_cleanup_(vp_diag_freep) struct vp_diag *d2 = new_diag();
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		vp_diag_feed_line(d2, "t", i + 1, lines[i], strlen(lines[i]));
	assert_int_equal(vp_diag_finish(d2, NULL), 0);
	f = find(d2, "driver.host_bound", "0000:01:00.1");
	assert_non_null(f);
	assert_int_equal(f->severity, VP_SEV_WARNING);
	assert_null(strstr(find(d2, "group.not_viable", NULL)->fix, "On this host"));
	vp_test_tree_free(tree);
}

/* ---- endless and binary input (issue 16 section 3) ---- */

static void test_endless_input(void **state)
{
	/* 3 MiB of NUL bytes (/dev/zero): no line break in the first MiB, stopped */
	size_t n = 3u << 20;
	char *z = calloc(1, n);
	assert_non_null(z);
	_cleanup_(vp_diag_freep) struct vp_diag *d = new_diag();
	int fd = memfd_with(z, n);
	assert_int_equal(vp_diag_feed_fd(d, "zero", fd), VP_DIAG_STOP_BINARY);
	close(fd);
	/* random bytes (/dev/urandom): line breaks, but many control bytes */
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		z[i] = (char)(x >> 24);
	}
	vp_diag_reset(d);
	fd = memfd_with(z, n);
	assert_int_equal(vp_diag_feed_fd(d, "random", fd), VP_DIAG_STOP_BINARY);
	close(fd);
	free(z);

	/* the character devices themselves end (the test would hang otherwise) */
	int dz = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (dz >= 0) {
		vp_diag_reset(d);
		assert_int_equal(vp_diag_feed_fd(d, "/dev/zero", dz), VP_DIAG_STOP_BINARY);
		close(dz);
	}
	int dk = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	if (dk >= 0) {
		/* read non-blocking to its current end; the fd's own flags are put back */
		int before = fcntl(dk, F_GETFL);
		vp_diag_reset(d);
		assert_int_equal(vp_diag_feed_fd(d, "/dev/kmsg", dk), 0);
		assert_int_equal(fcntl(dk, F_GETFL), before);
		close(dk);
	}

	/* a text log over the size limit: the part before it is read, the rest is not, and the caller is told */
	struct vp_buf b = { 0 };
	vp_buf_puts(&b, "[    1.000000] vfio-pci 0000:01:00.0: BAR 0: can't reserve [mem 0xd0000000-0xdfffffff]\n");
	while (b.len < (2u << 20))
		vp_buf_puts(&b, "Nov 25 11:28:22 host kernel: usb 1-1: new high-speed USB device number 3 using xhci_hcd\n");
	vp_buf_puts(&b, "[    9.000000] pci 0000:02:00.0: probe with driver vfio-pci failed with error -16\n");
	vp_diag_reset(d);
	vp_diag_set_limit(d, 1u << 20);
	fd = memfd_with(b.data, b.len);
	assert_int_equal(vp_diag_feed_fd(d, "big", fd), VP_DIAG_STOP_SIZE);
	close(fd);
	assert_int_equal(vp_diag_settle(d), 0);
	assert_non_null(find(d, "bar.reserved", "0000:01:00.0"));
	assert_null(find(d, "vfio.probe_busy", NULL));
	assert_true(vp_diag_stats(d)->skipped >= 1); /* the line cut by the limit */
	/* the same log without a limit is read to its end */
	vp_diag_reset(d);
	vp_diag_set_limit(d, 0);
	fd = memfd_with(b.data, b.len);
	assert_int_equal(vp_diag_feed_fd(d, "big", fd), 0);
	close(fd);
	vp_buf_free(&b);
	assert_int_equal(vp_diag_settle(d), 0);
	assert_non_null(find(d, "vfio.probe_busy", "0000:02:00.0"));

	/* a pipe that never ends, text without line breaks: stopped after 64 MiB without one */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char blk[65536];
		memset(blk, 'a', sizeof(blk));
		blk[0] = '\n'; /* one line break per block in the first MiB only */
		for (int i = 0; i < 16; i++)
			if (write(p[1], blk, sizeof(blk)) < 0)
				_exit(0);
		blk[0] = 'a';
		for (;;)
			if (write(p[1], blk, sizeof(blk)) < 0)
				_exit(0);
	}
	close(p[1]);
	vp_diag_reset(d);
	vp_diag_set_limit(d, VP_DIAG_MAX_INPUT);
	assert_int_equal(vp_diag_feed_fd(d, "pipe", p[0]), VP_DIAG_STOP_BINARY);
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* a last line without a newline is a line */
	_cleanup_(vp_diag_freep) struct vp_diag *d2 = diag_text("x\nvfio-pci 0000:03:00.0: BAR 2: can't reserve [mem 0x0-0x1]");
	const struct vp_finding *f = find(d2, "bar.reserved", "0000:03:00.0");
	assert_non_null(f);
	assert_int_equal(f->line, 2);
	assert_int_equal(vp_diag_stats(d2)->lines, 2);
}

/* ---- journal ---- */

#define JREMOTE "/lib/systemd/systemd-journal-remote"

static void write_entry(FILE *f, unsigned long long rt, const char *boot, const char *transport, const char *unit,
			const char *ident, const char *msg)
{
	static unsigned long long seq;
	fprintf(f, "__CURSOR=s=0;i=%llx\n__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n_BOOT_ID=%s\n", ++seq, rt,
		rt % 100000000ull, boot);
	fprintf(f, "_MACHINE_ID=5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f\n_HOSTNAME=testhost\n_TRANSPORT=%s\nPRIORITY=3\n", transport);
	if (unit)
		fprintf(f, "_SYSTEMD_UNIT=%s\n", unit);
	fprintf(f, "SYSLOG_IDENTIFIER=%s\nMESSAGE=%s\n\n", ident, msg);
}

static int feed_msg(void *ud, unsigned long entry, const char *ident, const char *msg, size_t len)
{
	return vp_diag_feed_message(ud, "journal", entry, ident, msg, len);
}

static void test_journal(void **state)
{
	if (access(JREMOTE, X_OK) != 0)
		skip(); /* scripts/install-deps.sh installs systemd-journal-remote */
	char *tree = vp_test_tree("fedora-igpu-rtx");
	_cleanup_free_ char *jdir = vp_strdup_printf("%s/var/log/journal", tree);
	_cleanup_free_ char *cmd = vp_strdup_printf("mkdir -p '%s' && %s -o '%s/test.journal' - 2>/dev/null", jdir,
						    JREMOTE, jdir);
	FILE *p = popen(cmd, "w");
	assert_non_null(p);
	const char *b1 = "11111111111111111111111111111111", *b2 = "22222222222222222222222222222222";
	/* boot 1 (older): libvirtd reports a non-viable group; sshd noise that must not be read */
	write_entry(p, 1700000000000000ull, b1, "kernel", NULL, "kernel", "DMAR: Intel(R) Virtualization Technology for Directed I/O");
	write_entry(p, 1700000001000000ull, b1, "journal", "libvirtd.service", "libvirtd",
		    "internal error: qemu unexpectedly closed the monitor: 2023-11-14T22:13:21.000000Z qemu-system-x86_64: "
		    "-device vfio-pci,host=0000:01:00.0,id=hostdev0: vfio 0000:01:00.0: group 1 is not viable");
	write_entry(p, 1700000002000000ull, b1, "syslog", "sshd.service", "sshd",
		    "vfio-pci 0000:09:00.0: BAR 0: can't reserve [mem 0x0-0x1]");
	/* boot 2 (newer): the kernel cannot reserve a BAR; virtqemud hits memlock */
	write_entry(p, 1700100000000000ull, b2, "kernel", NULL, "kernel",
		    "vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem 0xb0000000-0xbfffffff 64bit pref]");
	write_entry(p, 1700100001000000ull, b2, "journal", "virtqemud.service", "virtqemud",
		    "internal error: cannot limit locked memory of process 4242 to 9007199254740991: Operation not permitted");
	assert_int_equal(pclose(p), 0);

	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	unsigned long n = 0;
	char *note = NULL;

	_cleanup_(vp_diag_freep) struct vp_diag *d0 = new_diag();
	assert_int_equal(vp_journal_read(root, 0, feed_msg, d0, &n, &note), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(note, b2));
	free(note);
	assert_int_equal(vp_diag_finish(d0, NULL), 0);
	assert_non_null(find(d0, "bar.reserved", "0000:01:00.0"));
	assert_non_null(find(d0, "dma.memlock", NULL));
	assert_null(find(d0, "group.not_viable", NULL));
	assert_string_equal(find(d0, "dma.memlock", NULL)->text,
			    "virtqemud: internal error: cannot limit locked memory of process 4242 to 9007199254740991: "
			    "Operation not permitted");

	_cleanup_(vp_diag_freep) struct vp_diag *d1 = new_diag();
	assert_int_equal(vp_journal_read(root, -1, feed_msg, d1, &n, &note), 0);
	free(note);
	assert_int_equal(n, 2); /* the sshd entry is not read */
	assert_int_equal(vp_diag_finish(d1, NULL), 0);
	assert_non_null(find(d1, "group.not_viable", "0000:01:00.0"));
	assert_non_null(find(d1, "iommu.active", NULL));
	assert_null(find(d1, "bar.reserved", NULL));

	_cleanup_(vp_diag_freep) struct vp_diag *d2 = new_diag();
	assert_int_equal(vp_journal_read(root, 1, feed_msg, d2, &n, NULL), 0); /* 1 = the oldest */
	assert_int_equal(vp_diag_finish(d2, NULL), 0);
	assert_non_null(find(d2, "group.not_viable", NULL));

	_cleanup_(vp_diag_freep) struct vp_diag *d3 = new_diag();
	assert_int_equal(vp_journal_read(root, -2, feed_msg, d3, &n, NULL), -ENXIO);
	assert_int_equal(vp_journal_read(root, 3, feed_msg, d3, &n, NULL), -ENXIO);
	vp_test_tree_free(tree);

	/* no journal under the root: reported, not fatal */
	char *empty = vp_test_tree("fedora-igpu-rtx");
	_cleanup_(vp_root_freep) struct vp_root *r2 = NULL;
	assert_int_equal(vp_root_open(empty, &r2), 0);
	assert_int_equal(vp_journal_read(r2, 0, feed_msg, d3, &n, NULL), -ENOENT);
	vp_test_tree_free(empty);
}

/* A truncated or corrupt journal is unreadable, with its path; not missing. */
static void test_journal_damaged(void **state)
{
	char *tree = vp_test_tree("fedora-igpu-rtx");
	_cleanup_free_ char *cmd = vp_strdup_printf(
		"mkdir -p '%s/var/log/journal/5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f' && "
		"head -c 30000 /dev/urandom > '%s/var/log/journal/5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f/system.journal'",
		tree, tree);
	assert_int_equal(system(cmd), 0);
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	_cleanup_(vp_diag_freep) struct vp_diag *d = new_diag();
	unsigned long n = 7;
	char *note = NULL;
	assert_int_equal(vp_journal_read(root, 0, feed_msg, d, &n, &note), -EBADMSG);
	assert_int_equal(n, 0);
	assert_non_null(note);
	assert_non_null(strstr(note, "/var/log/journal/5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f/system.journal: corrupt"));
	free(note);
	/* through the sources: listed as unreadable, the rest still read */
	struct vp_diag_sources ss = { .n = 0 };
	assert_int_equal(vp_diag_read_default(root, 0, d, &ss), 0);
	assert_string_equal(ss.s[0].name, "journal");
	assert_string_equal(ss.s[0].status, "unreadable");
	assert_non_null(strstr(ss.s[0].note, "system.journal: corrupt"));
	vp_diag_sources_free(&ss);

	if (access(JREMOTE, X_OK) == 0) {
		/* a good file next to the bad one: read, with the bad one named in the note */
		_cleanup_free_ char *c2 = vp_strdup_printf("printf '_BOOT_ID=33333333333333333333333333333333\\n"
							   "__REALTIME_TIMESTAMP=1700000000000000\\n__MONOTONIC_TIMESTAMP=1\\n"
							   "_TRANSPORT=kernel\\nMESSAGE=pci 0000:01:00.0: Adding to iommu group 1\\n\\n' | "
							   "%s -o '%s/var/log/journal/good.journal' - 2>/dev/null",
							   JREMOTE, tree);
		assert_int_equal(system(c2), 0);
		assert_int_equal(vp_journal_read(root, 0, feed_msg, d, &n, &note), 0);
		assert_int_equal(n, 1);
		assert_non_null(strstr(note, "skipped unreadable files: /var/log/journal/"));
		free(note);
		/* cut the good one short: now both are bad */
		_cleanup_free_ char *c3 = vp_strdup_printf("truncate -s 4096 '%s/var/log/journal/good.journal'", tree);
		assert_int_equal(system(c3), 0);
		assert_int_equal(vp_journal_read(root, 0, feed_msg, d, &n, &note), -EBADMSG);
		assert_non_null(strstr(note, "/var/log/journal/good.journal: truncated"));
		free(note);
	}
	vp_test_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_lines_and_long_lines),
		cmocka_unit_test(test_lanes_same_as_lines),
		cmocka_unit_test(test_folding_bounded),
		cmocka_unit_test(test_host_join),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_journal_damaged),
		cmocka_unit_test(test_endless_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
