/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for util.c: strict parsers, addresses, string vectors. */
#include "testutil.h"

#include <string.h>

#include "util.h"

static void test_parse_hex(void **state)
{
	uint64_t v;
	assert_int_equal(vp_parse_hex("0x10de\n", 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(vp_parse_hex("10DE", 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(vp_parse_hex("0x", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_hex("", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_hex("0x10dg", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_hex("0x10de\nxx", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_hex("0x10000", 0xffff, &v), -ERANGE);
	assert_int_equal(vp_parse_hex("0xffffffffffffffffff", UINT64_MAX, &v), -ERANGE);
}

static void test_parse_uint(void **state)
{
	uint64_t v;
	assert_int_equal(vp_parse_uint("64\n", 0xffff, &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(vp_parse_uint("-1", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_uint("1 2", 0xffff, &v), -EINVAL);
	assert_int_equal(vp_parse_uint("65536", 0xffff, &v), -ERANGE);
}

static void test_formatting(void **state)
{
	char h[16], n[24];
	assert_string_equal(vp_hex(h, 0x10de, 4), "10de");
	assert_string_equal(vp_hex(h, 0xa1, 2), "a1");
	assert_string_equal(vp_hex(h, 0x12345, 4), "2345"); /* the low digits */
	assert_string_equal(vp_fmt_int(n, 0), "0");
	assert_string_equal(vp_fmt_int(n, 3211), "3211");
	assert_string_equal(vp_fmt_int(n, -42), "-42");
	assert_string_equal(vp_fmt_int(n, INT64_MIN), "-9223372036854775808");
	assert_string_equal(vp_fmt_int(n, INT64_MAX), "9223372036854775807");
	unsigned f[4];
	vp_pci_addr_fields("10000:3e:1f.7" + 1, f);
	assert_int_equal(f[0], 0);
	assert_int_equal(f[1], 0x3e);
	assert_int_equal(f[2], 0x1f);
	assert_int_equal(f[3], 7);
	vp_pci_addr_fields("abcd:00:00.0", f);
	assert_int_equal(f[0], 0xabcd);
}

static void test_pci_addr(void **state)
{
	char a[VP_PCI_ADDR_LEN];
	assert_int_equal(vp_pci_addr_parse("0000:01:00.0", a), 0);
	assert_string_equal(a, "0000:01:00.0");
	assert_int_equal(vp_pci_addr_parse("01:00.1", a), 0);
	assert_string_equal(a, "0000:01:00.1");
	assert_int_equal(vp_pci_addr_parse("0000:0A:1f.7", a), 0);
	assert_string_equal(a, "0000:0a:1f.7");
	assert_int_equal(vp_pci_addr_parse("10000:01:00.0", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("0000:01:20.0", a), -EINVAL); /* slot > 0x1f */
	assert_int_equal(vp_pci_addr_parse("0000:01:00.8", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("01:00", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("1:00.0", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("0000:01:00.0x", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("10de:2204", a), -EINVAL);
	assert_int_equal(vp_pci_addr_parse("", a), -EINVAL);
}

static void test_pci_id(void **state)
{
	uint16_t v, d;
	assert_int_equal(vp_pci_id_parse("10de:2204", &v, &d), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(d, 0x2204);
	assert_int_equal(vp_pci_id_parse("10de:220", &v, &d), -EINVAL);
	assert_int_equal(vp_pci_id_parse("0x10de:2204", &v, &d), -EINVAL);
	assert_int_equal(vp_pci_id_parse("01:00.0", &v, &d), -EINVAL);
}

static void test_strv(void **state)
{
	char **v = NULL;
	assert_int_equal(vp_strv_split("  a b\tc  ", " \t", &v), 0);
	assert_int_equal(vp_strv_len(v), 3);
	assert_true(vp_strv_contains(v, "b"));
	char *j = vp_strv_join(v, ",");
	assert_string_equal(j, "a,b,c");
	free(j);
	vp_strv_free(v);
	assert_int_equal(vp_strv_split("", " ", &v), 0);
	assert_int_equal(vp_strv_len(v), 0);
	vp_strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_hex), cmocka_unit_test(test_parse_uint), cmocka_unit_test(test_pci_addr),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_pci_id), cmocka_unit_test(test_strv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
