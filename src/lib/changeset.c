/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Planned changes, diff, journaled all-or-nothing apply, rollback and undo (see changeset.h). */
#include "changeset.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "output.h"
#include "undosh.h"
#include "util.h"

struct vp_changeset {
	struct vp_root *root;
	struct vp_change *changes;
	size_t n;
	json_object *meta;
};

static void change_done(struct vp_change *c)
{
	free(c->path);
	free(c->old);
	free(c->new);
	vp_strv_free(c->created_dirs);
	json_object_put(c->old_xattrs);
	vp_strv_free(c->argv);
	vp_strv_free(c->undo_argv);
	free(c->why);
	*c = (struct vp_change){ 0 };
}

int vp_changeset_new(struct vp_root *root, struct vp_changeset **ret)
{
	struct vp_changeset *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->root = root;
	cs->meta = json_object_new_object();
	*ret = cs;
	return 0;
}

struct vp_changeset *vp_changeset_free(struct vp_changeset *cs)
{
	if (!cs)
		return NULL;
	for (size_t i = 0; i < cs->n; i++)
		change_done(&cs->changes[i]);
	free(cs->changes);
	json_object_put(cs->meta);
	free(cs);
	return NULL;
}

void vp_changeset_set_meta(struct vp_changeset *cs, const char *key, json_object *v)
{
	json_object_object_add(cs->meta, key, v);
}

struct vp_root *vp_changeset_root(const struct vp_changeset *cs)
{
	return cs->root;
}

size_t vp_changeset_n(const struct vp_changeset *cs)
{
	return cs->n;
}

const struct vp_change *vp_changeset_get(const struct vp_changeset *cs, size_t i)
{
	return i < cs->n ? &cs->changes[i] : NULL;
}

bool vp_changeset_empty(const struct vp_changeset *cs)
{
	return cs->n == 0;
}

const char *vp_file_action_to_string(enum vp_file_action a)
{
	return a == VP_FILE_CREATE ? "create" : a == VP_FILE_DELETE ? "delete" : "modify";
}

static struct vp_change *push(struct vp_changeset *cs)
{
	struct vp_change *n = realloc(cs->changes, (cs->n + 1) * sizeof(*n));
	if (!n)
		return NULL;
	cs->changes = n;
	n[cs->n] = (struct vp_change){ 0 };
	return &n[cs->n++];
}

/* Extended attributes of rel (a regular file): name -> hex value, NULL when it has none or they
 * cannot be listed (a file system without them). */
static json_object *read_xattrs(struct vp_root *root, const char *rel)
{
	_cleanup_close_ int fd = vp_root_openat(root, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	char names[8192];
	ssize_t n = flistxattr(fd, names, sizeof(names));
	if (n <= 0)
		return NULL;
	json_object *o = NULL;
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		char val[4096];
		ssize_t vl = fgetxattr(fd, name, val, sizeof(val));
		if (vl < 0)
			continue; /* not readable (trusted.* without CAP_SYS_ADMIN ...): left to the file system */
		struct vp_buf hex = { 0 };
		for (ssize_t i = 0; i < vl; i++)
			vp_buf_printf(&hex, "%02x", (unsigned char)val[i]);
		_cleanup_free_ char *h = vp_buf_steal(&hex);
		if (!o)
			o = json_object_new_object();
		json_object_object_add(o, name, json_object_new_string(h ? h : ""));
	}
	return o;
}

struct file_meta {
	mode_t mode;
	uid_t uid;
	gid_t gid;
	unsigned long nlink;
};

/* Current content of rel: 1 with data, 0 when absent, <0 on error (-ELOOP for a symlink). */
static int read_current_meta(struct vp_root *root, const char *rel, char **ret, size_t *ret_len, struct file_meta *ret_meta)
{
	struct stat st;
	*ret = NULL;
	*ret_len = 0;
	int e = vp_root_lstat(root, rel, &st);
	if (e == -ENOENT)
		return 0;
	if (e < 0)
		return e;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	e = vp_root_read_file(root, rel, VP_FILE_MAX, ret, ret_len);
	if (e < 0)
		return e;
	if (ret_meta)
		*ret_meta = (struct file_meta){ st.st_mode & 07777, st.st_uid, st.st_gid, (unsigned long)st.st_nlink };
	return 1;
}

static int read_current(struct vp_root *root, const char *rel, char **ret, size_t *ret_len, mode_t *ret_mode)
{
	struct file_meta m = { 0 };
	int e = read_current_meta(root, rel, ret, ret_len, &m);
	if (e > 0 && ret_mode)
		*ret_mode = m.mode;
	return e;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	if (!a || !b)
		return !a && !b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static struct vp_change *find_file(struct vp_changeset *cs, const char *rel)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->changes[i].kind == VP_CHANGE_FILE && streq(cs->changes[i].path, rel))
			return &cs->changes[i];
	return NULL;
}

static void remove_change(struct vp_changeset *cs, struct vp_change *c)
{
	size_t i = (size_t)(c - cs->changes);
	change_done(c);
	memmove(&cs->changes[i], &cs->changes[i + 1], (cs->n - i - 1) * sizeof(*c));
	cs->n--;
}

int vp_changeset_set_file(struct vp_changeset *cs, const char *rel, const char *content, size_t len, mode_t mode)
{
	while (*rel == '/')
		rel++;
	struct vp_change *c = find_file(cs, rel);
	if (c) {
		if (same(c->old, c->old_len, content, len) && (!content || c->old_mode == mode)) {
			remove_change(cs, c);
			return 0;
		}
		char *dup = NULL;
		if (content && !(dup = malloc(len + 1)))
			return -ENOMEM;
		if (dup) {
			memcpy(dup, content, len);
			dup[len] = 0;
		}
		free(c->new);
		c->new = dup;
		c->new_len = len;
		c->mode = mode;
		c->action = !c->old ? VP_FILE_CREATE : !content ? VP_FILE_DELETE : VP_FILE_MODIFY;
		return 1;
	}
	_cleanup_free_ char *old = NULL;
	size_t old_len = 0;
	struct file_meta fm = { 0 };
	int e = read_current_meta(cs->root, rel, &old, &old_len, &fm);
	if (e < 0)
		return e;
	mode_t old_mode = fm.mode;
	if (same(old, old_len, content, len) && (!content || old_mode == mode))
		return 0;
	char *dup = NULL;
	if (content) {
		if (!(dup = malloc(len + 1)))
			return -ENOMEM;
		memcpy(dup, content, len);
		dup[len] = 0;
	}
	c = push(cs);
	if (!c) {
		free(dup);
		return -ENOMEM;
	}
	c->kind = VP_CHANGE_FILE;
	c->path = strdup(rel);
	c->old = TAKE_PTR(old);
	c->old_len = old_len;
	c->old_mode = old_mode;
	c->old_uid = fm.uid;
	c->old_gid = fm.gid;
	c->old_nlink = fm.nlink;
	c->old_xattrs = e > 0 ? read_xattrs(cs->root, rel) : NULL;
	c->new = dup;
	c->new_len = len;
	c->mode = mode;
	c->action = !c->old ? VP_FILE_CREATE : !content ? VP_FILE_DELETE : VP_FILE_MODIFY;
	return c->path ? 1 : -ENOMEM;
}

