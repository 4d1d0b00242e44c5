/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysroot handle. Every read and write of host state goes through it.
 *
 * Paths given to these functions are "rel" paths written as on the live system
 * without the leading slash ("sys/bus/pci/devices/0000:01:00.0/vendor").
 * Symlinks and ".." are resolved inside the root (openat2 RESOLVE_IN_ROOT, or
 * a small in-root resolver on kernels without it), so a fixture tree can never
 * make the tool read the machine's own /sys. Messages name the logical path
 * ("/sys/..."), never the root prefix.
 *
 * Errors are negative errno values: -ENOENT (missing), -ELOOP (symlink loop),
 * -EFBIG (file larger than the caller's limit), -EINVAL (not a regular file
 * where one was expected, or unparsable content).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"

struct vp_root;

/* Largest sysfs attribute we accept; sysfs attributes are at most one page. */
#define VP_ATTR_MAX (64u * 1024u)

/* Opens DIR as a root. "/" (or any path resolving to it) is the live host. */
int vp_root_open(const char *path, struct vp_root **ret);
struct vp_root *vp_root_free(struct vp_root *r);
static inline void vp_root_freep(struct vp_root **r) { vp_root_free(*r); }

/* True when the root is the machine's own "/". */
bool vp_root_is_live(const struct vp_root *r);
/* The root directory as given, made absolute ("/" for the live host). Borrowed. */
const char *vp_root_path(const struct vp_root *r);
/* Absolute path of rel on this machine (root prefix + rel), for external tools
 * and libraries that take paths. Newly allocated. */
char *vp_root_host_path(const struct vp_root *r, const char *rel);

/* Opens rel inside the root; flags as for openat(2). O_CLOEXEC is added. */
int vp_root_openat(struct vp_root *r, const char *rel, int flags, mode_t mode);
/* Opens the directory containing rel (O_PATH|O_DIRECTORY) and returns its fd;
 * *ret_name points into rel at the last component. */
int vp_root_open_parent(struct vp_root *r, const char *rel, const char **ret_name);

/* Reads a whole regular file of at most max bytes. Never blocks on FIFOs or devices. */
int vp_root_read_file(struct vp_root *r, const char *rel, size_t max, char **ret, size_t *ret_len);
/* Reads a small attribute (<= VP_ATTR_MAX) with trailing whitespace removed. */
int vp_root_read_str(struct vp_root *r, const char *rel, char **ret);
/* Reads "0x10de\n" style hex (or bare hex) no larger than max. */
int vp_root_read_hex(struct vp_root *r, const char *rel, uint64_t max, uint64_t *ret);
/* Reads a decimal attribute no larger than max. */
int vp_root_read_uint(struct vp_root *r, const char *rel, uint64_t max, uint64_t *ret);
/* Reads a symlink's target (not resolved). */
int vp_root_read_link(struct vp_root *r, const char *rel, char **ret);
/* Basename of a symlink's target: "iommu_group" -> "15", "driver" -> "vfio-pci". */
int vp_root_link_basename(struct vp_root *r, const char *rel, char **ret);
/* Sorted names of a directory's entries, without "." and "..". */
int vp_root_list(struct vp_root *r, const char *rel, char ***ret_sorted);
/* 1 if rel exists (following links inside the root), 0 if not, <0 on other errors. */
int vp_root_exists(struct vp_root *r, const char *rel);
int vp_root_stat(struct vp_root *r, const char *rel, struct stat *ret);
/* Like stat but does not follow a final symlink. */
int vp_root_lstat(struct vp_root *r, const char *rel, struct stat *ret);

/*
 * Writes to an existing control file (sysfs attributes such as driver_override
 * or bind), like `echo VALUE > FILE`: no creation, no following of a final
 * symlink. Every write is also recorded in the write trace, when one is set.
 */
int vp_root_write_attr(struct vp_root *r, const char *rel, const char *value);
/* Records each vp_root_write_attr() as "PATH<TAB>VALUE\n" to fd (tests use it). -1 disables. */
void vp_root_set_write_trace(struct vp_root *r, int fd);

