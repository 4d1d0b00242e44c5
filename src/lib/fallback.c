/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fallback boot entry (see fallback.h and docs/rescue.md). */
#include "fallback.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "changeset.h"
#include "bootcfg.h"
#include "grubdefault.h"
#include "kargs.h"
#include "util.h"

const char *const vp_fallback_add_words[] = {
	"module_blacklist=vfio_pci",
	"modprobe.blacklist=vfio_pci",
	"rd.driver.blacklist=vfio_pci",
	NULL,
};

#define ADD(v, ...) vp_strv_push_take(&(v), vp_strdup_printf(__VA_ARGS__))

/* "vfio-pci.ids=1" -> "vfio_pci.ids" */
static void word_key(const char *w, char *key, size_t n)
{
	size_t i = 0;
	for (; w[i] && w[i] != '=' && i + 1 < n; i++)
		key[i] = w[i] == '-' ? '_' : w[i];
	key[i] = 0;
}

bool vp_fallback_drops(const char *w)
{
	char k[64];
	word_key(w, k, sizeof(k));
	const char *eq = strchr(w, '=');
	const char *v = eq ? eq + 1 : "";
	bool vfio = streq(v, "vfio_pci") || streq(v, "vfio-pci");
	if (streq(k, "vfio_pci.ids"))
		return true;
	if (vfio && (streq(k, "rd.driver.pre") || streq(k, "module_blacklist") || streq(k, "modprobe.blacklist") ||
		     streq(k, "rd.driver.blacklist")))
		return true;
	return false;
}