int vp_changeset_read(struct vp_changeset *cs, const char *rel, char **ret, size_t *ret_len)
{
	while (*rel == '/')
		rel++;
	*ret = NULL;
	if (ret_len)
		*ret_len = 0;
	struct vp_change *c = find_file(cs, rel);
	if (!c) {
		size_t len = 0;
		int e = read_current(cs->root, rel, ret, &len, NULL);
		if (e > 0 && ret_len)
			*ret_len = len;
		return e;
	}
	if (!c->new)
		return 0;
	if (!(*ret = malloc(c->new_len + 1)))
		return -ENOMEM;
	memcpy(*ret, c->new, c->new_len + 1);
	if (ret_len)
		*ret_len = c->new_len;
	return 1;
}

static char **strv_copy(char *const *v)
{
	char **out = calloc(vp_strv_len(v) + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; v && v[i]; i++)
		if (!(out[i] = strdup(v[i]))) {
			vp_strv_free(out);
			return NULL;
		}
	return out;
}

int vp_changeset_command(struct vp_changeset *cs, char *const *argv, char *const *undo_argv, unsigned flags,
			 const char *why)
{
	if (!argv || !argv[0])
		return -EINVAL;
	struct vp_change *c = push(cs);
	if (!c)
		return -ENOMEM;
	c->kind = VP_CHANGE_COMMAND;
	c->argv = strv_copy(argv);
	c->undo_argv = undo_argv ? strv_copy(undo_argv) : NULL;
	c->flags = flags;
	c->why = why ? strdup(why) : NULL;
	if (!c->argv || (undo_argv && !c->undo_argv))
		return -ENOMEM;
	return 0;
}

/* ------------------------------------------------------------------ diff */

struct lines {
	const char **s;
	size_t *len;
	size_t n;
	bool no_eol; /* last line lacks '\n' */
};

static int split_lines(const char *t, size_t tlen, struct lines *l)
{
	*l = (struct lines){ 0 };
	size_t cap = 16;
	l->s = malloc(cap * sizeof(char *));
	l->len = malloc(cap * sizeof(size_t));
	if (!l->s || !l->len)
		return -ENOMEM;
	size_t i = 0;
	while (t && i < tlen) {
		const char *nl = memchr(t + i, '\n', tlen - i);
		size_t end = nl ? (size_t)(nl - t) : tlen;
		if (l->n == cap) {
			cap *= 2;
			const char **s2 = realloc(l->s, cap * sizeof(char *));
			if (s2)
				l->s = s2;
			size_t *l2 = realloc(l->len, cap * sizeof(size_t));
			if (l2)
				l->len = l2;
			if (!s2 || !l2)
				return -ENOMEM;
		}
		l->s[l->n] = t + i;
		l->len[l->n] = end - i;
		l->n++;
		if (!nl)
			l->no_eol = true;
		i = end + 1;
	}
	return 0;
}

static void lines_free(struct lines *l)
{
	free(l->s);
	free(l->len);
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0 &&
	       (i + 1 == a->n && a->no_eol) == (j + 1 == b->n && b->no_eol);
}

/* Edit script ops: ' ' keep, '-' delete from a, '+' insert from b. */
struct op {
	char kind;
	size_t ai, bi;
};

static void emit_line(struct vp_buf *out, char kind, const struct lines *l, size_t i)
{
	vp_buf_append(out, &kind, 1);
	vp_buf_append(out, l->s[i], l->len[i]);
	vp_buf_puts(out, "\n");
	if (i + 1 == l->n && l->no_eol)
		vp_buf_puts(out, "\\ No newline at end of file\n");
}

char *vp_diff_text(const char *a, size_t alen, const char *b, size_t blen, const char *label_a, const char *label_b)
{
	struct lines A, B;
	struct vp_buf out = { 0 };
	struct op *ops = NULL;
	unsigned *dp = NULL;
	if (split_lines(a, alen, &A) < 0 || split_lines(b, blen, &B) < 0)
		goto fail;
	/* Trim common prefix and suffix, then LCS on the middle (files are small). */
	size_t pre = 0;
	while (pre < A.n && pre < B.n && line_eq(&A, pre, &B, pre))
		pre++;
	size_t suf = 0;
	while (suf < A.n - pre && suf < B.n - pre && line_eq(&A, A.n - 1 - suf, &B, B.n - 1 - suf))
		suf++;
	size_t n = A.n - pre - suf, m = B.n - pre - suf;
	size_t nops = 0;
	ops = calloc(A.n + B.n + 1, sizeof(*ops));
	if (!ops)
		goto fail;
	for (size_t i = 0; i < pre; i++)
		ops[nops++] = (struct op){ ' ', i, i };
	if (n * m <= 4u * 1024 * 1024 && n && m) {
		dp = calloc((n + 1) * (m + 1), sizeof(unsigned));
		if (!dp)
			goto fail;
#define DP(i, j) dp[(i) * (m + 1) + (j)]
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				DP(i, j) = line_eq(&A, pre + i, &B, pre + j) ? DP(i + 1, j + 1) + 1
					   : DP(i + 1, j) >= DP(i, j + 1) ? DP(i + 1, j) : DP(i, j + 1);
		size_t i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && line_eq(&A, pre + i, &B, pre + j)) {
				ops[nops++] = (struct op){ ' ', pre + i++, pre + j++ };
			} else if (j < m && (i == n || DP(i, j + 1) > DP(i + 1, j))) {
				ops[nops++] = (struct op){ '+', pre + i, pre + j++ };
			} else {
				ops[nops++] = (struct op){ '-', pre + i++, pre + j };
			}
		}
