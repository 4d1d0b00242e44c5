/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Log line parser (see logline.h). Pure string work: no I/O, no allocation,
 * no use of other modules. Every index is checked against the line length,
 * because the lines come straight from files users hand us (the fuzz
 * harness in tests/fuzz/ holds it to that).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "logline.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

/* Number of decimal digits at s[i..len). */
static size_t digits(const char *s, size_t i, size_t len)
{
	size_t n = 0;
	while (i + n < len && is_digit(s[i + n]))
		n++;
	return n;
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);
	return len >= n && memcmp(s, p, n) == 0;
}

static void set_msg(struct vp_logline *r, const char *line, size_t from, size_t len)
{
	r->msg = line + from;
	r->msg_len = from <= len ? len - from : 0;
}

/* "hh:mm:ss" at s[i]; returns the index after it or 0. */
static size_t parse_hms(const char *s, size_t i, size_t len)
{
	if (i + 8 > len)
		return 0;
	if (!is_digit(s[i]) || !is_digit(s[i + 1]) || s[i + 2] != ':' || !is_digit(s[i + 3]) || !is_digit(s[i + 4]) ||
	    s[i + 5] != ':' || !is_digit(s[i + 6]) || !is_digit(s[i + 7]))
		return 0;
	return i + 8;
}

/* Leading "[    6.495733] " of a kernel message relayed by syslog: returns the index after it, or from. */
static size_t skip_dmesg_ts(const char *s, size_t from, size_t len)
{
	if (from >= len || s[from] != '[')
		return from;
	size_t i = from + 1;
	while (i < len && s[i] == ' ')
		i++;
	size_t d = digits(s, i, len);
	if (!d || i + d >= len || s[i + d] != '.')
		return from;
	i += d + 1;
	d = digits(s, i, len);
	if (!d || i + d >= len || s[i + d] != ']')
		return from;
	i += d + 1;
	if (i < len && s[i] == ' ')
		i++;
	return i;
}

/*
 * "ident[pid]: msg" or "ident: msg" at s[i]. Fills ident and msg; returns
 * false when s[i..] has no ident terminated by ':' before any space.
 */
static bool parse_ident(struct vp_logline *r, const char *s, size_t i, size_t len)
{
	size_t j = i;
	while (j < len && s[j] != ':' && s[j] != ' ' && s[j] != '[')
		j++;
	if (j == i || j >= len)
		return false;
	size_t end = j;
	if (s[j] == '[') {
		j++;
		while (j < len && s[j] != ']' && s[j] != ' ')
			j++;
		if (j >= len || s[j] != ']')
			return false;
		j++;
	}
	if (j >= len || s[j] != ':')
		return false;
	r->ident = s + i;
	r->ident_len = end - i;
	j++;
	if (j < len && s[j] == ' ')
		j++;
	set_msg(r, s, j, len);
	return true;
}

/* After a host field: "ident: msg", kernel messages losing their own dmesg stamp. */
static void host_ident_msg(struct vp_logline *r, const char *s, size_t i, size_t len)
{
	/* host */
	size_t h = i;
	while (h < len && s[h] != ' ')
		h++;
	if (h < len && parse_ident(r, s, h + 1, len)) {
		if (r->ident_len == 6 && memcmp(r->ident, "kernel", 6) == 0) {
			size_t from = (size_t)(r->msg - s);
			set_msg(r, s, skip_dmesg_ts(s, from, len), len);
		}
		return;
	}
	/* no ident: the rest after the host is the message */
	set_msg(r, s, h < len ? h + 1 : len, len);
}

static int parse_kmsg(struct vp_logline *r, const char *s, size_t len)
{
	/* PRIO,SEQ,USEC[,FLAGS...];msg */
	size_t i = 0, d = digits(s, 0, len), prio = 0;
	for (size_t k = 0; k < d && k < 9; k++)
		prio = prio * 10 + (size_t)(s[k] - '0');
	i = d;
	if (i >= len || s[i] != ',')
		return -EBADMSG;
	i++;
	d = digits(s, i, len);
	if (!d || i + d >= len || s[i + d] != ',')
		return -EBADMSG;
	i += d + 1;
	d = digits(s, i, len);
	if (!d)
		return -EBADMSG;
	r->ts = s + i;
	r->ts_len = d;
	i += d;
	if (i >= len || (s[i] != ',' && s[i] != ';'))
		return -EBADMSG;
	const char *semi = memchr(s + i, ';', len - i);
	if (!semi)
		return -EBADMSG;
	r->format = VP_LOG_KMSG;
	r->priority = (int)(prio & 7);
	r->ident = "kernel";
	r->ident_len = 6;
	set_msg(r, s, (size_t)(semi - s) + 1, len);
	return 0;
}

static bool is_month(const char *s, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (len < 4 || s[3] != ' ')
		return false;
	for (size_t m = 0; m < 12; m++)
		if (memcmp(s, months + 3 * m, 3) == 0)
			return true;
	return false;
}

