/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Journal reader (see journal.h). Uses root (paths); hands each message to
 * the caller's function (diagnose-sources.c feeds them to diagnose). Boots are found the way journalctl --list-boots orders them:
 * each distinct _BOOT_ID, sorted by the time of its first entry.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "journal.h"
#include "util.h"

static void journal_closep(sd_journal **j)
{
	if (*j)
		sd_journal_close(*j);
}

struct boot {
	char id[33];
	uint64_t first;
};

static int boot_cmp(const void *a, const void *b)
{
	const struct boot *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The boot id selected by `boot`, as 32 hex digits. */
static int pick_boot(sd_journal *j, bool live, int boot, char ret[33])
{
	if (live && boot == 0) {
		sd_id128_t id;
		int e = sd_id128_get_boot(&id);
		if (e < 0)
			return e;
		sd_id128_to_string(id, ret);
		return 0;
	}
	int e = sd_journal_query_unique(j, "_BOOT_ID");
	if (e < 0)
		return e;
	struct boot *boots = NULL;
	size_t n = 0;
	const void *data;
	size_t len;
	SD_JOURNAL_FOREACH_UNIQUE(j, data, len) {
		if (len != 9 + 32 || memcmp(data, "_BOOT_ID=", 9) != 0)
			continue;
		struct boot *nb = realloc(boots, (n + 1) * sizeof(*boots));
		if (!nb) {
			free(boots);
			return -ENOMEM;
		}
		boots = nb;
		memcpy(boots[n].id, (const char *)data + 9, 32);
		boots[n].id[32] = '\0';
		boots[n].first = 0;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		char m[9 + 33];
		snprintf(m, sizeof(m), "_BOOT_ID=%s", boots[i].id);
		sd_journal_flush_matches(j);
		if (sd_journal_add_match(j, m, 0) >= 0 && sd_journal_seek_head(j) >= 0 && sd_journal_next(j) > 0)
			sd_journal_get_realtime_usec(j, &boots[i].first);
	}
	sd_journal_flush_matches(j);
	if (n > 1)
		qsort(boots, n, sizeof(*boots), boot_cmp);
	long idx = boot > 0 ? boot - 1 : (long)n - 1 + boot;
	if (n == 0 || idx < 0 || idx >= (long)n) {
		free(boots);
		return n == 0 ? -ENOENT : -ENXIO;
	}
	memcpy(ret, boots[idx].id, 33);
	free(boots);
	return 0;
}

/* The journal files under rel (and its machine-id directories) that sd-journal cannot open: truncated or
 * corrupt files, which it skips without a word. Counts all journal files in *n_files. */
static void bad_files(struct vp_root *root, const char *rel, int depth, size_t *n_files, struct vp_buf *bad)
{
	_cleanup_strv_free_ char **names = NULL;
	if (vp_root_list(root, rel, &names) < 0)
		return;
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_free_ char *sub = vp_strdup_printf("%s/%s", rel, names[i]);
		struct stat st;
		if (!sub || vp_root_stat(root, sub, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth == 0)
				bad_files(root, sub, 1, n_files, bad);
			continue;
		}
		size_t l = strlen(names[i]);
		if (!S_ISREG(st.st_mode) || !((l > 8 && streq(names[i] + l - 8, ".journal")) ||
					      (l > 9 && streq(names[i] + l - 9, ".journal~"))))
			continue;
		(*n_files)++;
		_cleanup_free_ char *path = vp_root_host_path(root, sub);
		if (!path)
			continue;
		const char *paths[] = { path, NULL };
		sd_journal *j = NULL;
		int e = sd_journal_open_files(&j, paths, 0);
		if (e >= 0) {
			sd_journal_close(j);
			continue;
		}
		if (e == -ENODATA)
			vp_buf_printf(bad, "%s/%s: truncated", bad->len ? "; " : "", sub);
		else
			vp_buf_printf(bad, "%s/%s: corrupt (%s)", bad->len ? "; " : "", sub, strerror(-e));
	}
}

int vp_journal_read(struct vp_root *root, int boot, vp_journal_fn fn, void *ud, unsigned long *ret_entries,
		    char **ret_note)
{
	_cleanup_(journal_closep) sd_journal *j = NULL;
	bool live = vp_root_is_live(root);
	int e;
	*ret_entries = 0;
	if (ret_note)
		*ret_note = NULL;
	/* sd-journal skips journal files it cannot open: find them first, so that a journal made only of such files
	 * is reported as unreadable (with the paths), not as missing or empty. */
	size_t n_files = 0;
	struct vp_buf bad = { 0 };
	bad_files(root, "var/log/journal", 0, &n_files, &bad);
	if (live)
		bad_files(root, "run/log/journal", 0, &n_files, &bad);
	_cleanup_free_ char *bad_note = bad.len ? vp_buf_steal(&bad) : NULL;
	vp_buf_free(&bad);
	if (live) {
		e = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	} else {
		if (vp_root_exists(root, "var/log/journal") <= 0)
			return -ENOENT;
		_cleanup_free_ char *path = vp_root_host_path(root, "var/log/journal");
		if (!path)
			return -ENOMEM;
		e = sd_journal_open_directory(&j, path, 0);
	}
	if (e < 0)
		return e;
	char id[33];
	e = pick_boot(j, live, boot, id);
	if (e == -ENOENT && bad_note) {
		/* no boot at all, and files it skipped: the journal is there but unreadable */
		if (ret_note) {
			*ret_note = bad_note;
			bad_note = NULL;
		}
		return -EBADMSG;
	}
	if (e < 0)
		return e;
	char m[9 + 33];
	snprintf(m, sizeof(m), "_BOOT_ID=%s", id);
	/* (boot AND kernel) OR (boot AND (libvirtd OR virtqemud)) */
	if ((e = sd_journal_add_match(j, m, 0)) < 0 || (e = sd_journal_add_match(j, "_TRANSPORT=kernel", 0)) < 0 ||
	    (e = sd_journal_add_disjunction(j)) < 0 || (e = sd_journal_add_match(j, m, 0)) < 0 ||
	    (e = sd_journal_add_match(j, "_SYSTEMD_UNIT=libvirtd.service", 0)) < 0 ||
	    (e = sd_journal_add_match(j, "_SYSTEMD_UNIT=virtqemud.service", 0)) < 0)
		return e;
	sd_journal_set_data_threshold(j, 64 * 1024);
	unsigned long n = 0;
	SD_JOURNAL_FOREACH(j) {
		const void *msg, *ident = NULL;
		size_t ml, il = 0;
		if (sd_journal_get_data(j, "MESSAGE", &msg, &ml) < 0 || ml < 8)
			continue;
		if (sd_journal_get_data(j, "SYSLOG_IDENTIFIER", &ident, &il) < 0 || il < 18)
			ident = NULL;
		char idbuf[64] = "";
		if (ident)
			snprintf(idbuf, sizeof(idbuf), "%.*s", (int)(il - 18), (const char *)ident + 18);
		n++;
		e = fn(ud, n, ident ? idbuf : NULL, (const char *)msg + 8, ml - 8);
		if (e < 0)
			return e;
	}
	*ret_entries = n;
	if (ret_note)
		*ret_note = bad_note ? vp_strdup_printf("boot %d, id %s; skipped unreadable files: %s", boot, id, bad_note)
				     : vp_strdup_printf("boot %d, id %s", boot, id);
	return 0;
}