#undef DP
	} else {
		for (size_t i = 0; i < n; i++)
			ops[nops++] = (struct op){ '-', pre + i, pre };
		for (size_t j = 0; j < m; j++)
			ops[nops++] = (struct op){ '+', pre + n, pre + j };
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){ ' ', A.n - suf + k, B.n - suf + k };

	vp_buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
	const size_t ctx = 3;
	size_t k = 0;
	while (k < nops) {
		while (k < nops && ops[k].kind == ' ')
			k++;
		if (k == nops)
			break;
		size_t start = k > ctx ? k - ctx : 0;
		/* extend the hunk while changes are within 2*ctx of each other */
		size_t end = k;
		for (;;) {
			while (end < nops && ops[end].kind != ' ')
				end++;
			size_t next = end;
			while (next < nops && ops[next].kind == ' ')
				next++;
			if (next < nops && next - end <= 2 * ctx)
				end = next;
			else
				break;
		}
		size_t stop = end + ctx < nops ? end + ctx : nops;
		size_t a0 = ops[start].ai, b0 = ops[start].bi, ac = 0, bc = 0;
		for (size_t q = start; q < stop; q++) {
			if (ops[q].kind != '+')
				ac++;
			if (ops[q].kind != '-')
				bc++;
		}
		vp_buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? a0 + 1 : a0, ac, bc ? b0 + 1 : b0, bc);
		for (size_t q = start; q < stop; q++) {
			if (ops[q].kind == '+')
				emit_line(&out, '+', &B, ops[q].bi);
			else
				emit_line(&out, ops[q].kind, &A, ops[q].ai);
		}
		k = stop;
	}
	free(ops);
	free(dp);
	lines_free(&A);
	lines_free(&B);
	return vp_buf_steal(&out);
fail:
	free(ops);
	free(dp);
	lines_free(&A);
	lines_free(&B);
	vp_buf_free(&out);
	return NULL;
}

char *vp_change_diff(const struct vp_change *c)
{
	if (c->kind != VP_CHANGE_FILE)
		return NULL;
	_cleanup_free_ char *logical = vp_strdup_printf("/%s", c->path);
	char *d = vp_diff_text(c->old, c->old_len, c->new, c->new_len, c->old ? logical : "/dev/null",
			       c->new ? logical : "/dev/null");
	if (d && c->old && c->new && c->old_mode != c->mode) {
		char *m = vp_strdup_printf("mode %04o -> %04o\n%s", (unsigned)c->old_mode, (unsigned)c->mode, d);
		free(d);
		d = m;
	}
	return d;
}

/* ------------------------------------------------------------------ journal */

void vp_txn_report_done(struct vp_txn_report *r)
{
	free(r->id);
	free(r->failed_step);
	free(r->failed_output);
	free(r->stale_path);
	vp_strv_free(r->rollback_errors);
	vp_strv_free(r->ran);
	vp_strv_free(r->recovered);
	vp_strv_free(r->finished_undo);
	*r = (struct vp_txn_report){ .progress = r->progress };
}

struct vp_txn *vp_txn_free(struct vp_txn *t)
{
	if (!t)
		return NULL;
	free(t->id);
	free(t->state);
	free(t->run_boot);
	json_object_put(t->meta);
	for (size_t i = 0; i < t->n_changes; i++)
		change_done(&t->changes[i]);
	free(t->changes);
	free(t);
	return NULL;
}

bool vp_txn_state_unfinished(const char *s)
{
	return s && (streq(s, "prepared") || streq(s, "applying") || streq(s, "rolling-back") || streq(s, "undoing"));
}

static char **json_strv(json_object *a)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return NULL;
	size_t n = json_object_array_length(a);
	char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		v[i] = strdup(s ? s : "");
	}
	return v;
}

static int write_file(struct vp_root *root, const char *rel, const char *data, size_t len, mode_t mode)
{
	return vp_root_write_atomic(root, rel, data ? data : "", data ? len : 0, mode);
}

static int unhex(const char *h, char *out, size_t max, size_t *ret_len)
{
	size_t n = strlen(h);
	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (char)v;
	}
	*ret_len = n / 2;
	return 0;
}

struct file_attrs {
	uid_t uid;
	gid_t gid;
	json_object *xattrs; /* name -> hex value (NULL: none) */
};

/* vp_root_write_atomic_with's prepare: owner and extended attributes on the temporary file. An
 * attribute the file system does not take (ENOTSUP) is skipped; another error fails the write. */
static int set_file_attrs(int fd, void *ud)
{
	const struct file_attrs *a = ud;
	if ((a->uid != (uid_t)-1 || a->gid != (gid_t)-1) && fchown(fd, a->uid, a->gid) < 0)
		return -errno;
	if (!a->xattrs)
		return 0;
	json_object_object_foreach(a->xattrs, k, v)
	{
		char val[4096];
		size_t vl = 0;
		if (unhex(json_object_get_string(v) ? json_object_get_string(v) : "", val, sizeof(val), &vl) < 0)
			continue;
		if (fsetxattr(fd, k, val, vl, 0) < 0 && errno != ENOTSUP && errno != EOPNOTSUPP)
			return -errno;
	}
	return 0;
}

/* vp_root_write_atomic, with the temp file given owner uid:gid and the extended attributes xattrs
 * before the rename, so the file never has other attributes under its name. */
static int write_file_attrs(struct vp_root *root, const char *rel, const char *data, size_t len, mode_t mode, uid_t uid,
			    gid_t gid, json_object *xattrs)
{
	struct file_attrs a = { uid, gid, xattrs };
	return vp_root_write_atomic_with(root, rel, data, len, mode, set_file_attrs, &a);
}