static int parse_syslog(struct vp_logline *r, const char *s, size_t len)
{
	/* "Nov 25 11:28:22 host ident[pid]: msg", the day may be space padded. */
	size_t i = 4;
	if (i < len && s[i] == ' ')
		i++;
	size_t d = digits(s, i, len);
	if (d < 1 || d > 2 || i + d >= len || s[i + d] != ' ')
		return -EBADMSG;
	i += d + 1;
	size_t e = parse_hms(s, i, len);
	if (!e)
		return -EBADMSG;
	/* RFC 3339-ish fractions some daemons add */
	if (e < len && s[e] == '.')
		e += 1 + digits(s, e + 1, len);
	if (e >= len || s[e] != ' ')
		return -EBADMSG;
	r->format = VP_LOG_SYSLOG;
	r->ts = s;
	r->ts_len = e;
	host_ident_msg(r, s, e + 1, len);
	return 0;
}

static int parse_libvirt(struct vp_logline *r, const char *s, size_t i, size_t len)
{
	/* at s[i] == ':' after the timestamp: ": PID: LEVEL : FUNC:LINE : msg" */
	r->format = VP_LOG_LIBVIRT;
	r->ident = "libvirt";
	r->ident_len = 7;
	i += 2;
	size_t d = digits(s, i, len);
	if (!d || i + d + 1 >= len || s[i + d] != ':')
		return -EBADMSG;
	i += d + 2;
	static const struct { const char *w; int prio; } levels[] = {
		{ "debug", 7 }, { "info", 6 }, { "warning", 4 }, { "error", 3 },
	};
	for (size_t k = 0; k < sizeof(levels) / sizeof(levels[0]); k++) {
		size_t n = strlen(levels[k].w);
		if (i + n <= len && memcmp(s + i, levels[k].w, n) == 0) {
			r->priority = levels[k].prio;
			i += n;
			break;
		}
	}
	while (i < len && s[i] == ' ')
		i++;
	if (i < len && s[i] == ':')
		i++;
	while (i < len && s[i] == ' ')
		i++;
	/* optional "func:line : " */
	const char *sep = len - i >= 3 ? memmem(s + i, len - i, " : ", 3) : NULL;
	if (sep) {
		size_t f = i;
		while (f < (size_t)(sep - s) && s[f] != ' ')
			f++;
		if (f == (size_t)(sep - s))
			i = (size_t)(sep - s) + 3;
	}
	set_msg(r, s, i, len);
	return 0;
}

static int parse_iso(struct vp_logline *r, const char *s, size_t len)
{
	/* YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|+hhmm|+hh:mm] */
	if (len < 19 || s[4] != '-' || !is_digit(s[5]) || !is_digit(s[6]) || s[7] != '-' || !is_digit(s[8]) ||
	    !is_digit(s[9]) || (s[10] != 'T' && s[10] != ' '))
		return -EBADMSG;
	size_t i = parse_hms(s, 11, len);
	if (!i)
		return -EBADMSG;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		size_t d = digits(s, i + 1, len);
		if (!d)
			return -EBADMSG;
		i += 1 + d;
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		size_t d = digits(s, i + 1, len);
		if (d == 2 && i + 3 < len && s[i + 3] == ':')
			d = 3 + digits(s, i + 4, len) == 5 ? 5 : 0;
		if (d != 4 && d != 5 && d != 2)
			return -EBADMSG;
		i += 1 + d;
	}
	r->ts = s;
	r->ts_len = i;
	if (i < len && s[i] == ':' && i + 1 < len && s[i + 1] == ' ')
		return parse_libvirt(r, s, i, len);
	if (i >= len || s[i] != ' ')
		return -EBADMSG;
	i++;
	/* "qemu-system-x86_64: msg" (QEMU's own log) or "host ident: msg" (journalctl short-iso) */
	size_t t = i;
	while (t < len && s[t] != ' ' && s[t] != ':')
		t++;
	if (t < len && s[t] == ':' && t > i && parse_ident(r, s, i, len)) {
		r->format = VP_LOG_QEMU;
		return 0;
	}
	r->format = VP_LOG_ISO;
	host_ident_msg(r, s, i, len);
	return 0;
}

static bool bracket_is_time(const char *s, size_t a, size_t b, bool *ret_date)
{
	/* "    0.123456" or "Tue Nov 25 11:28:22 2026" */
	bool num = true, date = true, any_digit = false, colon = false;
	if (a == b)
		return false;
	for (size_t k = a; k < b; k++) {
		char c = s[k];
		if (is_digit(c))
			any_digit = true;
		if (!(is_digit(c) || c == '.' || c == ' '))
			num = false;
		if (c == ':')
			colon = true;
		if (!(is_digit(c) || c == ' ' || c == ':' || is_upper(c) || is_lower(c)))
			date = false;
	}
	*ret_date = !num && date && colon && is_upper(s[a]);
	return any_digit && (num || *ret_date);
}

