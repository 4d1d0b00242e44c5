/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renderer's terminal manners: escapes, valid UTF-8 JSON, width, ellipsis, wrapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/lib/output.h"

static char *render(struct vp_doc *d, enum vp_format fmt, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(vp_doc_render(d, f, fmt, color), 0);
	fclose(f);
	return buf;
}

static void test_sanitize(void **state)
{
	(void)state;
	char *s = vp_text_sanitize("ok \x1b[31mred\x07 \xc2\x9b \xff\xfe caf\xc3\xa9", false);
	assert_string_equal(s, "ok \\x1b[31mred\\x07 \\xc2\\x9b \\xff\\xfe caf\xc3\xa9");
	free(s);
	s = vp_text_sanitize("a\n\tb\r", true);
	assert_string_equal(s, "a\n\tb\\x0d");
	free(s);
	s = vp_text_sanitize("a\nb", false);
	assert_string_equal(s, "a\\x0ab");
	free(s);
	assert_int_equal(vp_text_width("caf\xc3\xa9"), 4);
}

static const struct vp_col cols[] = {
	{ "name", NULL, VP_COL_SHRINK },
	{ "driver", NULL, 0 },
};

static struct vp_doc *sample(void)
{
	struct vp_doc *d = vp_doc_new();
	struct vp_table *t = vp_doc_table(d, "devs", NULL, cols, 2, VP_STYLE_TABLE);
	json_object *r = vp_table_row(t);
	vp_row_str(r, "name", "Evil \x1b]0;title\x07 Corporation with a long name that goes on [dead:beef]");
	vp_row_str(r, "driver", "drv\xff");
	r = vp_table_row(t);
	vp_row_str(r, "name", "\xe2\x82\xac\xc0\xaf\xed\xa0\x80 short [1234:5678]");
	vp_row_str(r, "driver", "vfio-pci");
	return d;
}

static void test_text_no_controls(void **state)
{
	(void)state;
	struct vp_doc *d = sample();
	char *out = render(d, VP_FORMAT_TEXT, false);
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	assert_non_null(strstr(out, "Evil \\x1b]0;title\\x07 Corporation"));
	assert_non_null(strstr(out, "drv\\xff"));
	assert_non_null(strstr(out, "\xe2\x82\xac\\xc0\\xaf\\xed\\xa0\\x80 short"));
	free(out);
	vp_doc_free(d);
}

/* Every byte sequence of the JSON output is valid UTF-8 and has no raw control character. */
static void assert_utf8_json(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			assert_true(*p >= 0x20 || *p == '\n');
			p++;
			continue;
		}
		size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		assert_true(*p >= 0xc2 && *p <= 0xf4);
		for (size_t i = 1; i < n; i++)
			assert_int_equal(p[i] & 0xc0, 0x80);
		p += n;
	}
}

static void test_json_utf8(void **state)
{
	(void)state;
	struct vp_doc *d = sample();
	char *out = render(d, VP_FORMAT_JSON, false);
	assert_utf8_json(out);
	assert_non_null(strstr(out, "\"drv\\ufffd\""));
	assert_non_null(strstr(out, "\\u001b]0;title\\u0007"));
	assert_non_null(strstr(out, "\"\xe2\x82\xac\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd short [1234:5678]\""));
	json_object *o = json_tokener_parse(out);
	assert_non_null(o);
	json_object_put(o);
	free(out);
	vp_doc_free(d);
}

static void test_width(void **state)
{
	(void)state;
	struct vp_doc *d = sample();
	vp_doc_set_width(d, 40);
	char *out = render(d, VP_FORMAT_TEXT, false);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(vp_text_width(line) <= 40);
	vp_doc_free(d);
	free(out);
	d = sample();
	out = render(d, VP_FORMAT_TEXT, false); /* no width: whole */
	assert_non_null(strstr(out, "that goes on [dead:beef]"));
	free(out);
	vp_doc_set_width(d, 40);
	out = render(d, VP_FORMAT_TEXT, false);
	assert_non_null(strstr(out, "... [dead:beef]")); /* the id survives the ellipsis */
	assert_non_null(strstr(out, "drv\\xff"));
	free(out);
	vp_doc_free(d);
}

