/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The way back from a black screen: the fallback's kernel arguments, the
 * fallback entry each boot loader family gets in a plan, the recipe, and the
 * live-USB checks and mounts of rescue.c.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "changeset.h"
#include "fallback.h"
#include "host.h"
#include "plan.h"
#include "recipe.h"
#include "rescue.h"
#include "root.h"
#include "util.h"

static void test_args(void **state)
{
	(void)state;
	char *words[] = { "BOOT_IMAGE=/vmlinuz", "root=UUID=1", "ro", "quiet", "intel_iommu=on", "vfio-pci.ids=10de:1e87",
			  "rd.driver.pre=vfio_pci", "vfio_pci.ids=1002:67df", "module_blacklist=vfio_pci", "initrd=\\x.img",
			  "rd.driver.pre=nvme", NULL };
	char **fb = NULL;
	assert_int_equal(vp_fallback_args(words, &fb), 0);
	char *j = vp_strv_join(fb, " ");
	assert_string_equal(j, "root=UUID=1 ro quiet intel_iommu=on rd.driver.pre=nvme module_blacklist=vfio_pci "
			       "modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci");
	free(j);
	vp_strv_free(fb);
	assert_true(vp_fallback_drops("vfio-pci.ids=1:2"));
	assert_true(vp_fallback_drops("rd.driver.pre=vfio-pci"));
	assert_false(vp_fallback_drops("rd.driver.pre=nvme"));
	assert_false(vp_fallback_drops("modprobe.blacklist=nouveau"));
	assert_false(vp_fallback_drops("iommu=pt"));
}

struct planned {
	struct vp_root *root;
	struct vp_host *h;
	struct vp_plan *p;
	char *tree;
};

static void plan_for(const char *host, const char *dev, struct planned *x)
{
	x->tree = vp_test_tree(host);
	assert_int_equal(vp_root_open(x->tree, &x->root), 0);
	assert_int_equal(vp_host_load(x->root, VP_HOST_MODULES, &x->h), 0);
	char *devs[] = { (char *)dev, NULL };
	struct vp_plan_opts o = { .devices = devs };
	char *err = NULL;
	assert_int_equal(vp_plan_build(x->root, x->h, &o, &x->p, &err), 0);
	assert_null(x->p->blockers);
}

static void planned_done(struct planned *x)
{
	vp_plan_free(x->p);
	vp_host_free(x->h);
	vp_root_free(x->root);
	vp_test_tree_free(x->tree);
}

static const struct vp_change *find_file(struct vp_changeset *cs, const char *path)
{
	for (size_t i = 0; i < vp_changeset_n(cs); i++) {
		const struct vp_change *c = vp_changeset_get(cs, i);
		if (c->kind == VP_CHANGE_FILE && streq(c->path, path))
			return c;
	}
	return NULL;
}

static bool notes_have(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strstr(v[i], s))
			return true;
	return false;
}

static void test_plan_grub(void **state)
{
	(void)state;
	struct planned x;
	plan_for("debian-grub", "02:00.0", &x);
	const struct vp_change *c = find_file(x.p->cs, VP_FALLBACK_GRUB_SCRIPT);
	assert_non_null(c);
	assert_int_equal(c->action, VP_FILE_CREATE);
	assert_int_equal(c->mode & 0777, 0755);
	assert_string_equal(c->new, vp_fallback_grub_script());
	assert_non_null(strstr(c->new, "GRUB_CMDLINE_LINUX"));
	assert_null(strstr(c->new, "GRUB_CMDLINE_LINUX_DEFAULT"));
	/* one regeneration, after every file is written */
	size_t regen = 0;
	for (size_t i = 0; i < vp_changeset_n(x.p->cs); i++) {
		const struct vp_change *k = vp_changeset_get(x.p->cs, i);
		if (k->kind == VP_CHANGE_COMMAND && streq(k->argv[0], "update-grub")) {
			regen++;
			assert_true(k->flags & VP_CMD_RERUN_ON_UNDO);
		}
	}
	assert_int_equal(regen, 1);
	char *t = vp_fallback_planned_title(x.p->cs);
	assert_non_null(strstr(t, "(passthrough off)"));
	free(t);
	planned_done(&x);
}