static int write_manifest(struct vp_root *root, const struct vp_txn *t)
{
	const char *id = t->id, *state = t->state;
	long long created = t->created;
	json_object *meta = t->meta;
	const struct vp_change *ch = t->changes;
	size_t n = t->n_changes;
	json_object *m = json_object_new_object();
	json_object_object_add(m, "version", json_object_new_int(1));
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "state", json_object_new_string(state));
	json_object_object_add(m, "created", json_object_new_int64(created));
	json_object_object_add(m, "meta", meta ? json_object_get(meta) : json_object_new_object());
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct vp_change *c = &ch[i];
		json_object *o = json_object_new_object();
		if (c->kind == VP_CHANGE_FILE) {
			json_object_object_add(o, "kind", json_object_new_string("file"));
			json_object_object_add(o, "path", json_object_new_string(c->path));
			json_object_object_add(o, "action", json_object_new_string(vp_file_action_to_string(c->action)));
			json_object_object_add(o, "mode", json_object_new_int((int)c->mode));
			json_object_object_add(o, "original_mode", json_object_new_int((int)c->old_mode));
			char name[32];
			snprintf(name, sizeof(name), "orig/%zu", i);
			json_object_object_add(o, "original", c->old ? json_object_new_string(name) : NULL);
			snprintf(name, sizeof(name), "new/%zu", i);
			json_object_object_add(o, "new", c->new ? json_object_new_string(name) : NULL);
			json_object_object_add(o, "created_dirs", vp_json_strv(c->created_dirs));
			if (c->old) {
				json_object *own = json_object_new_array();
				json_object_array_add(own, json_object_new_int64((int64_t)c->old_uid));
				json_object_array_add(own, json_object_new_int64((int64_t)c->old_gid));
				json_object_object_add(o, "original_owner", own);
				json_object_object_add(o, "original_links", json_object_new_int64((int64_t)c->old_nlink));
				json_object_object_add(o, "original_xattrs", c->old_xattrs ? json_object_get(c->old_xattrs) : NULL);
			}
		} else {
			json_object_object_add(o, "kind", json_object_new_string("command"));
			json_object_object_add(o, "argv", vp_json_strv(c->argv));
			json_object_object_add(o, "undo_argv", c->undo_argv ? vp_json_strv(c->undo_argv) : NULL);
			json_object_object_add(o, "rerun_on_undo", json_object_new_boolean(c->flags & VP_CMD_RERUN_ON_UNDO));
			json_object_object_add(o, "why", c->why ? json_object_new_string(c->why) : NULL);
		}
		json_object_object_add(o, "started", json_object_new_boolean(c->started));
		json_object_object_add(o, "done", json_object_new_boolean(c->done));
		json_object_array_add(arr, o);
	}
	json_object_object_add(m, "changes", arr);
	if (t->run_pid > 0) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "pid", json_object_new_int64(t->run_pid));
		json_object_object_add(r, "start", json_object_new_uint64(t->run_start));
		json_object_object_add(r, "boot_id", t->run_boot ? json_object_new_string(t->run_boot) : NULL);
		json_object_object_add(m, "running", r);
	}
	const char *s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *text = vp_strdup_printf("%s\n", s);
	json_object_put(m);
	_cleanup_free_ char *rel = vp_strdup_printf(VP_TXN_DIR "/%s/manifest.json", id);
	if (!text || !rel)
		return -ENOMEM;
	return write_file(root, rel, text, strlen(text), 0600);
}

static int txn_save(struct vp_root *root, const struct vp_txn *t)
{
	return write_manifest(root, t);
}

static int set_state(struct vp_root *root, struct vp_txn *t, const char *state)
{
	char *s = strdup(state);
	if (!s)
		return -ENOMEM;
	free(t->state);
	t->state = s;
	return txn_save(root, t);
}

static int read_blob(struct vp_root *root, const char *id, const char *name, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *rel = vp_strdup_printf(VP_TXN_DIR "/%s/%s", id, name);
	if (!rel)
		return -ENOMEM;
	return vp_root_read_file(root, rel, VP_FILE_MAX, ret, ret_len);
}

static bool valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-'))
			return false;
	return true;
}

static int txn_read(struct vp_root *root, const char *id, struct vp_txn **ret)
{
	if (!valid_id(id))
		return -EINVAL;
	_cleanup_free_ char *text = NULL;
	int e = read_blob(root, id, "manifest.json", &text, NULL);
	if (e < 0)
		return e;
	json_object *m = json_tokener_parse(text);
	if (!m || !json_object_is_type(m, json_type_object)) {
		json_object_put(m);
		return -EBADMSG;
	}
	struct vp_txn *t = calloc(1, sizeof(*t));
	if (!t) {
		json_object_put(m);
		return -ENOMEM;
	}
	json_object *v;
	t->id = strdup(id);
	t->state = strdup(json_object_object_get_ex(m, "state", &v) ? json_object_get_string(v) : "unknown");
	t->created = json_object_object_get_ex(m, "created", &v) ? json_object_get_int64(v) : 0;
	t->meta = json_object_object_get_ex(m, "meta", &v) ? json_object_get(v) : json_object_new_object();
	if (json_object_object_get_ex(m, "running", &v) && json_object_is_type(v, json_type_object)) {
		json_object *f;
		if (json_object_object_get_ex(v, "pid", &f))
			t->run_pid = json_object_get_int64(f);
		if (json_object_object_get_ex(v, "start", &f))
			t->run_start = json_object_get_uint64(f);
		if (json_object_object_get_ex(v, "boot_id", &f) && f)
			t->run_boot = strdup(json_object_get_string(f));
	}
	json_object *arr = NULL;
	if (json_object_object_get_ex(m, "changes", &arr) && json_object_is_type(arr, json_type_array)) {
		size_t n = json_object_array_length(arr);
		t->changes = calloc(n ? n : 1, sizeof(*t->changes));
		if (!t->changes)
			e = -ENOMEM;
		for (size_t i = 0; i < n && e >= 0; i++) {
			json_object *o = json_object_array_get_idx(arr, i);
			struct vp_change *c = &t->changes[t->n_changes++];
			const char *kind = json_object_object_get_ex(o, "kind", &v) ? json_object_get_string(v) : "";
			c->started = json_object_object_get_ex(o, "started", &v) && json_object_get_boolean(v);
			c->done = json_object_object_get_ex(o, "done", &v) && json_object_get_boolean(v);
			if (streq(kind, "file")) {
				c->kind = VP_CHANGE_FILE;
				const char *p = json_object_object_get_ex(o, "path", &v) ? json_object_get_string(v) : NULL;
				if (!p || !*p || p[0] == '/' || strstr(p, "..")) {
					e = -EBADMSG;
					break;
				}
				c->path = strdup(p);
				const char *act = json_object_object_get_ex(o, "action", &v) ? json_object_get_string(v) : "modify";
				c->action = streq(act, "create") ? VP_FILE_CREATE : streq(act, "delete") ? VP_FILE_DELETE : VP_FILE_MODIFY;
				c->mode = json_object_object_get_ex(o, "mode", &v) ? (mode_t)json_object_get_int(v) : 0644;
				c->old_mode = json_object_object_get_ex(o, "original_mode", &v) ? (mode_t)json_object_get_int(v) : 0644;
				if (json_object_object_get_ex(o, "original", &v) && v &&
				    (e = read_blob(root, id, json_object_get_string(v), &c->old, &c->old_len)) < 0)
					break;
				if (json_object_object_get_ex(o, "new", &v) && v &&
				    (e = read_blob(root, id, json_object_get_string(v), &c->new, &c->new_len)) < 0)
					break;
				if (json_object_object_get_ex(o, "created_dirs", &v))
					c->created_dirs = json_strv(v);
				c->old_uid = (uid_t)-1;
				c->old_gid = (gid_t)-1;
				if (json_object_object_get_ex(o, "original_owner", &v) && json_object_is_type(v, json_type_array) &&
				    json_object_array_length(v) == 2) {
					c->old_uid = (uid_t)json_object_get_int64(json_object_array_get_idx(v, 0));
					c->old_gid = (gid_t)json_object_get_int64(json_object_array_get_idx(v, 1));
				}
				if (json_object_object_get_ex(o, "original_links", &v))
					c->old_nlink = (unsigned long)json_object_get_int64(v);
				if (json_object_object_get_ex(o, "original_xattrs", &v) && json_object_is_type(v, json_type_object))
					c->old_xattrs = json_object_get(v);
			} else if (streq(kind, "command")) {
				c->kind = VP_CHANGE_COMMAND;
				c->argv = json_object_object_get_ex(o, "argv", &v) ? json_strv(v) : NULL;
				if (!c->argv || !c->argv[0]) {
					e = -EBADMSG;
					break;
				}
				if (json_object_object_get_ex(o, "undo_argv", &v) && v)
					c->undo_argv = json_strv(v);
				if (json_object_object_get_ex(o, "rerun_on_undo", &v) && json_object_get_boolean(v))
					c->flags |= VP_CMD_RERUN_ON_UNDO;
				if (json_object_object_get_ex(o, "why", &v) && v)
					c->why = strdup(json_object_get_string(v));
			} else {
				e = -EBADMSG;
				break;
			}
		}
	}
	json_object_put(m);
	if (e < 0) {
		vp_txn_free(t);
		return e;
	}
	*ret = t;
	return 0;
}