static void test_checklist_wraps(void **state)
{
	(void)state;
	static const struct vp_col ccols[] = { { "id", NULL, 0 }, { "level", NULL, 0 }, { "summary", NULL, 0 }, { "fix", NULL, 0 } };
	struct vp_doc *d = vp_doc_new();
	struct vp_table *t = vp_doc_table(d, "checks", NULL, ccols, 4, VP_STYLE_CHECKLIST);
	json_object *r = vp_table_row(t);
	vp_row_str(r, "id", "a.check");
	vp_row_str(r, "level", "warn");
	vp_row_str(r, "summary", "one two three four five six seven eight nine ten eleven twelve thirteen");
	vp_row_str(r, "fix", "run sudo something --with-a-very-long-option-that-cannot-be-broken-at-a-space-at-all");
	vp_doc_set_width(d, 50);
	char *out = render(d, VP_FORMAT_TEXT, true);
	if (getenv("VP_SHOW"))
		fputs(out, stdout);
	assert_non_null(strstr(out, "\033[33m[WARN]\033[0m a.check  one two three four five six seven\n"
				    "                eight nine ten eleven twelve\n"));
	size_t lines = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		char *plain = line;
		if (!strncmp(plain, "\033[33m", 5))
			plain += 5 + 6 + 4; /* colour, [WARN], reset */
		assert_true(vp_text_width(plain) <= 50);
	}
	assert_true(lines >= 5);
	free(out);
	vp_doc_free(d);
}

static void test_wrap_column(void **state)
{
	(void)state;
	static const struct vp_col wcols[] = { { "step", NULL, 0 }, { "detail", NULL, VP_COL_WRAP } };
	struct vp_doc *d = vp_doc_new();
	struct vp_table *t = vp_doc_table(d, "steps", NULL, wcols, 2, VP_STYLE_TABLE);
	json_object *r = vp_table_row(t);
	vp_row_str(r, "step", "unbind");
	vp_row_str(r, "detail", "echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind");
	r = vp_table_row(t);
	vp_row_str(r, "step", "probe");
	vp_row_str(r, "detail", "done");
	vp_doc_set_width(d, 32);
	char *out = render(d, VP_FORMAT_TEXT, false);
	assert_string_equal(out, "STEP    DETAIL\n"
				 "unbind  echo 0000:01:00.0 >\n"
				 "        /sys/bus/pci/devices/000\n"
				 "        0:01:00.0/driver/unbind\n"
				 "probe   done\n");
	free(out);
	vp_doc_free(d);
}

static void test_diff_colour(void **state)
{
	(void)state;
	struct vp_doc *d = vp_doc_new();
	vp_doc_text(d, "1. modify /etc/x\n--- a/etc/x\n+++ b/etc/x\n@@ -1 +1 @@\n-old\n+new\n ctx\nAfter:\n- item");
	char *out = render(d, VP_FORMAT_TEXT, true);
	assert_non_null(strstr(out, "\033[31m-old\033[0m\n\033[32m+new\033[0m\n ctx\nAfter:\n- item\n"));
	free(out);
	out = render(d, VP_FORMAT_TEXT, false);
	assert_null(strchr(out, '\033'));
	free(out);
	vp_doc_free(d);
}

/* A record with declared fields: one object gives the JSON (text-only fields left out) and the
 * numbered, capitalised, wrapped text steps (JSON-only fields left out). */
static const struct vp_col steps_cols[] = {
	{ "kind", NULL, VP_COL_JSON_ONLY },
	{ "entry", "Entry", VP_COL_TEXT_ONLY },
	{ "first", "", VP_COL_STEP | VP_COL_SENTENCE },
	{ "more", "Or", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_SENTENCE },
	{ "aside", "", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_PARENS | VP_COL_SENTENCE },
	{ "skipped", "", VP_COL_STEP },
	{ "second", "Then", VP_COL_STEP | VP_COL_SENTENCE },
	{ "last", "", VP_COL_SENTENCE },
};

static struct vp_doc *steps_doc(unsigned width)
{
	struct vp_doc *d = vp_doc_new();
	vp_doc_set_width(d, width);
	json_object *o = vp_doc_record_cols(d, "rec", "Title:", steps_cols, sizeof(steps_cols) / sizeof(steps_cols[0]));
	vp_row_str(o, "kind", "k");
	vp_row_str(o, "entry", "none");
	vp_row_str(o, "first", "show the menu while the machine starts");
	vp_row_str(o, "more", "edit the line and run `sudo some command --with args` at once");
	vp_row_str(o, "aside", "A note about it");
	vp_row_str(o, "skipped", NULL);
	vp_row_str(o, "second", "`undo`, then reboot");
	vp_row_str(o, "last", "no menu? boot a live USB.");
	return d;
}