static void test_plan_sdboot(void **state)
{
	(void)state;
	struct planned x;
	plan_for("arch-systemd-boot", "01:00.0", &x);
	const struct vp_change *c = find_file(x.p->cs, "boot/loader/entries/" VP_FALLBACK_SDBOOT_ENTRY);
	assert_non_null(c);
	assert_non_null(strstr(c->new, "\ntitle   Arch Linux (passthrough off)\n"));
	assert_non_null(strstr(c->new, "\nlinux   /vmlinuz-linux\n"));
	assert_non_null(strstr(c->new, "\noptions root=PARTUUID=7d3c1b2a-9e8f-4d6c-b5a4-3f2e1d0c9b8a rw loglevel=3 quiet "
				       "intel_iommu=on iommu=pt module_blacklist=vfio_pci modprobe.blacklist=vfio_pci "
				       "rd.driver.blacklist=vfio_pci\n"));
	assert_null(strstr(c->new, "vfio-pci.ids"));
	/* the normal entry gets the arguments, the fallback does not */
	const struct vp_change *n = find_file(x.p->cs, "boot/loader/entries/arch.conf");
	assert_non_null(n);
	assert_non_null(strstr(n->new, "vfio-pci.ids="));
	planned_done(&x);
}

static void test_plan_sdboot_existing(void **state)
{
	(void)state;
	/* an existing fallback entry is left alone and never edited by the plan */
	char *tree = vp_test_tree("arch-systemd-boot");
	const char *mine = "title Arch Linux (passthrough off)\nlinux /vmlinuz-linux\noptions root=UUID=9 rw module_blacklist=vfio_pci\n";
	vp_test_write(tree, "boot/loader/entries/" VP_FALLBACK_SDBOOT_ENTRY, mine);
	struct vp_root *root;
	struct vp_host *h;
	struct vp_plan *p;
	char *err = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_host_load(root, VP_HOST_MODULES, &h), 0);
	char *devs[] = { "01:00.0", NULL };
	struct vp_plan_opts o = { .devices = devs };
	assert_int_equal(vp_plan_build(root, h, &o, &p, &err), 0);
	assert_null(find_file(p->cs, "boot/loader/entries/" VP_FALLBACK_SDBOOT_ENTRY));
	assert_true(notes_have(p->notes, "already there"));
	assert_true(vp_fallback_entry_is_ours(root, "boot/loader/entries/" VP_FALLBACK_SDBOOT_ENTRY));
	assert_false(vp_fallback_entry_is_ours(root, "boot/loader/entries/arch.conf"));
	vp_plan_free(p);
	vp_host_free(h);
	vp_root_free(root);
	vp_test_tree_free(tree);
}

static void test_plan_grubby(void **state)
{
	(void)state;
	struct planned x;
	plan_for("fedora-igpu-rtx", "01:00.0", &x);
	const struct vp_change *add = NULL;
	size_t update_at = 0, add_at = 0;
	for (size_t i = 0; i < vp_changeset_n(x.p->cs); i++) {
		const struct vp_change *c = vp_changeset_get(x.p->cs, i);
		if (c->kind != VP_CHANGE_COMMAND || !streq(c->argv[0], "grubby"))
			continue;
		if (vp_startswith(c->argv[1], "--update-kernel=") && vp_startswith(c->argv[2], "--args="))
			update_at = i + 1; /* the last per-entry update */
		if (vp_startswith(c->argv[1], "--add-kernel=")) {
			add = c;
			add_at = i + 1;
		}
	}
	assert_non_null(add);
	assert_true(update_at && add_at > update_at); /* after the entries' updates, which would reach it */
	assert_string_equal(add->argv[1], "--add-kernel=/boot/vmlinuz-6.8.5-301.fc40.x86_64");
	assert_string_equal(add->argv[2], "--title=Fedora Linux (6.8.5-301.fc40.x86_64) 40 (Workstation Edition) (passthrough off)");
	assert_string_equal(add->argv[3], "--args=root=UUID=8c1e2f4a-6b7d-4e90-a1b2-3c4d5e6f7a8b ro rootflags=subvol=root rhgb "
					  "quiet intel_iommu=on module_blacklist=vfio_pci modprobe.blacklist=vfio_pci "
					  "rd.driver.blacklist=vfio_pci");
	assert_string_equal(add->argv[4], "--initrd=/boot/initramfs-6.8.5-301.fc40.x86_64.img");
	assert_non_null(add->undo_argv);
	assert_string_equal(add->undo_argv[4],
			    "TITLE=Fedora Linux (6.8.5-301.fc40.x86_64) 40 (Workstation Edition) (passthrough off)");
	assert_string_equal(add->undo_argv[0], "sh");
	planned_done(&x);
}

static void test_plan_none_possible(void **state)
{
	(void)state;
	struct planned x;
	plan_for("fedora-atomic", "01:00.0", &x);
	assert_true(notes_have(x.p->notes, "no fallback boot entry: rpm-ostree"));
	char *t = vp_fallback_planned_title(x.p->cs);
	assert_null(t);
	planned_done(&x);
	plan_for("popos-kernelstub", "01:00.0", &x);
	assert_true(notes_have(x.p->notes, "no fallback boot entry: kernelstub"));
	assert_null(vp_fallback_planned_title(x.p->cs));
	planned_done(&x);
}

