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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