static void test_record_cols(void **state)
{
	(void)state;
	struct vp_doc *d = steps_doc(0);
	char *t = render(d, VP_FORMAT_TEXT, false);
	assert_string_equal(t, "Title:\n"
			       "  Entry: none\n"
			       "  1. Show the menu while the machine starts.\n"
			       "     Or: edit the line and run `sudo some command --with args` at once.\n"
			       "     (A note about it.)\n"
			       "  2. Then: `undo`, then reboot.\n"
			       "  No menu? boot a live USB.\n");
	free(t);
	char *j = render(d, VP_FORMAT_JSON, false);
	assert_string_equal(j, "{\n  \"rec\": {\n    \"kind\": \"k\",\n    \"first\": \"show the menu while the machine starts\",\n"
			       "    \"skipped\": null,\n    \"second\": \"`undo`, then reboot\",\n"
			       "    \"last\": \"no menu? boot a live USB.\"\n  }\n}\n");
	free(j);
	vp_doc_free(d);
	/* at 40 columns: steps hang under their text, a `command` is not broken */
	d = steps_doc(40);
	t = render(d, VP_FORMAT_TEXT, false);
	assert_string_equal(t, "Title:\n"
			       "  Entry: none\n"
			       "  1. Show the menu while the machine\n"
			       "     starts.\n"
			       "     Or: edit the line and run\n"
			       "       `sudo some command --with args`\n"
			       "       at once.\n"
			       "     (A note about it.)\n"
			       "  2. Then: `undo`, then reboot.\n"
			       "  No menu? boot a live USB.\n");
	free(t);
	vp_doc_free(d);
}

/* Lists, notes, words and steps; text order apart from JSON order. */
static const struct vp_col change_cols[] = {
	{ "step", NULL, VP_COL_TEXT_ONLY },
	{ "diff", NULL, VP_COL_VERBATIM },
	{ "why", NULL, VP_COL_PARENS },
};

static void test_lists_and_order(void **state)
{
	(void)state;
	struct vp_doc *d = vp_doc_new();
	vp_doc_set_width(d, 30);
	char *items[] = { "a note long enough to wrap at thirty columns", "two\n    kept as it is, however long the line", NULL };
	char *words[] = { "alpha=1", "beta=2", "gamma=3", "delta=4", NULL };
	vp_doc_para(d, 2, "Plan for a host with a long enough heading");
	vp_doc_words(d, "args", "Arguments", words);
	size_t mark = vp_doc_mark(d);
	vp_doc_text_at(d, "args", mark);
	struct vp_table *t = vp_doc_table(d, "changes", NULL, change_cols, 3, VP_STYLE_STEPS);
	json_object *r = vp_table_row(t);
	vp_row_str(r, "step", "modify /etc/x");
	vp_row_str(r, "diff", "--- a\n+++ b\n+a line that is much longer than thirty columns\n");
	r = vp_table_row(t);
	vp_row_str(r, "step", "run: tool");
	vp_row_str(r, "why", "rebuild it; undo: none at all");
	vp_doc_list(d, "notes", "Notes", items);
	vp_doc_list(d, "empty", "Empty", NULL);
	vp_doc_notes(d, "remarks", items);
	vp_doc_text_at(d, "remarks", mark);
	char *s = render(d, VP_FORMAT_TEXT, false);
	assert_string_equal(s, "Plan for a host with a long\n"
			       "  enough heading\n\n"
			       "Arguments: alpha=1 beta=2\n"
			       "  gamma=3 delta=4\n\n"
			       "note: a note long enough to\n"
			       "      wrap at thirty columns\n"
			       "note: two\n"
			       "    kept as it is, however long the line\n\n"
			       "1. modify /etc/x\n"
			       "--- a\n+++ b\n+a line that is much longer than thirty columns\n\n"
			       "2. run: tool\n"
			       "   (rebuild it; undo: none at\n"
			       "    all)\n\n"
			       "Notes:\n"
			       "  - a note long enough to wrap\n"
			       "    at thirty columns\n"
			       "  - two\n"
			       "    kept as it is, however long the line\n");
	free(s);
	s = render(d, VP_FORMAT_JSON, false);
	/* JSON in the order the sections were added; the text-only step left out */
	const char *a = strstr(s, "\"args\""), *c = strstr(s, "\"changes\""), *n = strstr(s, "\"notes\""),
		   *e = strstr(s, "\"empty\": [\n  ]"), *m = strstr(s, "\"remarks\"");
	assert_true(a && c && n && e && m && a < c && c < n && n < e && e < m);
	assert_null(strstr(s, "\"step\""));
	assert_non_null(strstr(s, "\"why\": \"rebuild it; undo: none at all\""));
	free(s);
	vp_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_text_no_controls),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_checklist_wraps),
		cmocka_unit_test(test_wrap_column),
		cmocka_unit_test(test_diff_colour),
		cmocka_unit_test(test_record_cols),
		cmocka_unit_test(test_lists_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