static void test_recipe(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		enum vp_bootloader b;
		const char *menu, *edit; /* edit NULL: no one-boot edit */
	} t[] = {
		{ "debian-grub", VP_BOOT_GRUB, "GRUB menu", "Ctrl-x" },
		{ "fedora-igpu-rtx", VP_BOOT_GRUBBY, "GRUB menu", "Ctrl-x" },
		{ "arch-systemd-boot", VP_BOOT_SYSTEMD_BOOT, "systemd-boot menu", NULL }, /* loader.conf: editor no */
		{ "popos-kernelstub", VP_BOOT_KERNELSTUB, "systemd-boot menu", "press Enter" },
		{ "fedora-atomic", VP_BOOT_RPM_OSTREE, "GRUB menu", "Ctrl-x" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *tree = vp_test_tree(t[i].host);
		struct vp_root *root;
		struct vp_host *h;
		assert_int_equal(vp_root_open(tree, &root), 0);
		assert_int_equal(vp_host_load(root, 0, &h), 0);
		struct vp_platform plat = { .bootloader = t[i].b };
		char *kargs[] = { "intel_iommu=on", "vfio-pci.ids=10de:1e87,10de:10f8", "rd.driver.pre=vfio_pci", NULL };
		struct vp_recipe r;
		assert_int_equal(vp_recipe_build(root, h, &plat, kargs, NULL, &r), 0);
		assert_non_null(strstr(r.menu, t[i].menu));
		if (t[i].edit) {
			assert_non_null(r.edit);
			assert_non_null(strstr(r.edit, t[i].edit));
			assert_non_null(strstr(r.edit, "delete vfio-pci.ids=10de:1e87,10de:10f8 rd.driver.pre=vfio_pci"));
			assert_non_null(strstr(r.edit, "module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci"));
			assert_null(strstr(r.edit, "intel_iommu"));
		} else {
			assert_null(r.edit);
			assert_non_null(strstr(r.edit_why_not, "editor no"));
		}
		if (t[i].b == VP_BOOT_RPM_OSTREE)
			assert_non_null(strstr(r.pick, "(ostree:1)"));
		assert_string_equal(r.then, "sudo vfio-pilot undo");
		struct vp_doc *doc = vp_doc_new();
		vp_recipe_render(&r, doc);
		vp_doc_free(doc);
		vp_recipe_done(&r);
		vp_host_free(h);
		vp_root_free(root);
		vp_test_tree_free(tree);
	}
}

static void test_rescue_check(void **state)
{
	(void)state;
	char *tree = vp_test_tree("debian-grub");
	struct vp_root *root;
	char *why = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_rescue_check(root, &why), -ENOENT);
	assert_non_null(strstr(why, "no vfio-pilot journal"));
	free(why);
	vp_test_write(tree, VP_TXN_DIR "/0001/manifest.json", "{}");
	assert_int_equal(vp_rescue_check(root, &why), 0);
	assert_null(why);
	char *p = vp_strdup_printf("%s/usr/lib/os-release", tree);
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(vp_rescue_check(root, &why), -ENOTDIR);
	assert_non_null(strstr(why, "no etc/os-release or usr/lib/os-release"));
	assert_null(strstr(why, "no usr/"));
	free(why);
	vp_root_free(root);
	vp_test_tree_free(tree);
}

/* In a child (the namespace is the child's): binds are visible between enter and leave, gone after. */
static int count_mounts_under(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;
	size_t dl = strlen(dir);
	while (f && fgets(line, sizeof(line), f)) {
		char mp[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strncmp(mp, dir, dl) == 0 && (mp[dl] == '/' || !mp[dl]))
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void test_rescue_mounts(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char *tree = vp_test_tree("debian-grub");
	char *real = realpath(tree, NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vp_root *root;
		struct vp_rescue r;
		char *err = NULL;
		if (vp_root_open(real, &root) < 0 || count_mounts_under(real) != 0)
			_exit(10);
		if (vp_rescue_enter(root, &r, &err) < 0)
			_exit(11);
		/* proc, sys and dev, with the submounts of /sys and /dev (MS_REC) */
		if (count_mounts_under(real) < 3 || vp_strv_len(r.names) != 3)
			_exit(12);
		if (vp_rescue_leave(&r, &err) < 0)
			_exit(13);
		if (count_mounts_under(real) != 0)
			_exit(14);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(count_mounts_under(real), 0); /* never visible outside */
	free(real);
	vp_test_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_plan_grub),
		cmocka_unit_test(test_plan_sdboot),
		cmocka_unit_test(test_plan_sdboot_existing),
		cmocka_unit_test(test_plan_grubby),
		cmocka_unit_test(test_plan_none_possible),
		cmocka_unit_test(test_recipe),
		cmocka_unit_test(test_rescue_check),
		cmocka_unit_test(test_rescue_mounts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
