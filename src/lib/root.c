/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysroot handle (see root.h). Owns the root directory fd; everything
 * else in the library reaches the host through these functions.
 */
#include "root.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>

#include "util.h"

struct vp_root {
	int fd;
	char *path;
	bool live;
	bool no_openat2;
	int trace_fd;
};

#define MAX_LINKS 40

int vp_root_open(const char *path, struct vp_root **ret)
{
	_cleanup_free_ char *abs = realpath(path, NULL);
	if (!abs)
		return -errno;
	int fd = open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct vp_root *r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	r->live = streq(abs, "/");
	r->path = TAKE_PTR(abs);
	r->trace_fd = -1;
	*ret = r;
	return 0;
}

struct vp_root *vp_root_free(struct vp_root *r)
{
	if (!r)
		return NULL;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
	return NULL;
}

bool vp_root_is_live(const struct vp_root *r)
{
	return r->live;
}

const char *vp_root_path(const struct vp_root *r)
{
	return r->path;
}

char *vp_root_host_path(const struct vp_root *r, const char *rel)
{
	while (*rel == '/')
		rel++;
	if (r->live)
		return vp_strdup_printf("/%s", rel);
	return vp_strdup_printf("%s%s%s", r->path, *rel ? "/" : "", rel);
}

void vp_root_set_write_trace(struct vp_root *r, int fd)
{
	r->trace_fd = fd;
}

/*
 * Fallback resolver for kernels without openat2: walks rel one component at a
 * time from the root fd, expanding symlinks by hand so that ".." at the root
 * and absolute targets stay inside it. Returns an O_PATH fd of the parent
 * directory and the final component (copied into last).
 */
static int resolve_parent_manual(struct vp_root *r, const char *rel, char *last, size_t lastsz, int depth)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	char *comps[PATH_MAX / 2];
	size_t n = 0;
	for (char *save = NULL, *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save))
		comps[n++] = c;
	if (n == 0)
		return -EISDIR;
	if (strlen(comps[n - 1]) >= lastsz)
		return -ENAMETOOLONG;
	snprintf(last, lastsz, "%s", comps[n - 1]);

	/* Keep a stack of directory fds so ".." never climbs above the root. */
	int stack[PATH_MAX / 2];
	size_t sp = 0;
	stack[sp++] = dup(r->fd);
	if (stack[0] < 0)
		return -errno;
	int ret = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		const char *c = comps[i];
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (sp > 1)
				close(stack[--sp]);
			continue;
		}
		char target[PATH_MAX];
		ssize_t l = readlinkat(stack[sp - 1], c, target, sizeof(target) - 1);
		if (l >= 0) {
			if (depth >= MAX_LINKS) {
				ret = -ELOOP;
				goto out;
			}
			target[l] = 0;
			/* Rebuild: prefix (current dir as rel from root is unknown), so
			 * resolve target + rest relative to a path we reconstruct. */
			char rest[PATH_MAX] = "";
			for (size_t j = i + 1; j < n; j++) {
				strncat(rest, "/", sizeof(rest) - strlen(rest) - 1);
				strncat(rest, comps[j], sizeof(rest) - strlen(rest) - 1);
			}
			char combined[PATH_MAX];
			if (target[0] == '/') {
				snprintf(combined, sizeof(combined), "%s%s", target + 1, rest);
				for (size_t k = 0; k < sp; k++)
					close(stack[k]);
				return resolve_parent_manual(r, combined, last, lastsz, depth + 1);
			}
			/* Relative: rebuild the directory path walked so far. */
			char walked[PATH_MAX] = "";
			size_t level = 0;
			char *wcomps[PATH_MAX / 2];
			for (size_t j = 0; j < i; j++) {
				if (streq(comps[j], "."))
					continue;
				if (streq(comps[j], "..")) {
					if (level)
						level--;
					continue;
				}
				wcomps[level++] = comps[j];
			}
			for (size_t j = 0; j < level; j++) {
				strncat(walked, wcomps[j], sizeof(walked) - strlen(walked) - 1);
				strncat(walked, "/", sizeof(walked) - strlen(walked) - 1);
			}
			snprintf(combined, sizeof(combined), "%s%s%s", walked, target, rest);
			for (size_t k = 0; k < sp; k++)
				close(stack[k]);
			return resolve_parent_manual(r, combined, last, lastsz, depth + 1);
		}
		int fd = openat(stack[sp - 1], c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		stack[sp++] = fd;
	}
	ret = stack[--sp];
out:
	for (size_t k = 0; k < sp; k++)
		close(stack[k]);
	return ret;
}

/*
 * openat2() of rel under the root with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and
 * extra_resolve: the fd, -errno, or -ENOSYS when the kernel (or a seccomp filter)
 * has no openat2, which is then remembered. Threads of the host loader share the
 * handle: the flag is read and set atomically.
 */