static int parse_bracket(struct vp_logline *r, const char *s, size_t len)
{
	const char *close = memchr(s, ']', len < 64 ? len : 64);
	if (!close) {
		/* "[   12.34" cut off, versus a raw "[drm ..." message: only digits and spaces mean a stamp */
		size_t k = 1;
		while (k < len && (s[k] == ' ' || is_digit(s[k]) || s[k] == '.'))
			k++;
		return k == len || k >= 64 ? -EBADMSG : 1;
	}
	size_t b = (size_t)(close - s);
	bool date = false;
	if (!bracket_is_time(s, 1, b, &date))
		return 1; /* "[drm] ..." and friends: a raw message */
	size_t a = 1;
	while (a < b && s[a] == ' ')
		a++;
	r->ts = s + a;
	r->ts_len = b - a;
	size_t i = b + 1;
	if (i < len && s[i] == ' ')
		i++;
	r->format = VP_LOG_DMESG;
	r->ident = "kernel";
	r->ident_len = 6;
	set_msg(r, s, i, len);
	if (date)
		return 0;
	/* journalctl -o short-monotonic: "[    1.000000] host kernel: msg" / "host ident[pid]: msg" */
	size_t h = i;
	while (h < len && s[h] != ' ' && s[h] != ':')
		h++;
	if (h < len && s[h] == ' ') {
		struct vp_logline t = *r;
		if (parse_ident(&t, s, h + 1, len) &&
		    ((t.ident_len == 6 && memcmp(t.ident, "kernel", 6) == 0) ||
		     memchr(t.ident, '[', (size_t)(t.msg - t.ident)) != NULL)) {
			t.format = VP_LOG_MONOTONIC;
			*r = t;
		}
	}
	return 0;
}

static bool is_qemu_ident(const char *s, size_t len, size_t *ret_end)
{
	static const char *const names[] = { "qemu-system-", "qemu-kvm:", "qemu:" };
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (!has_prefix(s, len, names[k]))
			continue;
		size_t e = strlen(names[k]);
		if (s[e - 1] != ':') {
			while (e < len && (is_lower(s[e]) || is_digit(s[e]) || s[e] == '_'))
				e++;
			if (e >= len || s[e] != ':')
				return false;
			e++;
		}
		*ret_end = e - 1;
		return true;
	}
	return false;
}

int vp_logline_parse(const char *line, size_t len, struct vp_logline *ret)
{
	struct vp_logline r = { .format = VP_LOG_RAW, .priority = -1 };
	*ret = (struct vp_logline){ .priority = -1 };
	if (!line)
		return -ENODATA;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return -ENODATA;
	if (memchr(line, '\0', len))
		return -EBADMSG;
	/* kmsg dictionary continuation: " SUBSYSTEM=pci" */
	if (line[0] == ' ' && len > 2 && is_upper(line[1])) {
		size_t k = 1;
		while (k < len && (is_upper(line[k]) || line[k] == '_' || is_digit(line[k])))
			k++;
		if (k < len && line[k] == '=')
			return -ENODATA;
	}
	int e = 1;
	if (is_digit(line[0])) {
		size_t d = digits(line, 0, len);
		if (d < len && line[d] == ',')
			e = parse_kmsg(&r, line, len);
		else if (d == 4 && d < len && line[d] == '-')
			e = parse_iso(&r, line, len);
	} else if (line[0] == '[') {
		e = parse_bracket(&r, line, len);
	} else if (is_month(line, len)) {
		e = parse_syslog(&r, line, len);
	} else if (has_prefix(line, len, "error: ") || has_prefix(line, len, "warning: ")) {
		r.format = VP_LOG_VIRSH;
		r.ident = "virsh";
		r.ident_len = 5;
		r.priority = line[0] == 'e' ? 3 : 4;
		set_msg(&r, line, line[0] == 'e' ? 7 : 9, len);
		e = 0;
	} else {
		size_t end;
		if (is_qemu_ident(line, len, &end)) {
			r.format = VP_LOG_QEMU;
			r.ident = line;
			r.ident_len = end;
			size_t m = end + 1;
			if (m < len && line[m] == ' ')
				m++;
			set_msg(&r, line, m, len);
			e = 0;
		}
	}
	if (e < 0)
		return e;
	if (e > 0 || !r.msg) {
		/* no structured form (or one that left no message): the whole line is the message */
		r = (struct vp_logline){ .format = VP_LOG_RAW, .priority = -1 };
		set_msg(&r, line, 0, len);
	}
	*ret = r;
	return 0;
}

const char *vp_log_format_to_string(enum vp_log_format f)
{
	static const char *const names[_VP_LOG_FORMAT_MAX] = {
		[VP_LOG_RAW] = "raw",         [VP_LOG_DMESG] = "dmesg",   [VP_LOG_KMSG] = "kmsg",
		[VP_LOG_SYSLOG] = "syslog",   [VP_LOG_ISO] = "iso",       [VP_LOG_MONOTONIC] = "monotonic",
		[VP_LOG_QEMU] = "qemu",       [VP_LOG_LIBVIRT] = "libvirt", [VP_LOG_VIRSH] = "virsh",
	};
	return (unsigned)f < _VP_LOG_FORMAT_MAX ? names[f] : NULL;
}