static int list_ids(struct vp_root *root, char ***ret)
{
	char **names = NULL;
	int e = vp_root_list(root, VP_TXN_DIR, &names);
	if (e == -ENOENT) {
		*ret = calloc(1, sizeof(char *));
		return *ret ? 0 : -ENOMEM;
	}
	if (e < 0)
		return e;
	/* keep only valid ids; vp_root_list sorts them (ids are zero-padded numbers) */
	size_t k = 0;
	for (size_t i = 0; names[i]; i++) {
		if (valid_id(names[i]))
			names[k++] = names[i];
		else
			free(names[i]);
	}
	names[k] = NULL;
	*ret = names;
	return 0;
}

int vp_txn_list(struct vp_root *root, struct vp_txn ***ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **ids = NULL;
	int e = list_ids(root, &ids);
	if (e < 0)
		return e;
	size_t n = vp_strv_len(ids);
	struct vp_txn **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (txn_read(root, ids[i], &v[k]) == 0)
			k++;
	}
	*ret = v;
	*ret_n = k;
	return 0;
}

void vp_txn_list_free(struct vp_txn **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		vp_txn_free(v[i]);
	free(v);
}

int vp_txn_load(struct vp_root *root, const char *id, struct vp_txn **ret)
{
	if (id)
		return txn_read(root, id, ret);
	_cleanup_strv_free_ char **ids = NULL;
	int e = list_ids(root, &ids);
	if (e < 0)
		return e;
	size_t n = vp_strv_len(ids);
	return n ? txn_read(root, ids[n - 1], ret) : -ENOENT;
}

/* The newest readable transaction whose state satisfies want(); -ENOENT when none does. */
static int last_in_state(struct vp_root *root, bool (*want)(const char *state), struct vp_txn **ret)
{
	_cleanup_strv_free_ char **ids = NULL;
	int e = list_ids(root, &ids);
	if (e < 0)
		return e;
	for (size_t i = vp_strv_len(ids); i-- > 0;) {
		struct vp_txn *t = NULL;
		if (txn_read(root, ids[i], &t) < 0)
			continue;
		if (want(t->state)) {
			*ret = t;
			return 0;
		}
		vp_txn_free(t);
	}
	return -ENOENT;
}

static bool applied_state(const char *s)
{
	return streq(s, "applied");
}

int vp_txn_last_applied(struct vp_root *root, struct vp_txn **ret)
{
	return last_in_state(root, applied_state, ret);
}

