/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the boot configuration modules: kernel-argument words
 * (kargs.c), BLS entries, /etc/kernel/cmdline and kernelstub (bootcfg.c),
 * and GRUB's defaults evaluated as the shell does (grubdefault.c), checked
 * against /bin/sh itself. Also: NUL bytes are refused, and a 2 MB
 * /etc/kernel/cmdline is edited in linear time.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bootcfg.h"
#include "grubdefault.h"
#include "host.h"
#include "kargs.h"
#include "plan.h"
#include "util.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What /bin/sh says VAR is after sourcing text (the way grub-mkconfig sources /etc/default/grub). */
static char *sh_value(const char *text, const char *var)
{
	char path[] = "/tmp/vp-grubdef-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "env -i /bin/sh -c '. %s >/dev/null 2>&1; printf %%s \"$%s\"'", path, var);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	unlink(path);
	return strdup(buf);
}

static char *eval(const char *text, const char *var, char **unsafe)
{
	char *v = NULL;
	assert_int_equal(vp_grub_eval_var(text, strlen(text), "/etc/default/grub", var, "", &v, unsafe), 0);
	return v;
}

/* Edits var in text by args; the result must be what /bin/sh reads back, with the args at the end. */
static char *edit_checked(const char *text, const char *var, char *const *args, const char *want_value)
{
	char *out = NULL, *why = NULL;
	size_t len = 0;
	assert_int_equal(vp_grub_edit_var(text, strlen(text), "/etc/default/grub", var, "", args, &out, &len, &why), 0);
	assert_null(why);
	assert_int_equal(strlen(out), len);
	char *unsafe = NULL;
	char *ours = eval(out, var, &unsafe);
	assert_null(unsafe);
	char *shell = sh_value(out, var);
	assert_string_equal(ours, shell);
	assert_string_equal(ours, want_value);
	free(ours);
	free(shell);
	return out;
}

static void test_kargs_split_and_append(void **state)
{
	(void)state;
	char **w = NULL;
	const char line[] = "ro quiet foo=\"a b\"\tbar";
	assert_int_equal(vp_kargs_split(line, sizeof(line) - 1, &w), 0);
	assert_int_equal(vp_strv_len(w), 4);
	assert_string_equal(w[2], "foo=\"a b\"");
	vp_strv_free(w);
	size_t n = 0;
	char *r = vp_kargs_append("quiet  ", 7, (char *[]){ "intel_iommu=on", "quiet", "intel_iommu=on", NULL }, &n);
	assert_string_equal(r, "quiet intel_iommu=on"); /* no duplicates, one space */
	assert_int_equal(n, strlen(r));
	free(r);
	assert_true(vp_bytes_have_nul("a\0b", 3));
	assert_false(vp_bytes_have_nul("ab", 2));
	assert_string_equal(vp_kargs_conflict((char *[]){ "vfio_pci.ids=1:2", NULL }, "vfio-pci.ids=3:4"), "vfio_pci.ids=1:2");
	assert_null(vp_kargs_conflict((char *[]){ "rd.driver.pre=x", NULL }, "rd.driver.pre=vfio_pci"));
}

