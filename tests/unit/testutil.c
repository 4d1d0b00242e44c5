/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char *mktree(void)
{
	char tmpl[] = "/tmp/vp-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static void run_mkhost(const char *desc_path, const char *out)
{
	char *cmd = vp_strdup_printf("python3 '%s/tests/fixtures/mkhost.py' '%s' '%s/root'", VP_SOURCE_DIR, desc_path, out);
	int rc = system(cmd);
	free(cmd);
	assert_int_equal(rc, 0);
}

char *vp_test_tree(const char *name)
{
	char *dir = mktree();
	char *desc = vp_strdup_printf("%s/tests/fixtures/hosts/%s.host", VP_SOURCE_DIR, name);
	run_mkhost(desc, dir);
	free(desc);
	char *root = vp_strdup_printf("%s/root", dir);
	free(dir);
	return root;
}

char *vp_test_tree_from_text(const char *text)
{
	char *dir = mktree();
	char *desc = vp_strdup_printf("%s/desc.host", dir);
	FILE *f = fopen(desc, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	run_mkhost(desc, dir);
	free(desc);
	char *root = vp_strdup_printf("%s/root", dir);
	free(dir);
	return root;
}

void vp_test_tree_free(char *path)
{
	if (!path)
		return;
	/* path is DIR/root: remove DIR. */
	char *dir = strdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && strcmp(slash, "/root") == 0)
		*slash = 0;
	if (strncmp(dir, "/tmp/vp-test-", 13) == 0) {
		char *cmd = vp_strdup_printf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
	free(dir);
	free(path);
}

void vp_test_write(const char *tree, const char *rel, const char *data)
{
	char *p = rel[0] == '/' && strncmp(rel, tree, strlen(tree)) == 0 ? strdup(rel) : vp_strdup_printf("%s/%s", tree, rel);
	char *cmd = vp_strdup_printf("mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
	free(p);
}

char *vp_test_read(const char *tree, const char *rel)
{
	char *p = vp_strdup_printf("%s/%s", tree, rel);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return NULL;
	struct vp_buf b = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vp_buf_append(&b, chunk, n);
	fclose(f);
	return vp_buf_steal(&b);
}