static int next_id(struct vp_root *root, char **ret)
{
	_cleanup_strv_free_ char **ids = NULL;
	int e = list_ids(root, &ids);
	if (e < 0)
		return e;
	unsigned long max = 0;
	for (size_t i = 0; ids[i]; i++) {
		uint64_t v;
		if (vp_parse_uint(ids[i], 999999, &v) == 0 && v > max)
			max = v;
	}
	*ret = vp_strdup_printf("%04lu", max + 1);
	return *ret ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ steps */

/* Removes leftovers of an interrupted atomic write of rel (".#NAME.vp*" temp files). */
static void remove_temps(struct vp_root *root, const char *rel)
{
	const char *name;
	_cleanup_close_ int pfd = vp_root_open_parent(root, rel, &name);
	if (pfd < 0)
		return;
	_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	_cleanup_free_ char *prefix = vp_strdup_printf(".#%.200s.vp", name);
	DIR *d = fdopendir(dfd);
	if (!d)
		return;
	dfd = -1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (prefix && vp_startswith(de->d_name, prefix))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static int rmdir_in_root(struct vp_root *root, const char *rel)
{
	const char *name;
	_cleanup_close_ int pfd = vp_root_open_parent(root, rel, &name);
	if (pfd < 0)
		return pfd;
	return unlinkat(pfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* Parent directories of rel that do not exist yet, outermost first. */
static int missing_dirs(struct vp_root *root, const char *rel, char ***ret)
{
	char **out = NULL;
	_cleanup_free_ char *p = strdup(rel);
	if (!p)
		return -ENOMEM;
	char *slash = strrchr(p, '/');
	while (slash) {
		*slash = 0;
		if (vp_root_exists(root, p) > 0)
			break;
		if (vp_strv_push(&out, p) < 0) {
			vp_strv_free(out);
			return -ENOMEM;
		}
		slash = strrchr(p, '/');
	}
	/* reverse: outermost first */
	size_t n = vp_strv_len(out);
	for (size_t i = 0; i < n / 2; i++) {
		char *t = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	*ret = out;
	return 0;
}

static int do_file(struct vp_root *root, struct vp_change *c)
{
	if (!c->new) {
		int e = vp_root_unlink(root, c->path);
		return e == -ENOENT ? 0 : e;
	}
	for (size_t i = 0; c->created_dirs && c->created_dirs[i]; i++) {
		int e = vp_root_mkdir_p(root, c->created_dirs[i], 0755);
		if (e < 0)
			return e;
	}
	if (c->old) /* the replacement keeps the original's owner, group and extended attributes */
		return write_file_attrs(root, c->path, c->new, c->new_len, c->mode, c->old_uid, c->old_gid, c->old_xattrs);
	return write_file(root, c->path, c->new, c->new_len, c->mode);
}

/*
 * Puts file change c back to its original content, judged by content: a file
 * that holds what we wrote (or an unfinished temp) is restored; one that
 * already holds the original is left alone; anything else was changed by
 * someone else and is reported, not overwritten.
 */
static int restore_file(struct vp_root *root, const struct vp_change *c, char ***errors)
{
	_cleanup_free_ char *cur = NULL;
	size_t len = 0;
	struct file_meta fm = { 0 };
	remove_temps(root, c->path);
	int st = read_current_meta(root, c->path, &cur, &len, &fm);
	if (st < 0) {
		vp_strv_push_take(errors, vp_strdup_printf("/%s: cannot read it (%s); restore it from the journal by hand",
							   c->path, strerror(-st)));
		return st;
	}
	bool owner_ok = c->old_uid == (uid_t)-1 || (fm.uid == c->old_uid && fm.gid == c->old_gid);
	bool is_orig = (st == 0 && !c->old) ||
		       (st == 1 && c->old && same(cur, len, c->old, c->old_len) && fm.mode == c->old_mode && owner_ok);
	bool is_new = (st == 0 && !c->new) || (st == 1 && c->new && same(cur, len, c->new, c->new_len));
	bool orig_content = st == 1 && c->old && same(cur, len, c->old, c->old_len);
	int e = 0;
	if (!is_orig) {
		if (!is_new && !orig_content) {
			vp_strv_push_take(errors, vp_strdup_printf("/%s changed since vfio-pilot wrote it; left as it is", c->path));
			return -ESTALE;
		}
		e = c->old ? write_file_attrs(root, c->path, c->old, c->old_len, c->old_mode, c->old_uid, c->old_gid, c->old_xattrs)
			   : vp_root_unlink(root, c->path);
		if (e == -ENOENT)
			e = 0;
		if (e < 0) {
			vp_strv_push_take(errors, vp_strdup_printf("/%s: cannot restore it: %s", c->path, strerror(-e)));
			return e;
		}
	}
	for (size_t i = vp_strv_len(c->created_dirs); i-- > 0;)
		rmdir_in_root(root, c->created_dirs[i]); /* only if empty; ENOTEMPTY is fine */
	return 0;
}

/* ---- external steps: process group recorded in the journal, progress, log */

struct step_ctx {
	struct vp_root *root;
	struct vp_txn *t;
	const struct vp_progress *pg;
	const char *what, *shown;
	struct vp_buf log;
};

static int step_started(void *ud, pid_t pgid)
{
	struct step_ctx *x = ud;
	if (!x->t)
		return 0;
	x->t->run_pid = pgid;
	x->t->run_start = 0;
	vp_proc_start_time(pgid, &x->t->run_start);
	free(x->t->run_boot);
	x->t->run_boot = vp_proc_boot_id();
	return txn_save(x->root, x->t); /* not recorded: not run */
}

static void step_output(void *ud, const char *data, size_t len)
{
	struct step_ctx *x = ud;
	vp_buf_append(&x->log, data, len);
	if (x->pg && x->pg->fn)
		x->pg->fn(x->pg->ud, &(struct vp_step){ .event = VP_STEP_OUTPUT, .what = x->what, .command = x->shown,
							 .data = data, .len = len });
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends text to the transaction's log (var/lib/vfio-pilot/txn/ID/log), rewritten atomically. */
static void log_append(struct vp_root *root, const char *id, const char *text, size_t len)
{
	_cleanup_free_ char *rel = vp_strdup_printf(VP_TXN_DIR "/%s/log", id);
	if (!rel)
		return;
	_cleanup_free_ char *old = NULL;
	size_t old_len = 0;
	if (vp_root_read_file(root, rel, VP_FILE_MAX, &old, &old_len) < 0)
		old_len = 0;
	struct vp_buf b = { 0 };
	if (old_len)
		vp_buf_append(&b, old, old_len);
	vp_buf_append(&b, text, len);
	if (b.len <= VP_FILE_MAX)
		write_file(root, rel, b.data, b.len, 0600);
	vp_buf_free(&b);
}

static int run_cmd(struct vp_root *root, struct vp_txn *t, const char *what, char *const *argv, struct vp_txn_report *rep,
		   char **ret_fail)
{
	struct vp_exec_result res;
	_cleanup_free_ char *shown = vp_argv_format(argv);
	struct step_ctx x = { .root = root, .t = t, .pg = rep ? rep->progress : NULL, .what = what, .shown = shown };
	struct vp_exec_hooks hooks = { .started = step_started, .output = step_output, .ud = &x };
	if (x.pg && x.pg->fn)
		x.pg->fn(x.pg->ud, &(struct vp_step){ .event = VP_STEP_START, .what = what, .command = shown });
	double t0 = now_s();
	int e = vp_exec_run_hooks(root, argv, &hooks, &res);
	double el = now_s() - t0;
	if (t && t->run_pid) {
		t->run_pid = 0;
		txn_save(root, t);
	}
	if (t) {
		_cleanup_free_ char *head = vp_strdup_printf("$ %s   # %s\n", shown, what ? what : "");
		_cleanup_free_ char *tail = e < 0 ? vp_strdup_printf("[could not start: %s]\n", strerror(-e))
						  : vp_strdup_printf("%s[exit %d, %.1f s]\n",
								     x.log.len && x.log.data[x.log.len - 1] != '\n' ? "\n" : "",
								     res.status, el);
		if (head && tail) {
			log_append(root, t->id, head, strlen(head));
			if (x.log.len)
				log_append(root, t->id, x.log.data, x.log.len);
			log_append(root, t->id, tail, strlen(tail));
		}
	}
	vp_buf_free(&x.log);
	if (x.pg && x.pg->fn)
		x.pg->fn(x.pg->ud, &(struct vp_step){ .event = VP_STEP_END, .what = what, .command = shown,
						       .status = e < 0 ? e : res.status, .elapsed = el });
	if (e < 0) {
		*ret_fail = vp_strdup_printf("command '%s' could not be started: %s", shown, strerror(-e));
		return e;
	}
	if (rep)
		vp_strv_push(&rep->ran, shown);
	if (res.status != 0) {
		*ret_fail = vp_strdup_printf("command '%s' exited %d", shown, res.status);
		if (rep && !rep->failed_output)
			rep->failed_output = TAKE_PTR(res.output);
		vp_exec_result_done(&res);
		return -ECANCELED;
	}
	vp_exec_result_done(&res);
	return 0;
}

/* Ends what is left of a command group a killed run recorded; clears the record. */
static void reap_recorded(struct vp_root *root, struct vp_txn *t, struct vp_txn_report *rep)
{
	if (t->run_pid <= 0)
		return;
	int n = vp_exec_reap((pid_t)t->run_pid, t->run_start, t->run_boot, 30000);
	if (n > 0)
		rep->reaped += n;
	if (n == -ETIMEDOUT)
		vp_strv_push_take(&rep->rollback_errors,
				  vp_strdup_printf("process group %lld of an earlier run does not end", t->run_pid));
	t->run_pid = 0;
	txn_save(root, t);
}

/* Files back (reverse order), then the inverse commands (reverse order), then rebuilds once each. */
static int roll_back(struct vp_root *root, struct vp_txn *t, struct vp_txn_report *rep, bool all_files)
{
	int ret = 0;
	for (size_t i = t->n_changes; i-- > 0;) {
		struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_FILE || (!all_files && !c->started))
			continue;
		if (restore_file(root, c, &rep->rollback_errors) < 0)
			ret = -ENOTRECOVERABLE;
	}
	char **rerun_done = NULL;
	for (size_t i = t->n_changes; i-- > 0;) {
		struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_COMMAND || !c->started || !c->undo_argv)
			continue;
		_cleanup_free_ char *fail = NULL, *what = vp_strdup_printf("revert: %s", c->why ? c->why : "");
		if (run_cmd(root, t, what, c->undo_argv, rep, &fail) < 0) {
			vp_strv_push_take(&rep->rollback_errors, TAKE_PTR(fail));
			ret = -ENOTRECOVERABLE;
		}
	}
	/* Rebuilds: once each, in plan order, when any earlier step was started. */
	bool any = false;
	for (size_t i = 0; i < t->n_changes; i++)
		any = any || t->changes[i].started;
	for (size_t i = 0; any && i < t->n_changes; i++) {
		struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_COMMAND || !(c->flags & VP_CMD_RERUN_ON_UNDO) || !c->started)
			continue;
		_cleanup_free_ char *shown = vp_argv_format(c->argv);
		if (vp_strv_contains(rerun_done, shown))
			continue;
		vp_strv_push(&rerun_done, shown);
		_cleanup_free_ char *fail = NULL;
		if (run_cmd(root, t, c->why, c->argv, rep, &fail) < 0) {
			vp_strv_push_take(&rep->rollback_errors, TAKE_PTR(fail));
			ret = -ENOTRECOVERABLE;
		}
	}
	vp_strv_free(rerun_done);
	return ret;
}

static int rollback_txn(struct vp_root *root, struct vp_txn *t, struct vp_txn_report *rep)
{
	set_state(root, t, "rolling-back");
	/* After a crash the per-file progress may lag one rename behind: judge every file by content. */
	int e = roll_back(root, t, rep, true);
	set_state(root, t, e < 0 ? "rollback-failed" : "rolled-back");
	return e;
}

/* Undo proper (state "undoing"): every file and command counts as started. */
static int undo_txn(struct vp_root *root, struct vp_txn *t, struct vp_txn_report *rep)
{
	int e = set_state(root, t, "undoing");
	if (e < 0)
		return e;
	for (size_t i = 0; i < t->n_changes; i++)
		t->changes[i].started = t->changes[i].started || t->changes[i].done;
	e = roll_back(root, t, rep, true);
	set_state(root, t, e < 0 ? "undo-failed" : "undone");
	return e;
}

int vp_txn_recover(struct vp_root *root, time_t now, struct vp_txn_report *rep)
{
	(void)now;
	_cleanup_strv_free_ char **ids = NULL;
	int e = list_ids(root, &ids);
	if (e < 0)
		return e == -ENOENT ? 0 : e;
	int n = 0, ret = 0;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
		if (txn_read(root, ids[i], &t) < 0)
			continue;
		/* a killed run may have left a command running: nothing is judged while it can still write */
		reap_recorded(root, t, rep);
		if (!vp_txn_state_unfinished(t->state))
			continue;
		if (streq(t->state, "undoing")) {
			if (undo_txn(root, t, rep) < 0)
				ret = -ENOTRECOVERABLE;
			vp_strv_push(&rep->finished_undo, t->id);
		} else {
			/* commands that were never started need no inverse; started ones may have run */
			if (rollback_txn(root, t, rep) < 0)
				ret = -ENOTRECOVERABLE;
			vp_strv_push(&rep->recovered, t->id);
		}
		n++;
	}
	return ret < 0 ? ret : n;
}

/* Removes a journal that could not be written completely (nothing was touched yet). */
static void remove_journal(struct vp_root *root, const char *dir, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			_cleanup_free_ char *rel = vp_strdup_printf("%s/%s/%zu", dir, k ? "new" : "orig", i);
			if (rel) {
				remove_temps(root, rel);
				vp_root_unlink(root, rel);
			}
		}
	static const char *const extra[] = { "undo.sh", "log" };
	for (size_t k = 0; k < ARRAY_SIZE(extra); k++) {
		_cleanup_free_ char *x = vp_strdup_printf("%s/%s", dir, extra[k]);
		if (x) {
			remove_temps(root, x);
			vp_root_unlink(root, x);
		}
	}
	_cleanup_free_ char *m = vp_strdup_printf("%s/manifest.json", dir);
	if (m) {
		remove_temps(root, m);
		vp_root_unlink(root, m);
	}
	_cleanup_free_ char *o = vp_strdup_printf("%s/orig", dir), *nw = vp_strdup_printf("%s/new", dir);
	if (o)
		rmdir_in_root(root, o);
	if (nw)
		rmdir_in_root(root, nw);
	rmdir_in_root(root, dir);
}

static int stale_check(struct vp_root *root, const struct vp_change *c, bool against_new, char **ret_path)
{
	_cleanup_free_ char *cur = NULL;
	size_t len = 0;
	mode_t mode = 0;
	int st = read_current(root, c->path, &cur, &len, &mode);
	if (st < 0 && st != -ELOOP)
		return st;
	const char *want = against_new ? c->new : c->old;
	size_t want_len = against_new ? c->new_len : c->old_len;
	bool ok = st == -ELOOP ? false : st == 0 ? !want : (want && same(cur, len, want, want_len));
	if (!ok) {
		*ret_path = vp_strdup_printf("/%s", c->path);
		return -ESTALE;
	}
	return 0;
}

int vp_changeset_apply(struct vp_changeset *cs, const struct vp_apply_opts *o, struct vp_txn_report *rep)
{
	struct vp_root *root = cs->root;
	if (cs->n == 0)
		return 0;
	/* 1. refuse when a target changed since it was read */
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->changes[i].kind != VP_CHANGE_FILE)
			continue;
		int e = stale_check(root, &cs->changes[i], false, &rep->stale_path);
		if (e < 0)
			return e;
		int r = missing_dirs(root, cs->changes[i].path, &cs->changes[i].created_dirs);
		if (r < 0)
			return r;
	}
	/* 2. the journal, completely, before anything is touched */
	_cleanup_free_ char *id = NULL;
	int e = next_id(root, &id);
	if (e < 0)
		return e;
	_cleanup_free_ char *dir = vp_strdup_printf(VP_TXN_DIR "/%s", id);
	if (!dir)
		return -ENOMEM;
	/* var and var/lib may be missing in a minimal root: create them as a system would (0755);
	 * only the journal, which holds copies of configuration files, is private. */
	if ((e = vp_root_mkdir_p(root, "var/lib/vfio-pilot", 0755)) < 0 || (e = vp_root_mkdir_p(root, dir, 0700)) < 0)
		return e;
	for (size_t i = 0; i < cs->n; i++) {
		struct vp_change *c = &cs->changes[i];
		if (c->kind != VP_CHANGE_FILE)
			continue;
		char rel[128];
		if (e < 0)
			break;
		if (c->old) {
			/* the copy keeps the original's mode and owner: undo.sh restores it with cp -p */
			snprintf(rel, sizeof(rel), "%s/orig/%zu", dir, i);
			_cleanup_free_ char *od = vp_strdup_printf("%s/orig", dir);
			if ((e = vp_root_mkdir_p(root, od, 0700)) < 0 ||
			    (e = write_file_attrs(root, rel, c->old, c->old_len, c->old_mode, c->old_uid, c->old_gid, NULL)) < 0)
				break;
		}
		if (c->new) {
			snprintf(rel, sizeof(rel), "%s/new/%zu", dir, i);
			_cleanup_free_ char *nd = vp_strdup_printf("%s/new", dir);
			if ((e = vp_root_mkdir_p(root, nd, 0700)) < 0 || (e = write_file(root, rel, c->new, c->new_len, 0600)) < 0)
				break;
		}
	}
	struct vp_txn t = { .id = id, .state = strdup("prepared"), .created = (long long)o->now, .meta = cs->meta,
			    .changes = cs->changes, .n_changes = cs->n };
	if (e >= 0) { /* the way back without vfio-pilot (undosh.h) */
		_cleanup_free_ char *sh = vp_undo_sh_build(&t);
		_cleanup_free_ char *rel = vp_strdup_printf("%s/undo.sh", dir);
		e = !sh || !rel ? -ENOMEM : write_file(root, rel, sh, strlen(sh), 0700);
	}
	if (e < 0) {
		free(t.state);
		remove_journal(root, dir, cs->n);
		return e;
	}
	if (!t.state)
		return -ENOMEM;
	rep->id = strdup(id);
	int step = 0;