static void test_grub_shell_values(void **state)
{
	(void)state;
	/* Debian's own file runs lsb_release for GRUB_DISTRIBUTOR: that variable is not ours, so it is fine */
	const char *debian = "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
			     "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet acpi_osi=\\\"Windows 2015\\\"\"\nGRUB_CMDLINE_LINUX=\"\"\n";
	char *unsafe = NULL;
	char *v = eval(debian, "GRUB_CMDLINE_LINUX_DEFAULT", &unsafe);
	assert_null(unsafe);
	assert_string_equal(v, "quiet acpi_osi=\"Windows 2015\"");
	free(v);
	/* escaped quotes: the argument goes before the real closing quote, the user's value stays whole */
	char *out = edit_checked(debian, "GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "intel_iommu=on", NULL },
				 "quiet acpi_osi=\"Windows 2015\" intel_iommu=on");
	assert_non_null(strstr(out, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet acpi_osi=\\\"Windows 2015\\\" intel_iommu=on\"\n"));
	free(out);
	/* single quotes, $VAR, a continuation line, several assignments (the last one counts) */
	const char *t2 = "BASE='quiet splash'\nGRUB_CMDLINE_LINUX_DEFAULT=\"x\"\n# comment \"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$BASE \\\n"
			 "loglevel=3\"' mitigations=auto'\n";
	out = edit_checked(t2, "GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "vfio-pci.ids=10de:1b80", NULL },
			   "quiet splash loglevel=3 mitigations=auto vfio-pci.ids=10de:1b80");
	free(out);
	/* unquoted value, and a file without the variable */
	out = edit_checked("GRUB_CMDLINE_LINUX_DEFAULT=quiet\n", "GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "a=1", "b", NULL },
			   "quiet a=1 b");
	assert_string_equal(out, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet a=1 b\"\n");
	free(out);
	out = edit_checked("GRUB_TIMEOUT=5", "GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "a=1", NULL }, "a=1");
	assert_string_equal(out, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"a=1\"\n");
	free(out);
	out = edit_checked("export GRUB_CMDLINE_LINUX_DEFAULT=\n", "GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "a=1", NULL }, "a=1");
	free(out);
}

static void expect_unsafe_n(const char *text, size_t n, const char *what)
{
	char *out = NULL, *why = NULL;
	size_t len = 0;
	assert_int_equal(vp_grub_edit_var(text, n, "/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT", "",
					  (char *[]){ "a=1", NULL }, &out, &len, &why),
			 -EINVAL);
	assert_null(out);
	assert_non_null(why);
	if (!strstr(why, what))
		fail_msg("'%s' does not say '%s'", why, what);
	free(why);
}

static void expect_unsafe(const char *text, const char *what)
{
	expect_unsafe_n(text, strlen(text), what);
}

static void test_grub_refuses_unsafe(void **state)
{
	(void)state;
	expect_unsafe("GRUB_CMDLINE_LINUX_DEFAULT=\"$(cat /etc/cmdline.local) quiet\"\n", "command substitution");
	expect_unsafe("GRUB_CMDLINE_LINUX_DEFAULT=\"`cat /x`\"\n", "command substitution");
	expect_unsafe("X=$(hostname)\nGRUB_CMDLINE_LINUX_DEFAULT=\"$X quiet\"\n", "command substitution");
	expect_unsafe("GRUB_CMDLINE_LINUX_DEFAULT=\"${Y:-quiet}\"\n", "operator");
	expect_unsafe("if [ -e /x ]; then\n  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nfi\n", "if/case/for");
	expect_unsafe(". /etc/default/grub.local\n", "sources");
	expect_unsafe("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\n", "never closed");
	static const char nul[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\0GRUB_X=1\n";
	expect_unsafe_n(nul, sizeof(nul) - 1, "NUL");
	/* an argument that would need quoting is refused too, never written half-quoted */
	char *out = NULL, *why = NULL;
	size_t len = 0;
	assert_int_equal(vp_grub_edit_var("A=1\n", 4, "/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT", "",
					  (char *[]){ "x=\"y z\"", NULL }, &out, &len, &why),
			 -EINVAL);
	free(why);
}

static void test_grub_dropins_order(void **state)
{
	(void)state;
	char *tree = vp_test_tree("ubuntu-grub");
	vp_test_write(tree, "etc/default/grub.d/50-cloudimg-settings.cfg",
		      "# Cloud Image specific Grub settings for Generic Cloud Images\n"
		      "# CLOUD_IMG: This file was created/modified by the Cloud Image build process\n\n"
		      "# Set the recordfail timeout\nGRUB_RECORDFAIL_TIMEOUT=0\n\n# Do not wait on grub prompt\nGRUB_TIMEOUT=0\n\n"
		      "# Set the default commandline\nGRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n\n"
		      "# Set the grub console type\nGRUB_TERMINAL=console\n");
	vp_test_write(tree, "etc/default/grub.d/init-select.cfg",
		      "# Set the default init\nif [ \"$GRUB_DISABLE_SELECT_INIT\" != true ]; then\n  GRUB_X=1\nfi\n");
	vp_test_write(tree, "etc/default/grub.d/README.txt", "GRUB_CMDLINE_LINUX_DEFAULT=\"not sourced\"\n");
	struct vp_root *root = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	struct vp_grub_defaults g;
	assert_int_equal(vp_grub_defaults_read(root, NULL, &g), 0);
	assert_null(g.unsafe);
	assert_true(g.dropin_dir);
	assert_int_equal(vp_strv_len(g.files), 3);
	assert_string_equal(g.files[1], "etc/default/grub.d/50-cloudimg-settings.cfg");
	assert_string_equal(g.linux_default, "console=tty1 console=ttyS0"); /* the drop-in wins over /etc/default/grub */
	assert_string_equal(g.default_from, "/etc/default/grub.d/50-cloudimg-settings.cfg");
	vp_grub_defaults_done(&g);
	/* vfio-pilot's drop-in extends whatever came before it */
	char *text = vp_grub_dropin_text("GRUB_CMDLINE_LINUX_DEFAULT", (char *[]){ "vfio-pci.ids=10de:2182", NULL });
	vp_test_write(tree, VP_GRUB_DROPIN, text);
	free(text);
	assert_int_equal(vp_grub_defaults_read(root, NULL, &g), 0);
	assert_string_equal(g.linux_default, "console=tty1 console=ttyS0 vfio-pci.ids=10de:2182");
	vp_grub_defaults_done(&g);
	vp_root_free(root);
	vp_test_tree_free(tree);
}

static void test_bls_and_cmdline_bytes(void **state)
{
	(void)state;
	const char entry[] = "title Arch Linux\nlinux /vmlinuz-linux\noptions root=PARTUUID=1 rw quiet\noptions splash";
	char *out = NULL, **w = NULL;
	size_t len = 0;
	assert_int_equal(vp_bls_edit(entry, sizeof(entry) - 1, (char *[]){ "quiet", "iommu=pt", NULL }, &out, &len, &w), 0);
	assert_string_equal(out, "title Arch Linux\nlinux /vmlinuz-linux\noptions root=PARTUUID=1 rw quiet iommu=pt\noptions splash");
	assert_int_equal(vp_strv_len(w), 3);
	free(out);
	vp_strv_free(w);
	char *all = vp_bls_options(entry, sizeof(entry) - 1);
	assert_string_equal(all, "root=PARTUUID=1 rw quiet splash");
	free(all);
	/* /etc/kernel/cmdline: the whole file is one command line (kernel-install reads it so); arguments go last */
	const char kc[] = "root=UUID=x rw\nquiet a=1  \n\n";
	assert_int_equal(vp_kernel_cmdline_edit(kc, sizeof(kc) - 1, (char *[]){ "a=1", "b=2", NULL }, &out, &len, &w), 0);
	assert_string_equal(out, "root=UUID=x rw\nquiet a=1 b=2\n");
	assert_int_equal(vp_strv_len(w), 4);
	free(out);
	vp_strv_free(w);
	w = NULL;
	assert_int_equal(vp_kernel_cmdline_edit(kc, sizeof(kc) - 1, (char *[]){ "quiet", NULL }, &out, &len, NULL), 0);
	assert_int_equal(len, sizeof(kc) - 1); /* nothing missing: the same bytes */
	assert_memory_equal(out, kc, len);
	free(out);
}

static void test_kernelstub_order(void **state)
{
	(void)state;
	const char cfg[] = "{\n  \"default\": {\n    \"kernel_options\": [\"quiet\", \"splash\"],\n    \"esp_path\": \"/boot/efi\"\n  },\n"
			   "  \"user\": {\n    \"kernel_options\": [\"splash\", \"quiet\", \"intel_iommu=on\"],\n    \"esp_path\": \"/boot/efi\"\n  }\n}\n";
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(vp_kernelstub_edit(cfg, sizeof(cfg) - 1, (char *[]){ "intel_iommu=on", "vfio-pci.ids=1:2", NULL }, &out,
					    &len), 0);
	const char *a = strstr(out, "\"splash\""), *b = strstr(out, "\"vfio-pci.ids=1:2\"");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(strstr(a, "\"quiet\"") < b && strstr(a, "\"intel_iommu=on\"") < b); /* appended, user's order kept */
	assert_null(strstr(b + 1, "intel_iommu=on"));                                  /* not added twice */
	free(out);
	assert_int_equal(vp_kernelstub_edit("[1]", 3, (char *[]){ "a", NULL }, &out, &len), -EINVAL);
	assert_int_equal(vp_kernelstub_edit("{\"user\":{}}\0x", 13, (char *[]){ "a", NULL }, &out, &len), -EINVAL);
}

/* issue 16 §3: a 2 MB /etc/kernel/cmdline is edited in linear time, by the editor and by the whole plan */
static void test_big_kernel_cmdline(void **state)
{
	(void)state;
	size_t n = 2u << 20;
	char *big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i += 2) {
		big[i] = 'x';
		big[i + 1] = ' ';
	}
	big[n - 1] = '\n';
	big[n] = 0;
	double t0 = now_s();
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(vp_kernel_cmdline_edit(big, n, (char *[]){ "intel_iommu=on", NULL }, &out, &len, NULL), 0);
	double t_edit = now_s() - t0;
	assert_int_equal(len, n - 1 + strlen(" intel_iommu=on") + 1);
	free(out);
	print_message("editing a 2 MB /etc/kernel/cmdline (1M words): %.3f s\n", t_edit);
	assert_true(t_edit < 1.0);

	char *tree = vp_test_tree("arch-systemd-boot");
	vp_test_write(tree, "etc/kernel/cmdline", big);
	struct vp_root *root = NULL;
	struct vp_host *h = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_host_load(root, VP_HOST_MODULES, &h), 0);
	struct vp_plan *p = NULL;
	char *err = NULL;
	t0 = now_s();
	assert_int_equal(vp_plan_build(root, h, &(struct vp_plan_opts){ .devices = (char *[]){ "01:00.0", NULL } }, &p, &err), 0);
	double t_plan = now_s() - t0;
	print_message("plan with a 2 MB /etc/kernel/cmdline: %.3f s\n", t_plan);
	assert_null(p->blockers);
	assert_true(t_plan < 3.0);
	vp_plan_free(p);
	vp_host_free(h);
	vp_root_free(root);
	vp_test_tree_free(tree);
	free(big);
}

/* issue 16 §2: a NUL byte in a file the plan edits refuses the whole plan as bad input */
static void test_nul_refused(void **state)
{
	(void)state;
	char *tree = vp_test_tree("arch-systemd-boot");
	vp_test_write(tree, "etc/kernel/cmdline", "placeholder\n");
	char *path = vp_strdup_printf("%s/etc/kernel/cmdline", tree);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite("root=PARTUUID=1 rw\0 quiet\n", 1, 26, f);
	fclose(f);
	free(path);
	struct vp_root *root = NULL;
	struct vp_host *h = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_host_load(root, VP_HOST_MODULES, &h), 0);
	struct vp_plan *p = NULL;
	char *err = NULL;
	assert_int_equal(vp_plan_build(root, h, &(struct vp_plan_opts){ .devices = (char *[]){ "01:00.0", NULL } }, &p, &err),
			 -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err, "/etc/kernel/cmdline holds a NUL byte"));
	free(err);
	vp_plan_free(p);
	vp_host_free(h);
	vp_root_free(root);
	vp_test_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kargs_split_and_append),
		cmocka_unit_test(test_grub_shell_values),
		cmocka_unit_test(test_grub_refuses_unsafe),
		cmocka_unit_test(test_grub_dropins_order),
		cmocka_unit_test(test_bls_and_cmdline_bytes),
		cmocka_unit_test(test_kernelstub_order),
		cmocka_unit_test(test_big_kernel_cmdline),
		cmocka_unit_test(test_nul_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