static int openat2_in_root(struct vp_root *r, const char *rel, int flags, mode_t mode, uint64_t extra_resolve)
{
	if (__atomic_load_n(&r->no_openat2, __ATOMIC_RELAXED))
		return -ENOSYS;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve,
	};
	for (;;) {
		long fd = syscall(SYS_openat2, r->fd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == EAGAIN)
			continue;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		__atomic_store_n(&r->no_openat2, true, __ATOMIC_RELAXED);
		return -ENOSYS;
	}
}

static int open_in_root(struct vp_root *r, const char *rel, int flags, mode_t mode)
{
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	int fd2 = openat2_in_root(r, rel, flags, mode, 0);
	if (fd2 != -ENOSYS)
		return fd2;
	if (streq(rel, ".")) {
		int fd = openat(r->fd, ".", flags | O_CLOEXEC, mode);
		return fd < 0 ? -errno : fd;
	}
	char last[NAME_MAX + 1];
	_cleanup_close_ int dfd = resolve_parent_manual(r, rel, last, sizeof(last), 0);
	if (dfd < 0)
		return dfd;
	if (streq(last, "..") || streq(last, "."))
		return -EINVAL;
	/* The final component may itself be a symlink: follow it in-root unless asked not to. */
	char target[PATH_MAX];
	ssize_t l = readlinkat(dfd, last, target, sizeof(target) - 1);
	if (l >= 0 && !(flags & O_NOFOLLOW)) {
		target[l] = 0;
		/* Re-resolve the link target relative to the parent. */
		_cleanup_free_ char *dirrel = NULL;
		const char *slash = strrchr(rel, '/');
		if (target[0] == '/')
			dirrel = strdup(target + 1);
		else if (slash)
			dirrel = vp_strdup_printf("%.*s/%s", (int)(slash - rel), rel, target);
		else
			dirrel = strdup(target);
		if (!dirrel)
			return -ENOMEM;
		static __thread int depth;
		if (depth >= MAX_LINKS)
			return -ELOOP;
		depth++;
		int fd = open_in_root(r, dirrel, flags, mode);
		depth--;
		return fd;
	}
	int fd = openat(dfd, last, flags | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

int vp_root_openat(struct vp_root *r, const char *rel, int flags, mode_t mode)
{
	return open_in_root(r, rel, flags, mode);
}

int vp_root_open_parent(struct vp_root *r, const char *rel, const char **ret_name)
{
	while (*rel == '/')
		rel++;
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	if (!*name || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	_cleanup_free_ char *dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup(".");
	if (!dir)
		return -ENOMEM;
	int fd = open_in_root(r, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	*ret_name = name;
	return fd;
}

static int read_file_fd(int fd, size_t max, char **ret, size_t *ret_len);

int vp_root_read_file(struct vp_root *r, const char *rel, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open_in_root(r, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	return read_file_fd(fd, max, ret, ret_len);
}

/* The tail of the *_read_str() functions: an attribute is text without NUL bytes, its trailing
 * white space stripped. e is the read's result; s (len bytes) is taken. */
static int attr_str(int e, char *s, size_t len, char **ret)
{
	if (e < 0)
		return e;
	if (memchr(s, 0, len)) {
		free(s);
		return -EINVAL;
	}
	*ret = vp_strstrip_tail(s);
	return 0;
}

int vp_root_read_str(struct vp_root *r, const char *rel, char **ret)
{
	char *s = NULL;
	size_t len = 0;
	int e = vp_root_read_file(r, rel, VP_ATTR_MAX, &s, &len);
	return attr_str(e, s, len, ret);
}

int vp_root_read_hex(struct vp_root *r, const char *rel, uint64_t max, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int e = vp_root_read_str(r, rel, &s);
	if (e < 0)
		return e;
	return vp_parse_hex(s, max, ret);
}

int vp_root_read_uint(struct vp_root *r, const char *rel, uint64_t max, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int e = vp_root_read_str(r, rel, &s);
	if (e < 0)
		return e;
	return vp_parse_uint(s, max, ret);
}

int vp_root_read_link(struct vp_root *r, const char *rel, char **ret)
{
	const char *name;
	_cleanup_close_ int dfd = vp_root_open_parent(r, rel, &name);
	if (dfd < 0)
		return dfd;
	char buf[PATH_MAX];
	ssize_t l = readlinkat(dfd, name, buf, sizeof(buf) - 1);
	if (l < 0)
		return errno == EINVAL ? -ENOLINK : -errno;
	buf[l] = 0;
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int vp_root_link_basename(struct vp_root *r, const char *rel, char **ret)
{
	_cleanup_free_ char *t = NULL;
	int e = vp_root_read_link(r, rel, &t);
	if (e < 0)
		return e;
	vp_strstrip_tail(t);
	size_t n = strlen(t);
	while (n > 1 && t[n - 1] == '/')
		t[--n] = 0;
	const char *b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if (!*b || streq(b, ".") || streq(b, ".."))
		return -EINVAL;
	*ret = strdup(b);
	return *ret ? 0 : -ENOMEM;
}

/* A directory with more entries than this is not a host we model. */
#define MAX_DIR_ENTRIES 1000000

int vp_root_list(struct vp_root *r, const char *rel, char ***ret_sorted)
{
	int fd = open_in_root(r, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int e = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n + 1 >= cap) {
			if (n >= MAX_DIR_ENTRIES) {
				e = -E2BIG;
				break;
			}
			cap = cap ? cap * 2 : 32;
			char **nv = realloc(v, cap * sizeof(char *));
			if (!nv) {
				e = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name))) {
			e = -ENOMEM;
			break;
		}
		v[++n] = NULL;
	}
	if (!e && errno)
		e = -errno;
	closedir(d);
	if (e < 0) {
		vp_strv_free(v);
		return e;
	}
	if (!v && !(v = calloc(1, sizeof(char *))))
		return -ENOMEM;
	vp_strv_sort(v);
	*ret_sorted = v;
	return 0;
}

int vp_root_stat(struct vp_root *r, const char *rel, struct stat *ret)
{
	_cleanup_close_ int fd = open_in_root(r, rel, O_PATH, 0);
	if (fd < 0)
		return fd;
	return fstat(fd, ret) < 0 ? -errno : 0;
}

int vp_root_lstat(struct vp_root *r, const char *rel, struct stat *ret)
{
	const char *name;
	_cleanup_close_ int dfd = vp_root_open_parent(r, rel, &name);
	if (dfd < 0)
		return dfd;
	return fstatat(dfd, name, ret, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int vp_root_exists(struct vp_root *r, const char *rel)
{
	struct stat st;
	int e = vp_root_stat(r, rel, &st);
	if (e == -ENOENT || e == -ENOTDIR)
		return 0;
	return e < 0 ? e : 1;
}

int vp_root_write_attr(struct vp_root *r, const char *rel, const char *value)
{
	_cleanup_close_ int fd = open_in_root(r, rel, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	if (r->trace_fd >= 0)
		dprintf(r->trace_fd, "/%s\t%s\n", rel[0] == '/' ? rel + 1 : rel, value);
	return 0;
}

int vp_root_write_atomic_with(struct vp_root *r, const char *rel, const void *data, size_t len, mode_t mode,
			       int (*prepare)(int fd, void *ud), void *ud)
{
	const char *name;
	_cleanup_close_ int pfd = vp_root_open_parent(r, rel, &name);
	if (pfd < 0)
		return pfd;
	/* O_PATH fds cannot be used for creating files: reopen the directory. */
	_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	char tmp[NAME_MAX + 1];
	int fd = -1;
	for (int i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), ".#%.200s.vp%d.%d", name, (int)getpid(), i);
		/* private until its attributes are set: fchmod below gives it mode */
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	int e = vp_write_all(fd, data, len);
	if (!e && prepare)
		e = prepare(fd, ud);
	if (!e && fchmod(fd, mode) < 0) /* after prepare's fchown, which clears set-id bits */
		e = -errno;
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && renameat(dfd, tmp, dfd, name) < 0)
		e = -errno;
	if (e) {
		unlinkat(dfd, tmp, 0);
		return e;
	}
	fsync(dfd);
	return 0;
}

int vp_root_write_atomic(struct vp_root *r, const char *rel, const void *data, size_t len, mode_t mode)
{
	return vp_root_write_atomic_with(r, rel, data, len, mode, NULL, NULL);
}

int vp_root_mkdir_p(struct vp_root *r, const char *rel, mode_t mode)
{
	char path[PATH_MAX];
	while (*rel == '/')
		rel++;
	if (snprintf(path, sizeof(path), "%s", rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path;; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;
		*p = 0;
		if (*path) {
			const char *name;
			_cleanup_close_ int pfd = vp_root_open_parent(r, path, &name);
			if (pfd < 0)
				return pfd;
			if (mkdirat(pfd, name, mode) < 0 && errno != EEXIST)
				return -errno;
			struct stat st;
			if (fstatat(pfd, name, &st, 0) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		if (!saved)
			break;
		*p = saved;
	}
	return 0;
}

int vp_root_unlink(struct vp_root *r, const char *rel)
{
	const char *name;
	_cleanup_close_ int pfd = vp_root_open_parent(r, rel, &name);
	if (pfd < 0)
		return pfd;
	return unlinkat(pfd, name, 0) < 0 ? -errno : 0;
}

int vp_root_lock(struct vp_root *r)
{
	int fd = openat(r->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return e;
	}
	return fd;
}

int vp_root_open_dir(struct vp_root *r, const char *rel)
{
	return open_in_root(r, rel, O_RDONLY | O_DIRECTORY, 0);
}

int vp_root_open_dir_nolinks(struct vp_root *r, const char *rel)
{
	while (*rel == '/')
		rel++;
	int fd = openat2_in_root(r, *rel ? rel : ".", O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS);
	/* without openat2 there is no cheap way to refuse links on the way */
	return fd == -ENOSYS ? -EOPNOTSUPP : fd;
}

static bool single_component(const char *name)
{
	return *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

static int read_attr_fd(int fd, char *buf, size_t size);

int vp_dir_read_attr(int dfd, const char *name, char *buf, size_t size)
{
	if (!single_component(name) || size < 2)
		return -EINVAL;
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return read_attr_fd(fd, buf, size);
}

int vp_dir_read_attr_keep(int dfd, const char *name, char *buf, size_t size, int *ret_fd)
{
	*ret_fd = -1;
	if (!single_component(name) || size < 2)
		return -EINVAL;
	int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return read_attr_fd(fd, buf, size);
}

void vp_fds_close(int *fds, size_t n)
{
	int lo = INT_MAX, hi = -1;
	size_t valid = 0;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			lo = fds[i] < lo ? fds[i] : lo;
			hi = fds[i] > hi ? fds[i] : hi;
			valid++;
		}
	if (!valid)
		return;
	/* Distinct descriptors, as many as the numbers from lo to hi: the run holds ours only. */
#ifdef SYS_close_range
	if ((size_t)(hi - lo) + 1 == valid && valid > 1 && syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0) == 0)
		return;
#endif
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int vp_dir_read_attr2(int dfd, const char *sub, const char *name, char *buf, size_t size)
{
	if (!single_component(sub) || !single_component(name) || size < 2)
		return -EINVAL;
	char path[NAME_MAX * 2 + 2];
	snprintf(path, sizeof(path), "%s/%s", sub, name);
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* No openat2: one component at a time, never following links. */
		_cleanup_close_ int sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return errno == ENOTDIR ? -ELOOP : -errno;
		return vp_dir_read_attr(sfd, name, buf, size);
	}
	if (fd < 0)
		return -errno;
	_cleanup_close_ int f = (int)fd;
	return read_attr_fd(f, buf, size);
}

static int read_attr_fd(int fd, char *buf, size_t size)
{
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -EBADFD : -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size)
			return -EFBIG;
		/* sysfs returns a whole attribute per read, and a short read of a
		 * regular file is its end: skip the extra read() that returns 0. */
		break;
	}
	if (len == 0) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		return S_ISREG(st.st_mode) ? -ENODATA : -EBADFD;
	}
	if (memchr(buf, 0, len))
		return -EINVAL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		len--;
	buf[len] = 0;
	return (int)len;
}

int vp_dir_read_link(int dfd, const char *name, char *buf, size_t size)
{
	if (!single_component(name) || size < 2)
		return -EINVAL;
	ssize_t l = readlinkat(dfd, name, buf, size - 1);
	if (l < 0)
		return errno == EINVAL ? -ENOLINK : -errno;
	if ((size_t)l >= size - 1)
		return -ENAMETOOLONG;
	buf[l] = 0;
	return (int)l;
}

/* The checks and the read of vp_root_read_file(), on an open fd (left open). */
static int read_file_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	/* sized for the file when it tells (sysfs says 4096 for every attribute): thousands of config
	 * spaces of 256 bytes then take 256 bytes each, not a page */
	size_t cap = st.st_size > 0 && st.st_size < 4096 ? (size_t)st.st_size + 1 : 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = 0;
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int vp_dir_read_file(int dfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
	if (!single_component(name))
		return -EINVAL;
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return read_file_fd(fd, max, ret, ret_len);
}

int vp_dir_read_str(int dfd, const char *name, char **ret)
{
	char *s = NULL;
	size_t len = 0;
	int e = vp_dir_read_file(dfd, name, VP_ATTR_MAX, &s, &len);
	return attr_str(e, s, len, ret);
}

int vp_root_open_dir_path_nolinks(struct vp_root *r, const char *rel)
{
	while (*rel == '/')
		rel++;
	int fd = openat2_in_root(r, *rel ? rel : ".", O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS);
	return fd == -ENOSYS ? -EOPNOTSUPP : fd;
}

int vp_dir_open_path(int dfd, const char *name)
{
	if (!single_component(name))
		return -EINVAL;
	int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