#define CRASH_POINT()                                                  \
	do {                                                           \
		if (o->crash_after >= 0 && step++ >= o->crash_after) { \
			free(t.state);                                 \
			free(t.run_boot);                              \
			return -EINTR;                                 \
		}                                                      \
	} while (0)
	if ((e = txn_save(root, &t)) < 0) {
		remove_journal(root, dir, cs->n);
		goto out_state;
	}
	CRASH_POINT();
	if ((e = set_state(root, &t, "applying")) < 0)
		goto out_state;

	/* 3. files, each atomically; 4. commands */
	for (size_t i = 0; i < cs->n; i++) {
		struct vp_change *c = &cs->changes[i];
		if (c->kind != VP_CHANGE_FILE)
			continue;
		c->started = true;
		if ((e = txn_save(root, &t)) < 0)
			goto fail;
		if ((e = do_file(root, c)) < 0) {
			rep->failed_step = vp_strdup_printf("writing /%s failed: %s", c->path, strerror(-e));
			goto fail;
		}
		c->done = true;
		CRASH_POINT();
	}
	for (size_t i = 0; i < cs->n; i++) {
		struct vp_change *c = &cs->changes[i];
		if (c->kind != VP_CHANGE_COMMAND)
			continue;
		c->started = true;
		if ((e = txn_save(root, &t)) < 0)
			goto fail;
		CRASH_POINT();
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		e = run_cmd(root, &t, c->why, c->argv, rep, &rep->failed_step);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* meta "command_wall_s": each command's wall time in whole seconds, in order (history reports the
		 * rebuild step's) */
		json_object *walls = NULL;
		if (!json_object_object_get_ex(t.meta, "command_wall_s", &walls)) {
			walls = json_object_new_array();
			json_object_object_add(t.meta, "command_wall_s", walls);
		}
		long long ms = (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		json_object_array_add(walls, json_object_new_int64(ms / 1000));
		if (e < 0)
			goto fail;
		c->done = true;
	}
	e = set_state(root, &t, "applied");
	free(t.state);
	free(t.run_boot);
	return e;
#undef CRASH_POINT
fail:
	if (!rep->failed_step)
		rep->failed_step = vp_strdup_printf("updating the journal failed: %s", strerror(-e));
	{
		int r = rollback_txn(root, &t, rep);
		free(t.state);
		free(t.run_boot);
		return r < 0 ? -ENOTRECOVERABLE : -ECANCELED;
	}
out_state:
	free(t.state);
	free(t.run_boot);
	return e;
}

