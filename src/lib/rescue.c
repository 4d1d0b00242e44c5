/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Undo from a live USB (see rescue.h and docs/rescue.md). */
#include "rescue.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "changeset.h"
#include "util.h"

static bool is_dir(struct vp_root *root, const char *rel)
{
	struct stat st;
	return vp_root_lstat(root, rel, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_entry(struct vp_root *root, const char *rel, const char *prefix)
{
	_cleanup_strv_free_ char **v = NULL;
	if (vp_root_list(root, rel, &v) < 0)
		return false;
	for (size_t i = 0; v[i]; i++)
		if (!prefix || vp_startswith(v[i], prefix))
			return true;
	return false;
}

int vp_rescue_check(struct vp_root *root, char **ret_reason)
{
	*ret_reason = NULL;
	const char *dir = vp_root_path(root);
	_cleanup_strv_free_ char **missing = NULL;
	if (vp_root_exists(root, "etc/os-release") <= 0 && vp_root_exists(root, "usr/lib/os-release") <= 0)
		vp_strv_push(&missing, "no etc/os-release or usr/lib/os-release");
	if (!is_dir(root, "usr") && !is_dir(root, "bin"))
		vp_strv_push(&missing, "no usr/ or bin/ directory");
	if (!has_entry(root, "boot", "vmlinuz") && !has_entry(root, "lib/modules", NULL) && !has_entry(root, "usr/lib/modules", NULL))
		vp_strv_push(&missing, "no kernel under boot/, lib/modules/ or usr/lib/modules/");
	if (missing) {
		_cleanup_free_ char *j = vp_strv_join(missing, ", ");
		*ret_reason = vp_strdup_printf("%s is not an installed Linux root (%s); mount the installed system's root file "
					       "system there, then its /boot and EFI partition under it (man 8 vfio-pilot, RESCUE)", dir, j);
		return *ret_reason ? -ENOTDIR : -ENOMEM;
	}
	if (!has_entry(root, VP_TXN_DIR, NULL)) {
		*ret_reason = vp_strdup_printf("no vfio-pilot journal under %s/%s: this root was never changed by `vfio-pilot "
					       "apply`, or the file system that holds its /var is not mounted there",
					       streq(dir, "/") ? "" : dir, VP_TXN_DIR);
		return *ret_reason ? -ENOENT : -ENOMEM;
	}
	return 0;
}

static void leave_quiet(struct vp_rescue *r)
{
	_cleanup_free_ char *err = NULL;
	vp_rescue_leave(r, &err);
}

int vp_rescue_enter(struct vp_root *root, struct vp_rescue *r, char **ret_err)
{
	*r = (struct vp_rescue){ 0 };
	*ret_err = NULL;
	r->root = strdup(vp_root_path(root));
	if (!r->root)
		return -ENOMEM;
	if (unshare(CLONE_NEWNS) < 0) {
		int e = -errno;
		*ret_err = vp_strdup_printf("cannot enter a private mount namespace: %s", strerror(-e));
		return e;
	}
	r->ns = true;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		int e = -errno;
		*ret_err = vp_strdup_printf("cannot make the mount namespace a slave of this machine's: %s", strerror(-e));
		return e;
	}
	static const char *const api[] = { "proc", "sys", "dev", "run" };
	for (size_t i = 0; i < ARRAY_SIZE(api); i++) {
		if (!is_dir(root, api[i]))
			continue; /* absent, or a symlink that could lead out of the root: never mount through it */
		char *target = vp_root_host_path(root, api[i]);
		char src[16];
		snprintf(src, sizeof(src), "/%s", api[i]);
		if (!target)
			return leave_quiet(r), -ENOMEM;
		if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0) {
			int e = -errno;
			*ret_err = vp_strdup_printf("cannot bind %s to %s: %s", src, target, strerror(-e));
			free(target);
			leave_quiet(r);
			return e;
		}
		vp_strv_push_take(&r->mounted, target);
		vp_strv_push(&r->names, src);
		if (mount(NULL, target, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			int e = -errno;
			*ret_err = vp_strdup_printf("cannot make %s a slave mount: %s", target, strerror(-e));
			leave_quiet(r);
			return e;
		}
	}
	return 0;
}

int vp_rescue_leave(struct vp_rescue *r, char **ret_err)
{
	int ret = 0;
	*ret_err = NULL;
	for (size_t n = vp_strv_len(r->mounted); n > 0; n--) {
		const char *t = r->mounted[n - 1];
		if (umount2(t, MNT_DETACH) < 0 && ret == 0) {
			ret = -errno;
			*ret_err = vp_strdup_printf("cannot unmount %s: %s", t, strerror(-ret));
		}
	}
	vp_strv_free(r->mounted);
	vp_strv_free(r->names);
	free(r->root);
	bool ns = r->ns;
	*r = (struct vp_rescue){ .ns = ns };
	return ret;
}