/*
 * Replaces rel atomically: a temporary file in the same directory, fsync,
 * rename over the target, fsync of the directory. Refuses (-ELOOP) when the
 * target is a symlink. The parent directory must exist.
 */
int vp_root_write_atomic(struct vp_root *r, const char *rel, const void *data, size_t len, mode_t mode);
/* The same, with prepare(fd, ud) run on the temporary file after the data is written and before
 * its mode is set and it is renamed (owner, extended attributes): the file never has other
 * attributes under its name. prepare returns 0 or -errno (the write then fails, nothing renamed). */
int vp_root_write_atomic_with(struct vp_root *r, const char *rel, const void *data, size_t len, mode_t mode,
			      int (*prepare)(int fd, void *ud), void *ud);
/* mkdir -p inside the root. */
int vp_root_mkdir_p(struct vp_root *r, const char *rel, mode_t mode);
/* Removes a file (not a directory). -ENOENT if absent. */
int vp_root_unlink(struct vp_root *r, const char *rel);
/* Takes an exclusive flock on the root directory itself (it writes nothing, so a run that
 * then changes nothing leaves no trace), without waiting: returns the fd that holds it (close
 * it to release), or -EBUSY when another open of the root holds it. */
int vp_root_lock(struct vp_root *r);

/*
 * Directory-relative reads, for loaders that read many attributes of one
 * directory (a PCI device): open the directory once through the root, then
 * read its entries by name. The directory fd comes from the root handle, and
 * names are single components opened with O_NOFOLLOW, so nothing can leave
 * the root. These never follow a symlink attribute (-ELOOP) and never block.
 */
/* Opens rel (following links inside the root) as an O_RDONLY directory fd. */
int vp_root_open_dir(struct vp_root *r, const char *rel);
/* The same where no component of rel may be a symlink: -ELOOP when one is. Cheaper for the
 * kernel when the caller already knows the real path. */
int vp_root_open_dir_nolinks(struct vp_root *r, const char *rel);
/* The same as an O_PATH descriptor: for the *at() calls relative to it (opening, reading links,
 * stat), not for listing; cheaper to open and to close. */
int vp_root_open_dir_path_nolinks(struct vp_root *r, const char *rel);
/* Directory name (one component, not a symlink) of dfd as an O_PATH descriptor: with dfd from
 * vp_root_open_dir_path_nolinks(), the same as opening their joined path with it, one lookup. */
int vp_dir_open_path(int dfd, const char *name);
/* Reads attribute name of dfd into buf (NUL-terminated, trailing whitespace
 * removed); returns the length. -EFBIG when it does not fit in size - 1 bytes,
 * -EINVAL when it holds NUL bytes, -ENODATA when empty, -EBADFD when it is
 * not a regular file (FIFO, socket, device). */
int vp_dir_read_attr(int dfd, const char *name, char *buf, size_t size);
/* The same, leaving the attribute open: *ret_fd is its descriptor (or -1 when it could not be opened),
 * for the caller to close with the others of one directory in one close_range() (vp_fds_close). */
int vp_dir_read_attr_keep(int dfd, const char *name, char *buf, size_t size, int *ret_fd);
/* Closes fds[0..n): one close_range() when they are exactly a run of consecutive numbers, else one by one. */
void vp_fds_close(int *fds, size_t n);
/* The same for attribute "sub/name" of dfd: no symlink is followed on the way. */
int vp_dir_read_attr2(int dfd, const char *sub, const char *name, char *buf, size_t size);
/* readlink of name in dfd into buf; returns the length. -ENOLINK if not a link. */
int vp_dir_read_link(int dfd, const char *name, char *buf, size_t size);
/* vp_root_read_file() and vp_root_read_str() of name, one component in dfd, that is not followed
 * when it is a symlink (-ELOOP): the same checks and bytes, without resolving a path from the root. */
int vp_dir_read_file(int dfd, const char *name, size_t max, char **ret, size_t *ret_len);
int vp_dir_read_str(int dfd, const char *name, char **ret);