static bool undoable_state(const char *s)
{
	return streq(s, "applied") || streq(s, "undo-failed") || streq(s, "rollback-failed") || streq(s, "undoing") ||
	       streq(s, "rolling-back");
}

/* The newest transaction undo works on without an id: applied, or left half-way by a failure or a kill. */
static int last_undoable(struct vp_root *root, struct vp_txn **ret)
{
	return last_in_state(root, undoable_state, ret);
}

int vp_txn_undo(struct vp_root *root, const char *id, time_t now, struct vp_txn_report *rep)
{
	(void)now;
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	int e = id ? txn_read(root, id, &t) : last_undoable(root, &t);
	if (e < 0)
		return e;
	rep->id = strdup(t->id);
	if (!undoable_state(t->state))
		return -EALREADY;
	/* stack discipline: a newer applied transaction must be undone first */
	_cleanup_(vp_txn_freep) struct vp_txn *last = NULL;
	if (vp_txn_last_applied(root, &last) == 0 && strcmp(last->id, t->id) > 0) {
		rep->failed_step = strdup(last->id);
		return -EBUSY;
	}
	reap_recorded(root, t, rep);
	for (size_t i = 0; i < t->n_changes; i++) {
		struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_FILE)
			continue;
		/* a file we wrote must still hold what we wrote (or, after a failed undo, the original) */
		if (stale_check(root, c, true, &rep->stale_path) < 0) {
			free(rep->stale_path);
			rep->stale_path = NULL;
			if ((e = stale_check(root, c, false, &rep->stale_path)) < 0)
				return -ESTALE;
		}
	}
	bool was_rollback = streq(t->state, "rollback-failed") || streq(t->state, "rolling-back");
	e = was_rollback ? rollback_txn(root, t, rep) : undo_txn(root, t, rep);
	if (e < 0 && rep->rollback_errors && rep->rollback_errors[0]) {
		free(rep->failed_step);
		rep->failed_step = strdup(rep->rollback_errors[0]);
	}
	return e < 0 ? -ECANCELED : 0;
}