int vp_fallback_args(char *const *words, char ***ret)
{
	char **out = NULL;
	for (size_t i = 0; words && words[i]; i++) {
		const char *w = words[i];
		if (vp_fallback_drops(w) || vp_startswith(w, "BOOT_IMAGE=") || vp_startswith(w, "initrd="))
			continue;
		if (vp_strv_push(&out, w) < 0)
			goto oom;
	}
	for (size_t i = 0; vp_fallback_add_words[i]; i++)
		if (vp_strv_push(&out, vp_fallback_add_words[i]) < 0)
			goto oom;
	*ret = out;
	return 0;
oom:
	vp_strv_free(out);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ BLS entries (bootcfg.c reads them) */

#define entry vp_bls_entry
#define entries_free vp_bls_entries_free
#define entries_load vp_bls_load
#define entry_ours vp_bls_entry_is_fallback

static char *bls_get(const struct entry *e, const char *key)
{
	return vp_bls_get(e->text, e->len, key);
}

static char *bls_options(const struct entry *e)
{
	return vp_bls_options(e->text, e->len);
}

bool vp_fallback_entry_is_ours(struct vp_root *root, const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	if (streq(base, VP_FALLBACK_SDBOOT_ENTRY))
		return true;
	struct entry e = { .id = (char *)"" };
	if (vp_root_read_file(root, rel, VP_BOOTCFG_MAX, &e.text, &e.len) < 0)
		return false;
	bool r = vp_bls_entry_is_fallback(&e);
	free(e.text);
	return r;
}

/* grubby: saved_entry in grubenv (id or title), else the first entry (newest version). */
static const struct entry *grubby_default(struct vp_root *root, const struct entry *v, size_t n)
{
	_cleanup_free_ char *saved = vp_grubenv_get(root, "saved_entry");
	for (size_t i = 0; saved && *saved && i < n; i++) {
		if (entry_ours(&v[i]))
			continue;
		_cleanup_free_ char *title = bls_get(&v[i], "title");
		if (streq(v[i].id, saved) || (title && streq(title, saved)))
			return &v[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!entry_ours(&v[i]))
			return &v[i];
	return NULL;
}

#define loader_conf_get vp_loader_conf_get

/* systemd-boot: loader.conf's default pattern (against the id with and without .conf), else the first entry. */
static const struct entry *sdboot_default(struct vp_root *root, const char *dir, const struct entry *v, size_t n)
{
	_cleanup_free_ char *pat = loader_conf_get(root, dir, "default");
	for (size_t i = 0; pat && *pat != '@' && i < n; i++) {
		if (entry_ours(&v[i]))
			continue;
		_cleanup_free_ char *file = vp_strdup_printf("%s.conf", v[i].id);
		if (fnmatch(pat, v[i].id, 0) == 0 || (file && fnmatch(pat, file, 0) == 0))
			return &v[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!entry_ours(&v[i]))
			return &v[i];
	return NULL;
}

/* ------------------------------------------------------------------ planning */

static bool cmd_queued(struct vp_changeset *cs, const char *const *names)
{
	for (size_t i = 0; i < vp_changeset_n(cs); i++) {
		const struct vp_change *c = vp_changeset_get(cs, i);
		if (c->kind != VP_CHANGE_COMMAND || !c->argv || !c->argv[0])
			continue;
		for (size_t k = 0; names[k]; k++)
			if (streq(c->argv[0], names[k]))
				return true;
	}
	return false;
}

static char *joined_args(char *const *words)
{
	_cleanup_strv_free_ char **fb = NULL;
	if (vp_fallback_args(words, &fb) < 0)
		return NULL;
	return vp_strv_join(fb, " ");
}

static char *fallback_title(const char *title)
{
	return vp_strdup_printf("%s %s", title && *title ? title : "Linux", VP_FALLBACK_TITLE_SUFFIX);
}

/* "/vmlinuz-X" in an entry on a separate /boot -> "/boot/vmlinuz-X" when the root has it there. */
static char *boot_path(struct vp_root *root, const char *p)
{
	if (!p)
		return NULL;
	if (vp_startswith(p, "/boot/"))
		return strdup(p);
	_cleanup_free_ char *rel = vp_strdup_printf("boot%s%s", p[0] == '/' ? "" : "/", p);
	if (rel && vp_root_exists(root, rel) > 0)
		return vp_strdup_printf("/%s", rel);
	return strdup(p);
}

/* A later `grubby --update-kernel=ALL --args=...` reaches the fallback entry too: take vfio words back out of it. */
static void grubby_keep_clean(struct vp_fallback_ctx *p, const char *title)
{
	for (size_t c = 0; c < vp_changeset_n(p->cs); c++) {
		const struct vp_change *ch = vp_changeset_get(p->cs, c);
		if (ch->kind != VP_CHANGE_COMMAND || !ch->argv[0] || !streq(ch->argv[0], "grubby"))
			continue;
		for (size_t a = 1; ch->argv[a]; a++) {
			if (!vp_startswith(ch->argv[a], "--args="))
				continue;
			_cleanup_strv_free_ char **w = NULL, **drop = NULL;
			vp_cmdline_split(ch->argv[a] + 7, &w);
			for (size_t k = 0; w && w[k]; k++)
				if (vp_fallback_drops(w[k]))
					vp_strv_push(&drop, w[k]);
			if (!drop)
				continue;
			_cleanup_free_ char *j = vp_strv_join(drop, " ");
			_cleanup_free_ char *upd = vp_strdup_printf("--update-kernel=TITLE=%s", title);
			_cleanup_free_ char *rem = vp_strdup_printf("--remove-args=%s", j);
			vp_changeset_command(p->cs, (char *[]){ "grubby", upd, rem, NULL }, NULL, 0,
					     "keep the vfio arguments out of the fallback entry");
			return;
		}
	}
}

static void grubby_add(struct vp_fallback_ctx *p, struct vp_root *root, const struct entry *d)
{
	_cleanup_free_ char *linux_ = bls_get(d, "linux");
	_cleanup_free_ char *initrd = bls_get(d, "initrd");
	_cleanup_free_ char *title = bls_get(d, "title");
	_cleanup_free_ char *opts = bls_options(d);
	if (!linux_) {
		ADD(p->warnings, "the default boot entry /%s names no kernel (no `linux` line), so no fallback entry is made; "
				 "keep the one-boot recipe below at hand", d->rel);
		return;
	}
	_cleanup_free_ char *kernel = boot_path(root, linux_);
	_cleanup_free_ char *initrd_path = initrd ? boot_path(root, initrd) : NULL;
	_cleanup_free_ char *ftitle = fallback_title(title);
	_cleanup_free_ char *add_kernel = vp_strdup_printf("--add-kernel=%s", kernel);
	_cleanup_free_ char *title_arg = vp_strdup_printf("--title=%s", ftitle);
	_cleanup_free_ char *remove = vp_strdup_printf("TITLE=%s", ftitle);
	_cleanup_free_ char *initrd_arg = initrd_path ? vp_strdup_printf("--initrd=%s", initrd_path) : NULL;
	/* undo removes the entry when it is still there: one removed by hand must not make undo fail */
	char *undo[] = { "sh", "-c", "grubby --info=\"$1\" >/dev/null 2>&1 || exit 0; exec grubby --remove-kernel=\"$1\"",
			 "sh", remove, NULL };
	if (opts && strchr(opts, '$')) {
		/* options through a grubenv variable ($kernelopts): copy them, then take the vfio words out */
		_cleanup_strv_free_ char **drop = NULL;
		for (size_t i = 0; p->kargs && p->kargs[i]; i++)
			if (vp_fallback_drops(p->kargs[i]))
				vp_strv_push(&drop, p->kargs[i]);
		_cleanup_free_ char *addw = vp_strv_join((char **)vp_fallback_add_words, " ");
		_cleanup_free_ char *args = vp_strdup_printf("--args=%s", addw);
		char *argv[] = { "grubby", add_kernel, "--copy-default", title_arg, args, initrd_arg, NULL };
		vp_changeset_command(p->cs, argv, undo, 0, "add a boot entry with passthrough off (the way back from a black screen)");
		if (drop) {
			_cleanup_free_ char *j = vp_strv_join(drop, " ");
			_cleanup_free_ char *upd = vp_strdup_printf("--update-kernel=TITLE=%s", ftitle);
			_cleanup_free_ char *rem = vp_strdup_printf("--remove-args=%s", j);
			vp_changeset_command(p->cs, (char *[]){ "grubby", upd, rem, NULL }, NULL, 0,
					     "take the vfio arguments out of the fallback entry");
		}
	} else {
		_cleanup_strv_free_ char **w = NULL;
		vp_cmdline_split(opts ? opts : "", &w);
		_cleanup_free_ char *fb = joined_args(w);
		_cleanup_free_ char *args = vp_strdup_printf("--args=%s", fb ? fb : "");
		char *argv[] = { "grubby", add_kernel, title_arg, args, initrd_arg, NULL };
		vp_changeset_command(p->cs, argv, undo, 0, "add a boot entry with passthrough off (the way back from a black screen)");
	}
	ADD(p->notes, "fallback boot entry \"%s\" boots %s with passthrough off; kernels installed later get no such entry "
		      "(`vfio-pilot undo`, then apply again, moves it to the newest kernel)", ftitle, kernel);
}

static void plan_grubby(struct vp_fallback_ctx *p, struct vp_root *root)
{
	struct entry *v = NULL;
	size_t n = 0;
	if (entries_load(root, vp_bls_dirs[0], &v, &n) < 0 || n == 0) {
		ADD(p->warnings, "no boot entries under /boot/loader/entries: grubby has no default entry to copy, so no fallback "
				 "entry is made; keep the one-boot recipe below at hand");
		entries_free(v, n);
		return;
	}
	const struct entry *ours = NULL;
	for (size_t i = 0; i < n && !ours; i++)
		if (entry_ours(&v[i]))
			ours = &v[i];
	if (ours) {
		_cleanup_free_ char *title = bls_get(ours, "title");
		ADD(p->notes, "the fallback boot entry \"%s\" is already there (/%s)", title ? title : ours->id, ours->rel);
		grubby_keep_clean(p, title ? title : "");
	} else {
		const struct entry *d = grubby_default(root, v, n);
		if (d)
			grubby_add(p, root, d);
	}
	entries_free(v, n);
}

/* A copy of a systemd-boot entry with the title marked and the options replaced. */
static char *sdboot_entry_text(const struct entry *d, const char *fb_opts)
{
	struct vp_buf b = { 0 };
	vp_buf_printf(&b, "# Written by vfio-pilot from %s.conf: passthrough off (the way back from a black screen).\n"
			  "# `vfio-pilot undo` removes it.\n", d->id);
	bool opts_done = false, title_done = false;
	for (const char *p = d->text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 5 && strncmp(p, "title", 5) == 0 && (p[5] == ' ' || p[5] == '\t') && !title_done) {
			_cleanup_free_ char *t = strndup(p, len);
			vp_buf_printf(&b, "%s %s\n", t ? vp_strstrip_tail(t) : "title Linux", VP_FALLBACK_TITLE_SUFFIX);
			title_done = true;
		} else if (len > 7 && strncmp(p, "options", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			if (!opts_done)
				vp_buf_printf(&b, "options %s\n", fb_opts);
			opts_done = true;
		} else {
			vp_buf_append(&b, p, len);
			vp_buf_puts(&b, "\n");
		}
		p = nl ? nl + 1 : p + len;
	}
	if (!title_done)
		vp_buf_printf(&b, "title %s %s\n", d->id, VP_FALLBACK_TITLE_SUFFIX);
	if (!opts_done)
		vp_buf_printf(&b, "options %s\n", fb_opts);
	return vp_buf_steal(&b);
}

static void plan_sdboot(struct vp_fallback_ctx *p, struct vp_root *root)
{
	for (size_t di = 0; vp_bls_dirs[di]; di++) {
		struct entry *v = NULL;
		size_t n = 0;
		if (entries_load(root, vp_bls_dirs[di], &v, &n) < 0 || n == 0) {
			entries_free(v, n);
			continue;
		}
		const struct entry *d = sdboot_default(root, vp_bls_dirs[di], v, n);
		_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", vp_bls_dirs[di], VP_FALLBACK_SDBOOT_ENTRY);
		if (!d) {
			entries_free(v, n);
			continue;
		}
		_cleanup_free_ char *linux_ = bls_get(d, "linux");
		if (!linux_) {
			ADD(p->warnings, "the default systemd-boot entry /%s boots no `linux` kernel (a unified kernel image embeds "
					 "its command line), so no fallback entry is made; keep the one-boot recipe below at hand", d->rel);
			entries_free(v, n);
			return;
		}
		if (vp_root_exists(root, rel) > 0) {
			ADD(p->notes, "the fallback boot entry /%s is already there", rel);
			entries_free(v, n);
			return;
		}
		_cleanup_free_ char *opts = bls_options(d);
		_cleanup_strv_free_ char **w = NULL;
		vp_cmdline_split(opts ? opts : "", &w);
		_cleanup_free_ char *fb = joined_args(w);
		_cleanup_free_ char *text = sdboot_entry_text(d, fb ? fb : "");
		if (text)
			vp_changeset_set_file(p->cs, rel, text, strlen(text), 0644);
		_cleanup_free_ char *dflt = loader_conf_get(root, vp_bls_dirs[di], "default");
		if (!dflt)
			ADD(p->warnings, "loader.conf names no default entry: systemd-boot then boots the first entry in its sort "
					 "order, which may be the fallback entry; add `default %s.conf` to /%.*s/loader.conf",
			    d->id, (int)(strrchr(vp_bls_dirs[di], '/') - vp_bls_dirs[di]), vp_bls_dirs[di]);
		ADD(p->notes, "fallback boot entry /%s: a copy of %s.conf with passthrough off; it boots %s, so it keeps working "
			      "as long as that file is the current kernel (kernels that kernel-install adds later get no fallback entry)",
		    rel, d->id, linux_);
		entries_free(v, n);
		return;
	}
	ADD(p->warnings, "no systemd-boot entries found, so no fallback entry is made; keep the one-boot recipe below at hand");
}

/* The generator for /etc/grub.d. It runs inside grub-mkconfig, which exports GRUB_CMDLINE_LINUX,
 * GRUB_DEVICE*, GRUB_FS, GRUB_DISTRIBUTOR and pkgdatadir; grub-mkconfig_lib has the helpers. */
static const char grub_script[] =
	"#! /bin/sh\n"
	"# Written by vfio-pilot: a GRUB menu entry with GPU passthrough off for every installed kernel,\n"
	"# the way back from a black screen. `vfio-pilot undo` removes this file.\n"
	"# Each entry boots like the normal one, but from GRUB_CMDLINE_LINUX only (as the recovery\n"
	"# entries do), without vfio-pci.ids= and rd.driver.pre=vfio_pci, and with\n"
	"# module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci,\n"
	"# so vfio-pci never loads and the host drivers keep the cards.\n"
	"set -e\n"
	". \"${pkgdatadir:-/usr/share/grub}/grub-mkconfig_lib\"\n"
	"\n"
	"args=\"\"\n"
	"for w in ${GRUB_CMDLINE_LINUX}; do\n"
	"\tcase \"$w\" in\n"
	"\tvfio-pci.ids=*|vfio_pci.ids=*|rd.driver.pre=vfio_pci|rd.driver.pre=vfio-pci) ;;\n"
	"\tmodule_blacklist=vfio_pci|modprobe.blacklist=vfio_pci|rd.driver.blacklist=vfio_pci) ;;\n"
	"\t*) args=\"${args:+$args }$w\" ;;\n"
	"\tesac\n"
	"done\n"
	"args=\"${args:+$args }module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci\"\n"
	"\n"
	"if [ \"x${GRUB_DEVICE_UUID}\" = \"x\" ] || [ \"x${GRUB_DISABLE_LINUX_UUID}\" = \"xtrue\" ] ||\n"
	"   ! test -e \"/dev/disk/by-uuid/${GRUB_DEVICE_UUID}\"; then\n"
	"\troot=\"${GRUB_DEVICE}\"\n"
	"else\n"
	"\troot=\"UUID=${GRUB_DEVICE_UUID}\"\n"
	"fi\n"
	"if [ \"x${GRUB_FS}\" = \"xbtrfs\" ]; then\n"
	"\tsub=\"$(make_system_path_relative_to_its_root /)\"\n"
	"\tsub=\"${sub#/}\"\n"
	"\tif [ -n \"${sub}\" ]; then args=\"rootflags=subvol=${sub} ${args}\"; fi\n"
	"fi\n"
	"os=\"${GRUB_DISTRIBUTOR:-Linux}\"\n"
	"\n"
	"kernels=\"\"\n"
	"for k in /boot/vmlinuz-* /vmlinuz-* /boot/kernel-*; do\n"
	"\tif grub_file_is_not_garbage \"$k\"; then kernels=\"$kernels $k\"; fi\n"
	"done\n"
	"for k in $(for x in $kernels; do echo \"$x\"; done | version_sort -r); do\n"
	"\tdir=$(dirname \"$k\")\n"
	"\tbase=$(basename \"$k\")\n"
	"\tver=\"${base#*-}\"\n"
	"\treldir=$(make_system_path_relative_to_its_root \"$dir\")\n"
	"\tinitrd=\"\"\n"
	"\tfor i in \"initrd.img-${ver}\" \"initrd-${ver}.img\" \"initramfs-${ver}.img\" \"initrd-${ver}\" \"initramfs-${ver}\"; do\n"
	"\t\tif test -e \"${dir}/${i}\"; then initrd=\"${reldir}/${i}\"; break; fi\n"
	"\tdone\n"
	"\tucode=\"\"\n"
	"\tfor u in intel-uc.img intel-ucode.img amd-uc.img amd-ucode.img early_ucode.cpio microcode.cpio; do\n"
	"\t\tif test -e \"${dir}/${u}\"; then ucode=\"${ucode}${reldir}/${u} \"; fi\n"
	"\tdone\n"
	"\techo \"Found passthrough-off entry: ${k}\" >&2\n"
	"\ttitle=$(echo \"${os} ${ver} (passthrough off)\" | grub_quote)\n"
	"\techo \"menuentry '${title}' --class gnu-linux --class os \\$menuentry_id_option 'vfio-pilot-fallback-${ver}' {\"\n"
	"\tprepare_grub_to_access_device \"${GRUB_DEVICE_BOOT}\" | sed -e 's/^/\\t/'\n"
	"\techo \"\tlinux\t${reldir}/${base} root=${root} ro ${args}\"\n"
	"\tif [ -n \"${ucode}${initrd}\" ]; then echo \"\tinitrd\t${ucode}${initrd}\"; fi\n"
	"\techo \"}\"\n"
	"done\n";

const char *vp_fallback_grub_script(void)
{
	return grub_script;
}

static char **grub_regen_argv(enum vp_distro d)
{
	char **v = NULL;
	switch (d) {
	case VP_DISTRO_DEBIAN:
	case VP_DISTRO_UBUNTU:
	case VP_DISTRO_POPOS:
		vp_strv_push(&v, "update-grub");
		break;
	case VP_DISTRO_OPENSUSE:
	case VP_DISTRO_FEDORA:
	case VP_DISTRO_RHEL:
		vp_strv_push(&v, "grub2-mkconfig");
		vp_strv_push(&v, "-o");
		vp_strv_push(&v, "/boot/grub2/grub.cfg");
		break;
	default:
		vp_strv_push(&v, "grub-mkconfig");
		vp_strv_push(&v, "-o");
		vp_strv_push(&v, "/boot/grub/grub.cfg");
		break;
	}
	return v;
}

static void plan_grub(struct vp_fallback_ctx *p)
{
	int e = vp_changeset_set_file(p->cs, VP_FALLBACK_GRUB_SCRIPT, grub_script, strlen(grub_script), 0755);
	if (e < 0) {
		ADD(p->warnings, "/%s cannot be written (%s), so no fallback entry is made; keep the one-boot recipe below at hand",
		    VP_FALLBACK_GRUB_SCRIPT, strerror(-e));
		return;
	}
	if (e == 0) {
		ADD(p->notes, "the fallback boot entries are already there (/%s)", VP_FALLBACK_GRUB_SCRIPT);
		return;
	}
	static const char *const regen[] = { "update-grub", "grub-mkconfig", "grub2-mkconfig", NULL };
	if (!cmd_queued(p->cs, regen)) {
		_cleanup_strv_free_ char **argv = grub_regen_argv(p->platform.distro);
		_cleanup_free_ char *why = vp_strdup_printf("regenerate %s with the fallback entries",
							    argv && argv[1] ? argv[2] : "/boot/grub/grub.cfg");
		vp_changeset_command(p->cs, argv, NULL, VP_CMD_RERUN_ON_UNDO, why);
	}
	ADD(p->notes, "fallback boot entries: /%s adds \"<distribution> <version> %s\" to the GRUB menu for every installed "
		      "kernel, also after kernel updates (grub.cfg is regenerated then)", VP_FALLBACK_GRUB_SCRIPT,
	    VP_FALLBACK_TITLE_SUFFIX);
}

void vp_fallback_plan(struct vp_fallback_ctx *p, struct vp_root *root)
{
	if (p->no_bootloader)
		return;
	switch (p->platform.bootloader) {
	case VP_BOOT_GRUBBY:
		plan_grubby(p, root);
		break;
	case VP_BOOT_SYSTEMD_BOOT:
		plan_sdboot(p, root);
		break;
	case VP_BOOT_GRUB:
		plan_grub(p);
		break;
	case VP_BOOT_RPM_OSTREE:
		ADD(p->notes, "no fallback boot entry: rpm-ostree keeps kernel arguments per deployment, so no separate entry can "
			      "hold other ones. The deployment from before this change stays in the boot menu (its entry ends in "
			      "\"(ostree:1)\"); the recovery recipe below says what to add when booting it");
		break;
	case VP_BOOT_KERNELSTUB:
		ADD(p->notes, "no fallback boot entry: kernelstub rewrites the boot entries it manages, and its \"oldkern\" entry "
			      "gets the same arguments; the recovery recipe below gives the one-boot edit at the menu");
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ inspection */

void vp_fallback_done(struct vp_fallback *f)
{
	free(f->path);
	free(f->title);
	free(f->kernel);
	vp_strv_free(f->kernel_args);
	free(f->note);
	*f = (struct vp_fallback){ 0 };
}

/* The value grub-mkconfig uses for GRUB_CMDLINE_LINUX (grubdefault.c), or NULL. */
static char *grub_linux(struct vp_root *root)
{
	struct vp_grub_defaults g;
	if (vp_grub_defaults_read(root, NULL, &g) < 0)
		return NULL;
	char *r = g.unsafe ? NULL : TAKE_PTR(g.linux_);
	vp_grub_defaults_done(&g);
	return r;
}

static void inspect_one_boot(const struct vp_host *h, struct vp_fallback *f)
{
	vp_fallback_args(h->cmdline_words, &f->kernel_args);
}

int vp_fallback_inspect(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat, struct vp_fallback *f)
{
	*f = (struct vp_fallback){ 0 };
	switch (plat->bootloader) {
	case VP_BOOT_GRUBBY:
	case VP_BOOT_SYSTEMD_BOOT: {
		f->possible = true;
		for (size_t di = 0; vp_bls_dirs[di] && !f->present; di++) {
			struct entry *v = NULL;
			size_t n = 0;
			if (entries_load(root, vp_bls_dirs[di], &v, &n) < 0) {
				entries_free(v, n);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				if (!entry_ours(&v[i]))
					continue;
				f->present = true;
				f->path = vp_strdup_printf("/%s", v[i].rel);
				f->title = bls_get(&v[i], "title");
				_cleanup_free_ char *k = bls_get(&v[i], "linux");
				/* the kernel path is relative to the partition that holds loader/entries */
				size_t pl = strlen(vp_bls_dirs[di]) - strlen("/loader/entries");
				f->kernel = k ? vp_strdup_printf("/%.*s%s%s", (int)pl, vp_bls_dirs[di], k[0] == '/' ? "" : "/", k) : NULL;
				_cleanup_free_ char *o = bls_options(&v[i]);
				vp_cmdline_split(o ? o : "", &f->kernel_args);
				if (f->kernel) {
					_cleanup_free_ char *rel = strdup(f->kernel + 1);
					if (rel && vp_root_exists(root, rel) == 0)
						f->note = vp_strdup_printf("Its kernel %s is not installed any more: use the "
									   "one-boot edit instead", f->kernel);
				}
				break;
			}
			entries_free(v, n);
		}
		if (!f->present) {
			f->note = strdup("No fallback entry is there; `vfio-pilot apply` makes one when it changes kernel arguments");
			inspect_one_boot(h, f);
		}
		break;
	}
	case VP_BOOT_GRUB: {
		f->possible = true;
		f->path = strdup("/" VP_FALLBACK_GRUB_SCRIPT);
		f->title = strdup("<distribution> <kernel version> " VP_FALLBACK_TITLE_SUFFIX);
		struct stat st;
		f->present = vp_root_stat(root, VP_FALLBACK_GRUB_SCRIPT, &st) == 0 && S_ISREG(st.st_mode);
		_cleanup_free_ char *linux_ = grub_linux(root);
		_cleanup_strv_free_ char **w = NULL;
		/* grub-mkconfig writes "root=... ro" before GRUB_CMDLINE_LINUX; take root= from the running kernel */
		for (size_t i = 0; h->cmdline_words && h->cmdline_words[i]; i++)
			if (vp_startswith(h->cmdline_words[i], "root="))
				vp_strv_push(&w, h->cmdline_words[i]);
		vp_strv_push(&w, "ro");
		_cleanup_strv_free_ char **lw = NULL;
		vp_cmdline_split(linux_ ? linux_ : "", &lw);
		for (size_t i = 0; lw && lw[i]; i++)
			vp_strv_push(&w, lw[i]);
		vp_fallback_args(w, &f->kernel_args);
		if (!f->present) {
			f->note = strdup("No fallback entry is there; `vfio-pilot apply` makes one when it changes kernel arguments");
		} else {
			bool in_cfg = false;
			static const char *const cfgs[] = { "boot/grub/grub.cfg", "boot/grub2/grub.cfg" };
			bool any_cfg = false;
			for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
				_cleanup_free_ char *cfg = NULL;
				if (vp_root_read_file(root, cfgs[i], 16u << 20, &cfg, NULL) < 0)
					continue;
				any_cfg = true;
				if (strstr(cfg, "vfio-pilot-fallback-"))
					in_cfg = true;
			}
			if (any_cfg && !in_cfg)
				f->note = strdup("The generator is there, but grub.cfg holds no passthrough-off entry yet: "
						 "regenerate it (update-grub, or grub-mkconfig -o /boot/grub/grub.cfg)");
		}
		break;
	}
	case VP_BOOT_RPM_OSTREE:
		f->note = strdup("No separate fallback entry is possible: rpm-ostree keeps kernel arguments per deployment; the "
				 "previous deployment's entry (\"(ostree:1)\") is the way back, with the one-boot edit");
		inspect_one_boot(h, f);
		break;
	case VP_BOOT_KERNELSTUB:
		f->note = strdup("No fallback entry: kernelstub rewrites the entries it manages, so vfio-pilot adds none; use the one-boot edit");
		inspect_one_boot(h, f);
		break;
	default:
		f->note = strdup("No fallback entry: the boot loader is unknown; use the one-boot edit");
		inspect_one_boot(h, f);
		break;
	}
	if (!f->kernel_args)
		f->kernel_args = calloc(1, sizeof(char *));
	return 0;
}

char *vp_fallback_planned_title(struct vp_changeset *cs)
{
	for (size_t i = 0; i < vp_changeset_n(cs); i++) {
		const struct vp_change *c = vp_changeset_get(cs, i);
		if (c->kind == VP_CHANGE_FILE && c->new && streq(c->path, VP_FALLBACK_GRUB_SCRIPT))
			return strdup("<distribution> <kernel version> " VP_FALLBACK_TITLE_SUFFIX);
		if (c->kind == VP_CHANGE_FILE && c->new && vp_startswith(strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 : "",
									    VP_FALLBACK_SDBOOT_ENTRY))
			return vp_bls_get(c->new, c->new_len, "title");
		if (c->kind == VP_CHANGE_COMMAND && c->argv[0] && streq(c->argv[0], "grubby") && c->argv[1] &&
		    vp_startswith(c->argv[1], "--add-kernel="))
			for (size_t a = 2; c->argv[a]; a++)
				if (vp_startswith(c->argv[a], "--title="))
					return strdup(c->argv[a] + 8);
	}
	return NULL;
}
