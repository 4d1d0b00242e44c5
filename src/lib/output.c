/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The document model and its text and JSON renderers (see output.h). */
#include "output.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parallel.h"
#include "util.h"

enum section_kind { SEC_RECORD, SEC_TABLE, SEC_JSON, SEC_TEXT, SEC_LIST };

struct vp_table {
	const struct vp_col *cols;
	size_t n_cols;
	enum vp_table_style style;
	json_object *rows;  /* array, owned by the document's JSON tree */
	struct vp_table **children; /* nested tables, one per (row, key) */
	size_t n_children, cap_children;
	const char *child_key; /* when this table is nested: its key in the parent row (a literal) */
	struct vp_doc *doc;
};

struct section {
	enum section_kind kind;
	char *key;
	char *title;
	struct vp_table *table;
	char *text;
	bool wrap;                 /* SEC_TEXT: wrapped at the width (vp_doc_para); SEC_LIST: words on one line */
	bool notes;                /* SEC_LIST: "note: item" lines (vp_doc_notes) */
	unsigned hang;             /* its hanging indent */
	const struct vp_col *cols; /* SEC_RECORD: declared fields (vp_doc_record_cols), else NULL */
	size_t n_cols;
	size_t text_at;            /* text: shown at this place (vp_doc_text_at); its own index by default */
	bool moved;                /* text_at was set: before the section added at that place */
};

struct vp_doc {
	json_object *root;
	int format;   /* enum vp_format, or -1: not set */
	struct section *secs;
	size_t n_secs;
	struct vp_table **all_tables; /* every table, for freeing */
	size_t n_tables, cap_tables;
	unsigned width; /* text: columns to fit, 0: no limit */
};

struct vp_doc *vp_doc_new(void)
{
	struct vp_doc *d = calloc(1, sizeof(*d));
	if (d) {
		d->root = json_object_new_object();
		d->format = -1;
	}
	return d;
}

void vp_doc_set_format(struct vp_doc *d, enum vp_format fmt)
{
	d->format = (int)fmt;
}

void vp_doc_set_width(struct vp_doc *d, unsigned width)
{
	d->width = width;
}

struct vp_doc *vp_doc_free(struct vp_doc *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n_secs; i++) {
		free(d->secs[i].key);
		free(d->secs[i].title);
		free(d->secs[i].text);
	}
	free(d->secs);
	for (size_t i = 0; i < d->n_tables; i++) {
		free(d->all_tables[i]->children);
		free(d->all_tables[i]);
	}
	free(d->all_tables);
	json_object_put(d->root);
	free(d);
	return NULL;
}

static struct section *add_section(struct vp_doc *d, enum section_kind kind, const char *key, const char *title)
{
	struct section *s = realloc(d->secs, (d->n_secs + 1) * sizeof(*s));
	if (!s)
		abort();
	d->secs = s;
	s = &d->secs[d->n_secs++];
	*s = (struct section){ .kind = kind, .key = key ? strdup(key) : NULL, .title = title ? strdup(title) : NULL,
			       .text_at = d->n_secs - 1 };
	return s;
}

static struct vp_table *new_table(struct vp_doc *d, const struct vp_col *cols, size_t n, enum vp_table_style style)
{
	struct vp_table *t = calloc(1, sizeof(*t));
	if (!t || vp_grow((void **)&d->all_tables, &d->cap_tables, d->n_tables + 1, sizeof(*d->all_tables)) < 0)
		abort();
	d->all_tables[d->n_tables++] = t;
	t->cols = cols;
	t->n_cols = n;
	t->style = style;
	t->doc = d;
	/* most tables are a group's few devices: 4 slots to start (json-c's default is 32), doubled as needed */
	t->rows = json_object_new_array_ext(4);
	return t;
}

json_object *vp_doc_record(struct vp_doc *d, const char *key, const char *title)
{
	add_section(d, SEC_RECORD, key, title);
	json_object *o = json_object_new_object();
	json_object_object_add(d->root, key, o);
	return o;
}

struct vp_table *vp_doc_table(struct vp_doc *d, const char *key, const char *title,
			      const struct vp_col *cols, size_t n_cols, enum vp_table_style style)
{
	struct section *s = add_section(d, SEC_TABLE, key, title);
	s->table = new_table(d, cols, n_cols, style);
	json_object_object_add(d->root, key, s->table->rows);
	return s->table;
}

void vp_doc_json(struct vp_doc *d, const char *key, json_object *v)
{
	add_section(d, SEC_JSON, key, NULL);
	json_object_object_add(d->root, key, v);
}

json_object *vp_doc_record_cols(struct vp_doc *d, const char *key, const char *title, const struct vp_col *cols,
				size_t n_cols)
{
	json_object *o = vp_doc_record(d, key, title);
	d->secs[d->n_secs - 1].cols = cols;
	d->secs[d->n_secs - 1].n_cols = n_cols;
	return o;
}

void vp_doc_list(struct vp_doc *d, const char *key, const char *title, char *const *v)
{
	add_section(d, SEC_LIST, key, title);
	json_object_object_add(d->root, key, vp_json_strv(v));
}

void vp_doc_notes(struct vp_doc *d, const char *key, char *const *v)
{
	vp_doc_list(d, key, NULL, v);
	d->secs[d->n_secs - 1].notes = true;
}

void vp_doc_words(struct vp_doc *d, const char *key, const char *label, char *const *v)
{
	vp_doc_list(d, key, label, v);
	d->secs[d->n_secs - 1].wrap = true;
}

void vp_doc_para(struct vp_doc *d, unsigned hang, const char *fmt, ...)
{
	struct section *s = add_section(d, SEC_TEXT, NULL, NULL);
	s->wrap = true;
	s->hang = hang;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s->text, fmt, ap) < 0)
		s->text = NULL;
	va_end(ap);
}

size_t vp_doc_mark(const struct vp_doc *d)
{
	return d->n_secs;
}

void vp_doc_text_at(struct vp_doc *d, const char *key, size_t mark)
{
	for (size_t i = 0; i < d->n_secs; i++)
		if (d->secs[i].key && streq(d->secs[i].key, key)) {
			d->secs[i].text_at = mark;
			d->secs[i].moved = true;
			return;
		}
}

void vp_doc_text(struct vp_doc *d, const char *fmt, ...)
{
	struct section *s = add_section(d, SEC_TEXT, NULL, NULL);
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s->text, fmt, ap) < 0)
		s->text = NULL;
	va_end(ap);
}

static const struct vp_col *find_col(const struct vp_table *t, const char *key);

/* Row keys are string literals (output.h enforces it), so json-c need not copy them. */
static void row_add(json_object *row, const char *key, json_object *v)
{
	json_object_object_add_ex(row, key, v, JSON_C_OBJECT_KEY_IS_CONSTANT);
}

json_object *vp_table_row(struct vp_table *t)
{
	json_object *row = json_object_new_object();
	/* A row gets a key per column its format shows. json-c starts an object with 16 slots and
	 * doubles them past two thirds full: a JSON list row (20 keys) was rehashed from 16 slots
	 * to 32 at its 11th key. Sized for its keys at once, it is never rehashed; the order of the
	 * keys (insertion order, kept beside the slots) is the same. */
	size_t keys = 0;
	for (size_t i = 0; i < t->n_cols; i++)
		keys += t->doc->format < 0 ||
			!(t->cols[i].flags & (t->doc->format == VP_FORMAT_JSON ? VP_COL_TEXT_ONLY : VP_COL_JSON_ONLY));
	if (row && keys * 3 / 2 > JSON_OBJECT_DEF_HASH_ENTRIES)
		lh_table_resize(json_object_get_object(row), (int)(keys * 3 / 2 + 1));
	json_object_array_add(t->rows, row);
	return row;
}

size_t vp_table_n_rows(const struct vp_table *t)
{
	return json_object_array_length(t->rows);
}

bool vp_table_shows(const struct vp_table *t, const char *key)
{
	const struct vp_col *c = find_col(t, key);
	if (!c || t->doc->format < 0)
		return true;
	unsigned other = t->doc->format == VP_FORMAT_JSON ? VP_COL_TEXT_ONLY : VP_COL_JSON_ONLY;
	return !(c->flags & other);
}

struct vp_table *(vp_row_table)(struct vp_table *parent, json_object *row, const char *key,
			      const struct vp_col *cols, size_t n_cols)
{
	struct vp_table *t = new_table(parent->doc, cols, n_cols, VP_STYLE_TABLE);
	t->child_key = key;
	json_object_set_userdata(t->rows, t, NULL);
	row_add(row, key, t->rows);
	if (vp_grow((void **)&parent->children, &parent->cap_children, parent->n_children + 1, sizeof(*parent->children)) < 0)
		abort();
	parent->children[parent->n_children++] = t;
	return t;
}

void (vp_row_str)(json_object *row, const char *key, const char *s)
{
	row_add(row, key, s ? json_object_new_string(s) : NULL);
}

void (vp_row_int)(json_object *row, const char *key, long long v)
{
	row_add(row, key, json_object_new_int64(v));
}

void (vp_row_int_opt)(json_object *row, const char *key, long long v)
{
	row_add(row, key, v < 0 ? NULL : json_object_new_int64(v));
}

void (vp_row_bool)(json_object *row, const char *key, bool v)
{
	row_add(row, key, json_object_new_boolean(v));
}

json_object *vp_json_strv(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void (vp_row_strv)(json_object *row, const char *key, char *const *v)
{
	row_add(row, key, vp_json_strv(v));
}

void (vp_row_take)(json_object *row, const char *key, json_object *v)
{
	row_add(row, key, v);
}

void (vp_row_take_new)(json_object *row, const char *key, json_object *v)
{
	json_object_object_add_ex(row, key, v, JSON_C_OBJECT_KEY_IS_CONSTANT | JSON_C_OBJECT_ADD_KEY_IS_NEW);
}

/* ---- bytes that are not text ---- */

/* The length (1-4) of the valid UTF-8 sequence at p, its code point in *cp; 0 when the byte at p
 * starts none (a stray continuation byte, an overlong form, a surrogate, a truncated sequence). */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* C0 controls, DEL and the C1 controls (U+0080-U+009F: a terminal takes U+009B as CSI). */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

char *vp_text_sanitize(const char *s, bool keep_newlines)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	struct vp_buf b = { 0 };
	size_t i = 0, run = 0;
	bool changed = false;
	while (p[i]) {
		if (p[i] >= 0x20 && p[i] < 0x7f) { /* the common case: printable ASCII */
			i++;
			continue;
		}
		uint32_t cp = 0;
		size_t n = utf8_seq(p + i, &cp);
		if (n && (!is_control(cp) || (keep_newlines && (cp == '\n' || cp == '\t')))) {
			i += n;
			continue;
		}
		if (!n)
			n = 1;
		changed = true;
		vp_buf_append(&b, s + run, i - run);
		for (size_t k = 0; k < n; k++) {
			char e[4] = { '\\', 'x', hex[p[i + k] >> 4], hex[p[i + k] & 0xf] };
			vp_buf_append(&b, e, 4);
		}
		i += n;
		run = i;
	}
	if (!changed)
		return strdup(s);
	vp_buf_puts(&b, s + run);
	return vp_buf_steal(&b);
}

size_t vp_text_width(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

/*
 * ---- JSON ----
 * Written directly from the document's tree, leaving out text-only columns,
 * in exactly json-c's JSON_C_TO_STRING_PRETTY | SPACED | NOSLASHESCAPE layout
 * (two-space indent, "key": value, empty containers as "[\n<indent>]").
 * Streaming instead of building a filtered copy keeps `list --json` of a
 * 4000-device host from spending its time copying and freeing objects.
 */

static const struct vp_col *find_col(const struct vp_table *t, const char *key)
{
	for (size_t i = 0; i < t->n_cols; i++)
		if (streq(t->cols[i].key, key))
			return &t->cols[i];
	return NULL;
}

/* Nested tables mark their rows array with the table (json-c userdata; it does not change serialization). */
static struct vp_table *child_for(const struct vp_table *t, json_object *arr)
{
	struct vp_table *c = json_object_get_userdata(arr);
	return c && c->doc == t->doc && c->child_key ? c : NULL;
}

static void json_indent(struct vp_buf *b, int level)
{
	static const char spaces[] = "                                                                ";
	size_t n = (size_t)level * 2;
	while (n > sizeof(spaces) - 1) {
		vp_buf_append(b, spaces, sizeof(spaces) - 1);
		n -= sizeof(spaces) - 1;
	}
	vp_buf_append(b, spaces, n);
}

/* A JSON string: control characters escaped, each byte that is not part of valid UTF-8 replaced
 * by U+FFFD, so the document always parses (docs/json.md). */
static void json_str(struct vp_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	vp_buf_append(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (p[i]) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char u[7];
		size_t n = 1;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		switch (c) {
		case '\b': esc = "\\b"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\f': esc = "\\f"; break;
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		default: {
			uint32_t cp = c;
			if (c >= 0x80 && !(n = utf8_seq(p + i, &cp))) {
				esc = "\\ufffd";
				n = 1;
			} else if (is_control(cp)) {
				snprintf(u, sizeof(u), "\\u00%c%c", hex[cp >> 4], hex[cp & 0xf]);
				esc = u;
			}
		}
		}
		if (!esc) {
			i += n;
			continue;
		}
		vp_buf_append(b, s + run, i - run);
		vp_buf_puts(b, esc);
		i += n;
		run = i;
	}
	vp_buf_puts(b, s + run);
	vp_buf_append(b, "\"", 1);
}

static void json_value(struct vp_buf *b, json_object *v, int level, const struct vp_table *t);

static void json_key(struct vp_buf *b, bool *first, const char *key, int level)
{
	vp_buf_puts(b, *first ? "\n" : ",\n");
	*first = false;
	json_indent(b, level);
	json_str(b, key);
	vp_buf_append(b, ": ", 2);
}

/* json-c ends every pretty container with a newline and the indent, empty or not. */
static void json_close(struct vp_buf *b, bool empty, int level, const char *close)
{
	(void)empty;
	vp_buf_append(b, "\n", 1);
	json_indent(b, level);
	vp_buf_puts(b, close);
}

/* Row i of t, with the separator before it. */
static void json_row(struct vp_buf *b, const struct vp_table *t, json_object *row, size_t i, int level)
{
	vp_buf_puts(b, i ? ",\n" : "\n");
	json_indent(b, level + 1);
	vp_buf_append(b, "{", 1);
	bool first = true;
	size_t ci = 0;  /* rows are filled in column order: look at the next column first */
	json_object_object_foreach(row, k, v) {
		const struct vp_col *c = NULL;
		if (ci < t->n_cols && streq(t->cols[ci].key, k))
			c = &t->cols[ci++];
		else if ((c = find_col(t, k)))
			ci = (size_t)(c - t->cols) + 1;
		if (c && (c->flags & VP_COL_TEXT_ONLY))
			continue;
		json_key(b, &first, k, level + 2);
		json_value(b, v, level + 2, t);
	}
	json_close(b, first, level + 1, "}");
}

static void json_rows(struct vp_buf *b, const struct vp_table *t, int level)
{
	vp_buf_append(b, "[", 1);
	size_t n = json_object_array_length(t->rows);
	for (size_t i = 0; i < n; i++)
		json_row(b, t, json_object_array_get_idx(t->rows, i), i, level);
	json_close(b, n == 0, level, "]");
}

/*
 * A section's table of thousands of rows (list on a big host) is written in
 * slices by several threads, each slice into its own buffer, joined in order:
 * the bytes are exactly those of json_rows().
 */
#define ROWS_PER_SLICE 64

struct slices {
	const struct vp_table *t;
	int level;
	size_t n;          /* rows */
	size_t first;      /* the slice bufs[0] holds in this wave */
	struct vp_buf *bufs;
};

static void json_slice(void *ctx, size_t k)
{
	struct slices *j = ctx;
	size_t s = j->first + k;
	size_t end = (s + 1) * ROWS_PER_SLICE < j->n ? (s + 1) * ROWS_PER_SLICE : j->n;
	for (size_t i = s * ROWS_PER_SLICE; i < end; i++)
		json_row(&j->bufs[k], j->t, json_object_array_get_idx(j->t->rows, i), i, j->level);
}

/* Writes what b holds to f, then empties it (keeping its memory). */
static void flush(struct vp_buf *b, FILE *f)
{
	if (b->len)
		fwrite(b->data, 1, b->len, f);
	b->len = 0;
}

static void json_rows_sliced(struct vp_buf *b, FILE *f, const struct vp_table *t, int level)
{
	size_t n = json_object_array_length(t->rows), n_slices = (n + ROWS_PER_SLICE - 1) / ROWS_PER_SLICE;
	/* Waves of a few slices per thread, written out before the next: the buffers are reused,
	 * so the memory stays that of one wave (a few hundred KiB) whatever the table's size. */
	size_t wave = (size_t)vp_parallel_threads() * 4;
	struct slices j = { .t = t, .level = level, .n = n };
	if (n_slices < 8 || !(j.bufs = calloc(wave, sizeof(*j.bufs)))) {
		json_rows(b, t, level);
		return;
	}
	vp_buf_append(b, "[", 1);
	flush(b, f);
	for (j.first = 0; j.first < n_slices; j.first += wave) {
		size_t k = n_slices - j.first < wave ? n_slices - j.first : wave;
		vp_parallel_for(k, 4, json_slice, &j);
		for (size_t i = 0; i < k; i++)
			flush(&j.bufs[i], f);
	}
	for (size_t i = 0; i < wave; i++)
		vp_buf_free(&j.bufs[i]);
	free(j.bufs);
	json_close(b, n == 0, level, "]");
}

static void json_value(struct vp_buf *b, json_object *v, int level, const struct vp_table *t)
{
	if (!v) {
		vp_buf_puts(b, "null");
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		vp_buf_puts(b, "null");
		return;
	case json_type_boolean:
		vp_buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		return;
	case json_type_int:
	{
		char n[24];
		vp_buf_puts(b, vp_fmt_int(n, json_object_get_int64(v)));
	}
		return;
	case json_type_string:
		json_str(b, json_object_get_string(v));
		return;
	case json_type_array: {
		struct vp_table *child = t ? child_for(t, v) : NULL;
		if (child)
			return json_rows(b, child, level);
		vp_buf_append(b, "[", 1);
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			vp_buf_puts(b, i ? ",\n" : "\n");
			json_indent(b, level + 1);
			json_value(b, json_object_array_get_idx(v, i), level + 1, NULL);
		}
		json_close(b, n == 0, level, "]");
		return;
	}
	case json_type_object: {
		vp_buf_append(b, "{", 1);
		bool first = true;
		json_object_object_foreach(v, k, val) {
			json_key(b, &first, k, level + 1);
			json_value(b, val, level + 1, NULL);
		}
		json_close(b, first, level, "}");
		return;
	}
	default:
		/* doubles: json-c's own formatting */
		vp_buf_puts(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return;
	}
}

static const struct vp_col *record_col(const struct section *s, const char *key)
{
	for (size_t i = 0; i < s->n_cols; i++)
		if (streq(s->cols[i].key, key))
			return &s->cols[i];
	return NULL;
}

/* A record with declared fields: its text-only fields left out. */
static void json_record_cols(struct vp_buf *b, const struct section *s, json_object *o, int level)
{
	vp_buf_append(b, "{", 1);
	bool first = true;
	json_object_object_foreach(o, k, v) {
		const struct vp_col *c = record_col(s, k);
		if (c && (c->flags & VP_COL_TEXT_ONLY))
			continue;
		json_key(b, &first, k, level + 1);
		json_value(b, v, level + 1, NULL);
	}
	json_close(b, first, level, "}");
}

static int render_json(struct vp_doc *d, FILE *f)
{
	struct vp_buf b = { 0 };
	bool first = true;
	vp_buf_append(&b, "{", 1);
	for (size_t i = 0; i < d->n_secs; i++) {
		struct section *s = &d->secs[i];
		if (s->kind == SEC_TEXT)
			continue;
		json_key(&b, &first, s->key, 1);
		if (s->kind == SEC_TABLE)
			json_rows_sliced(&b, f, s->table, 1);
		else if (s->kind == SEC_RECORD && s->cols)
			json_record_cols(&b, s, json_object_object_get(d->root, s->key), 1);
		else
			json_value(&b, json_object_object_get(d->root, s->key), 1, NULL);
	}
	json_close(&b, first, 0, "}\n");
	if (!b.data)
		return -ENOMEM;
	flush(&b, f);
	vp_buf_free(&b);
	return ferror(f) ? -EIO : 0;
}

/* ---- text ---- */

/* A cell as terminal-safe text (vp_text_sanitize). */
static char *cell_text(json_object *v)
{
	if (!v)
		return strdup("-");
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return strdup(json_object_get_boolean(v) ? "yes" : "no");
	case json_type_array: {
		struct vp_buf b = { 0 };
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			char *s = cell_text(json_object_array_get_idx(v, i));
			vp_buf_printf(&b, "%s%s", i ? ", " : "", s);
			free(s);
		}
		return n ? vp_buf_steal(&b) : strdup("-");
	}
	case json_type_string:
		return vp_text_sanitize(json_object_get_string(v), false);
	default:
		return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
}

static char *header_of(const struct vp_col *c)
{
	char *h = strdup(c->header ? c->header : c->key);
	if (!c->header)
		for (char *p = h; *p; p++)
			*p = *p == '_' ? ' ' : (char)toupper((unsigned char)*p);
	return h;
}

static bool text_col(const struct vp_col *c, const struct vp_table *t, json_object *sample)
{
	if (c->flags & VP_COL_JSON_ONLY)
		return false;
	json_object *v = sample ? json_object_object_get(sample, c->key) : NULL;
	return !(v && json_object_is_type(v, json_type_array) && child_for(t, v));
}

/* s padded with spaces to w columns. */
static void pad(struct vp_buf *b, const char *s, size_t w)
{
	vp_buf_puts(b, s);
	for (size_t n = vp_text_width(s); n < w; n++)
		vp_buf_append(b, " ", 1);
}

/* The first n code points of s. */
static size_t utf8_prefix(const char *s, size_t n)
{
	size_t i = 0;
	for (size_t k = 0; s[i]; i++)
		if ((s[i] & 0xc0) != 0x80 && k++ == n)
			break;
	return i;
}

/* s shortened to w columns with "...", keeping a trailing " [...]" (the [vvvv:dddd] id). */
static char *ellipsize(const char *s, size_t w)
{
	if (vp_text_width(s) <= w)
		return strdup(s);
	size_t len = strlen(s);
	const char *tail = "";
	if (len && s[len - 1] == ']') {
		const char *lb = strrchr(s, '[');
		if (lb && lb > s && lb[-1] == ' ')
			tail = lb - 1;
	}
	if (vp_text_width(tail) + 4 > w)
		tail = "";
	size_t head = w - 3 - vp_text_width(tail);
	size_t hl = utf8_prefix(s, head);
	while (hl && s[hl - 1] == ' ')
		hl--;
	return vp_strdup_printf("%.*s...%s", (int)hl, s, tail);
}

/* The key of c's narrow form (VP_COL_NARROW), or c's own key. */
static const char *narrow_key(const struct vp_col *c, char buf[64])
{
	if (!(c->flags & VP_COL_NARROW) || strlen(c->key) > 50)
		return c->key;
	snprintf(buf, 64, "%s_short", c->key);
	return buf;
}

/*
 * Widths over every row of t and, for nested tables, over all siblings of the same key. w holds
 * 3 * n_cols: the widths, the widths of the narrow forms (VP_COL_NARROW), and whether fit()
 * chose the narrow form.
 */
static void measure(const struct vp_table *t, size_t *w)
{
	size_t n = json_object_array_length(t->rows), nc = t->n_cols;
	for (size_t c = 0; c < nc; c++) {
		char *h = header_of(&t->cols[c]);
		for (size_t k = 0; k < 2; k++)
			if (vp_text_width(h) > w[k * nc + c])
				w[k * nc + c] = vp_text_width(h);
		free(h);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(t->rows, i);
		for (size_t c = 0; c < nc; c++) {
			if (t->cols[c].flags & VP_COL_JSON_ONLY)
				continue;
			for (size_t k = 0; k < 2; k++) {
				char nk[64];
				const char *key = k ? narrow_key(&t->cols[c], nk) : t->cols[c].key;
				if (k && key == t->cols[c].key) {
					if (w[c] > w[nc + c])
						w[nc + c] = w[c];
					continue;
				}
				char *s = cell_text(json_object_object_get(row, key));
				if (vp_text_width(s) > w[k * nc + c])
					w[k * nc + c] = vp_text_width(s);
				free(s);
			}
		}
	}
}

/* The narrowest a VP_COL_SHRINK column gets: room for a few words and a [vvvv:dddd] id. */
#define SHRINK_MIN 24
/* The narrowest a VP_COL_WRAP column gets. */
#define WRAP_MIN 20

/* When the rows of t at indent are wider than the document's width, switches to the narrow forms
 * of the columns that have one, then narrows its VP_COL_SHRINK columns. */
static void fit(const struct vp_table *t, size_t *w, int indent)
{
	unsigned width = t->doc->width;
	size_t nc = t->n_cols;
	if (!width)
		return;
	size_t total = (size_t)indent, n = 0;
	for (size_t c = 0; c < nc; c++)
		if (!(t->cols[c].flags & VP_COL_JSON_ONLY))
			total += w[c] + (n++ ? 2 : 0);
	if (total <= width)
		return;
	for (size_t c = 0; c < nc; c++)
		if ((t->cols[c].flags & VP_COL_NARROW) && !(t->cols[c].flags & VP_COL_JSON_ONLY)) {
			total -= w[c] - w[nc + c];
			w[c] = w[nc + c];
			w[2 * nc + c] = 1;
		}
	for (size_t c = 0; c < nc && total > width; c++) {
		if (!(t->cols[c].flags & VP_COL_SHRINK) || w[c] <= SHRINK_MIN)
			continue;
		size_t cut = total - width;
		if (cut > w[c] - SHRINK_MIN)
			cut = w[c] - SHRINK_MIN;
		w[c] -= cut;
		total -= cut;
	}
	/* then VP_COL_WRAP columns, the widest first, one column at a time */
	while (total > width) {
		size_t best = nc;
		for (size_t c = 0; c < nc; c++)
			if ((t->cols[c].flags & VP_COL_WRAP) && !(t->cols[c].flags & VP_COL_JSON_ONLY) && w[c] > WRAP_MIN &&
			    (best == nc || w[c] > w[best]))
				best = c;
		if (best == nc)
			break;
		w[best]--;
		total--;
	}
}

static size_t wrap(struct vp_buf *b, const char *s, size_t col, size_t hang, unsigned width);
static void render_paragraph(FILE *f, const char *text, bool color);

/* A row; cells of VP_COL_WRAP columns wider than their column continue on the next lines. */
static void print_row(FILE *f, const struct vp_table *t, json_object *row, json_object *prev, const size_t *w,
		      int indent, bool header)
{
	size_t nc = t->n_cols, n_lines = 1;
	char **cells = calloc(nc, sizeof(char *));
	if (!cells)
		return;
	for (size_t c = 0; c < nc; c++) {
		const struct vp_col *col = &t->cols[c];
		if (!text_col(col, t, row))
			continue;
		char *s;
		if (header) {
			s = header_of(col);
		} else {
			char nk[64];
			const char *key = w[2 * nc + c] ? narrow_key(col, nk) : col->key;
			s = cell_text(json_object_object_get(row, key));
			if ((col->flags & VP_COL_HIDE_REPEAT) && prev) {
				char *p = cell_text(json_object_object_get(prev, key));
				if (streq(p, s)) {
					free(s);
					s = strdup("");
				}
				free(p);
			}
		}
		if ((col->flags & VP_COL_SHRINK) && vp_text_width(s) > w[c]) {
			char *e = ellipsize(s, w[c]);
			free(s);
			s = e;
		} else if ((col->flags & VP_COL_WRAP) && vp_text_width(s) > w[c]) {
			struct vp_buf wb = { 0 };
			wrap(&wb, s, 0, 0, (unsigned)w[c]);
			free(s);
			s = vp_buf_steal(&wb);
			size_t lines = 1;
			for (const char *p = s; p && *p; p++)
				lines += *p == '\n';
			if (lines > n_lines)
				n_lines = lines;
		}
		cells[c] = s ? s : strdup("");
	}
	for (size_t k = 0; k < n_lines; k++) {
		struct vp_buf b = { 0 };
		vp_buf_printf(&b, "%*s", indent, "");
		bool first = true;
		for (size_t c = 0; c < nc; c++) {
			if (!cells[c])
				continue;
			/* line k of the cell */
			const char *p = cells[c];
			for (size_t i = 0; i < k && p; i++) {
				p = strchr(p, '\n');
				p = p ? p + 1 : NULL;
			}
			_cleanup_free_ char *part = p ? strndup(p, strcspn(p, "\n")) : strdup("");
			if (!first)
				vp_buf_append(&b, "  ", 2);
			pad(&b, part ? part : "", w[c]);
			first = false;
		}
		char *line = vp_buf_steal(&b);
		fprintf(f, "%s\n", line ? vp_strstrip_tail(line) : "");
		free(line);
	}
	for (size_t c = 0; c < nc; c++)
		free(cells[c]);
	free(cells);
}

/*
 * Appends s to b, the first line continuing at column col, wrapped at spaces to the width (0: not
 * wrapped) with continuation lines indented by hang columns. A word longer than a whole line is
 * broken; a `quoted command` counts as one word when it fits on a line. Returns the column where
 * the text ends.
 */
static size_t wrap(struct vp_buf *b, const char *s, size_t col, size_t hang, unsigned width)
{
	if (!width || col + vp_text_width(s) <= width) {
		vp_buf_puts(b, s);
		return col + vp_text_width(s);
	}
	size_t limit = width < hang + 20 ? hang + 20 : width;
	bool line_empty = true;
	while (*s) {
		size_t wl = strcspn(s, " ");
		if (!wl) {
			s++;
			continue;
		}
		/* a `command` is one word: it stays on one line when it fits on one */
		size_t ticks = 0;
		for (size_t k = 0; k < wl; k++)
			ticks += s[k] == '`';
		if (ticks % 2) {
			const char *close = strchr(s + wl, '`');
			if (close) {
				size_t span = (size_t)(close - s) + strcspn(close, " ");
				_cleanup_free_ char *sp = strndup(s, span);
				if (sp && vp_text_width(sp) <= limit - hang)
					wl = span;
			}
		}
		char *word = strndup(s, wl);
		size_t ww = vp_text_width(word);
		s += wl;
		if (!line_empty && col + 1 + ww > limit) {
			vp_buf_printf(b, "\n%*s", (int)hang, "");
			col = hang;
			line_empty = true;
		}
		if (!line_empty) {
			vp_buf_append(b, " ", 1);
			col++;
		}
		const char *p = word;
		while (col + vp_text_width(p) > limit) { /* longer than a line */
			size_t take = utf8_prefix(p, limit - col);
			vp_buf_append(b, p, take);
			vp_buf_printf(b, "\n%*s", (int)hang, "");
			col = hang;
			p += take;
		}
		vp_buf_puts(b, p);
		col += vp_text_width(p);
		line_empty = false;
		free(word);
	}
	return col;
}

/* A parent row of nested tables: "group 1  viable: yes  isolated: yes", wrapped at the separators. */
static void print_row_inline(FILE *f, const struct vp_table *t, json_object *row, int indent)
{
	struct vp_buf b = { 0 };
	vp_buf_printf(&b, "%*s", indent, "");
	size_t col = (size_t)indent, hang = (size_t)indent + 4;
	unsigned width = t->doc->width;
	bool first = true;
	for (size_t c = 0; c < t->n_cols; c++) {
		const struct vp_col *colp = &t->cols[c];
		if (!text_col(colp, t, row))
			continue;
		char *h = header_of(colp);
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		char *v = cell_text(json_object_object_get(row, colp->key));
		char *part = vp_strdup_printf(first ? "%s %s" : "%s: %s", h, v);
		if (!first) {
			if (width && col + 2 + vp_text_width(part) > width) {
				vp_buf_printf(&b, "\n%*s", (int)hang, "");
				col = hang;
			} else {
				vp_buf_append(&b, "  ", 2);
				col += 2;
			}
		}
		col = wrap(&b, part, col, hang + 2, width);
		first = false;
		free(part);
		free(h);
		free(v);
	}
	char *line = vp_buf_steal(&b);
	fprintf(f, "%s\n", line ? line : "");
	free(line);
}

static void render_table(FILE *f, const struct vp_table *t, int indent)
{
	size_t n = json_object_array_length(t->rows);
	if (n == 0)
		return;
	size_t *w = calloc(3 * t->n_cols, sizeof(size_t));
	measure(t, w);
	fit(t, w, indent);
	json_object *first = json_object_array_get_idx(t->rows, 0);
	if (!t->n_children)
		print_row(f, t, first, NULL, w, indent, true);

	/* Nested tables of one key share widths, so all groups line up. */
	size_t cw_n = 0;
	size_t *cw = NULL;
	const struct vp_table *proto = NULL;
	for (size_t i = 0; i < t->n_children; i++) {
		const struct vp_table *c = t->children[i];
		if (!proto)
			proto = c, cw_n = c->n_cols, cw = calloc(3 * cw_n, sizeof(size_t));
		if (c->n_cols == cw_n)
			measure(c, cw);
	}
	if (proto)
		fit(proto, cw, indent + 4);

	json_object *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(t->rows, i);
		if (t->n_children) {
			if (i)
				fputc('\n', f);
			print_row_inline(f, t, row, indent);
		} else {
			print_row(f, t, row, prev, w, indent, false);
		}
		prev = row;
		json_object_object_foreach(row, k, v) {
			(void)k;
			struct vp_table *c = v && json_object_is_type(v, json_type_array) ? child_for(t, v) : NULL;
			if (!c || !json_object_array_length(c->rows))
				continue;
			size_t *usew = c->n_cols == cw_n ? cw : NULL;
			size_t *own = NULL;
			if (!usew) {
				own = calloc(3 * c->n_cols, sizeof(size_t));
				measure(c, own);
				fit(c, own, indent + 4);
				usew = own;
			}
			json_object *cprev = NULL;
			print_row(f, c, json_object_array_get_idx(c->rows, 0), NULL, usew, indent + 4, true);
			for (size_t j = 0; j < json_object_array_length(c->rows); j++) {
				json_object *crow = json_object_array_get_idx(c->rows, j);
				print_row(f, c, crow, cprev, usew, indent + 4, false);
				cprev = crow;
			}
			free(own);
		}
	}
	free(cw);
	free(w);
}

static const char *level_color(const char *level)
{
	if (streq(level, "pass"))
		return "\033[32m";
	if (streq(level, "warn"))
		return "\033[33m";
	if (streq(level, "fail") || streq(level, "error"))
		return "\033[31m";
	return "\033[2m";
}

static const char *row_str(json_object *row, const char *key)
{
	const char *s = json_object_get_string(json_object_object_get(row, key));
	return s ? s : "";
}

/* "[PASS] id  summary", the summary wrapped under itself; "fix:" on its own line, wrapped likewise. */
static void render_checklist(FILE *f, const struct vp_table *t, bool color)
{
	size_t n = json_object_array_length(t->rows);
	size_t idw = 0;
	unsigned width = t->doc->width;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *id = vp_text_sanitize(row_str(json_object_array_get_idx(t->rows, i), "id"), false);
		if (id && vp_text_width(id) > idw)
			idw = vp_text_width(id);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(t->rows, i);
		_cleanup_free_ char *id = vp_text_sanitize(row_str(row, "id"), false);
		_cleanup_free_ char *summary = vp_text_sanitize(row_str(row, "summary"), false);
		_cleanup_free_ char *fix = vp_text_sanitize(row_str(row, "fix"), false);
		const char *level = row_str(row, "level");
		char up[8] = { 0 };
		for (size_t k = 0; k < sizeof(up) - 1 && level[k]; k++)
			up[k] = (char)toupper((unsigned char)level[k]);
		struct vp_buf b = { 0 };
		vp_buf_printf(&b, "%s[%-4s]%s ", color ? level_color(level) : "", up, color ? "\033[0m" : "");
		pad(&b, id ? id : "", idw);
		vp_buf_append(&b, "  ", 2);
		size_t at = 7 + idw + 2;
		wrap(&b, summary ? summary : "", at, at, width);
		vp_buf_append(&b, "\n", 1);
		if (fix && *fix) {
			vp_buf_printf(&b, "%*sfix: ", (int)at, "");
			wrap(&b, fix, at + 5, at + 5, width);
			vp_buf_append(&b, "\n", 1);
		}
		if (b.data)
			fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
	}
}

static void render_record(FILE *f, const struct vp_doc *d, const struct section *s, json_object *o)
{
	int indent = s->title ? 2 : 0;
	if (s->title) {
		_cleanup_free_ char *title = vp_text_sanitize(s->title, false);
		fprintf(f, "%s\n", title ? title : "");
	}
	size_t kw = 0;
	json_object_object_foreach(o, k0, v0) {
		(void)v0;
		if (strlen(k0) > kw)
			kw = strlen(k0);
	}
	json_object_object_foreach(o, k, v) {
		char *t = cell_text(v);
		char label[128];
		snprintf(label, sizeof(label), "%s:", k);
		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		struct vp_buf b = { 0 };
		vp_buf_printf(&b, "%*s%-*s ", indent, "", (int)kw + 1, label);
		size_t at = (size_t)indent + kw + 2;
		wrap(&b, t, at, at, d->width);
		vp_buf_append(&b, "\n", 1);
		fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
		free(t);
	}
}

/* The text label of a declared field: its header, "" for none, else the key with '_' as ' '. */
static char *field_label(const struct vp_col *c)
{
	char *l = strdup(c->header ? c->header : c->key);
	for (char *p = l; p && !c->header && *p; p++)
		if (*p == '_')
			*p = ' ';
	return l;
}

/* A field's value as text: arrays of VP_COL_WORDS fields joined by spaces ("-" when empty). */
static char *field_text(const struct vp_col *c, json_object *v)
{
	if (!(c->flags & VP_COL_WORDS) || !json_object_is_type(v, json_type_array))
		return cell_text(v);
	struct vp_buf b = { 0 };
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		char *w = cell_text(json_object_array_get_idx(v, i));
		vp_buf_printf(&b, "%s%s", i ? " " : "", w);
		free(w);
	}
	return n ? vp_buf_steal(&b) : strdup("-");
}

/* A record with declared fields (vp_doc_record_cols): one line per field with a value. */
static void render_record_cols(FILE *f, const struct vp_doc *d, const struct section *s, json_object *o)
{
	size_t indent = s->title ? 2 : 0, aw = 0;
	unsigned step = 0;
	if (s->title) {
		_cleanup_free_ char *title = vp_text_sanitize(s->title, false);
		fprintf(f, "%s\n", title ? title : "");
	}
	for (size_t i = 0; i < s->n_cols; i++) {
		const struct vp_col *c = &s->cols[i];
		json_object *v = NULL;
		if ((c->flags & VP_COL_ALIGN) && !(c->flags & VP_COL_JSON_ONLY) && json_object_object_get_ex(o, c->key, &v) && v) {
			_cleanup_free_ char *l = field_label(c);
			if (l && vp_text_width(l) + 1 > aw)
				aw = vp_text_width(l) + 1;
		}
	}
	for (size_t i = 0; i < s->n_cols; i++) {
		const struct vp_col *c = &s->cols[i];
		json_object *v = NULL;
		if ((c->flags & VP_COL_JSON_ONLY) || !json_object_object_get_ex(o, c->key, &v) || !v)
			continue;
		_cleanup_free_ char *label = field_label(c);
		_cleanup_free_ char *val = field_text(c, v);
		if (!label || !val)
			continue;
		struct vp_buf b = { 0 };
		size_t col = indent;
		vp_buf_printf(&b, "%*s", (int)indent, "");
		if (c->flags & VP_COL_STEP) {
			int n = 0;
			vp_buf_printf(&b, "%u. %n", ++step, &n);
			col += (size_t)n;
		} else if (c->flags & VP_COL_STEP_MORE) {
			vp_buf_append(&b, "   ", 3);
			col += 3;
		}
		size_t hang = c->flags & VP_COL_STEP ? col : c->flags & VP_COL_PARENS ? col + 1 : col + 2;
		if (c->flags & VP_COL_ALIGN) { /* "label:" padded, the value wrapped under itself */
			_cleanup_free_ char *l = vp_strdup_printf("%s:", label);
			pad(&b, l ? l : "", aw);
			vp_buf_append(&b, " ", 1);
			col += aw + 1;
			hang = col;
			*label = 0;
		}
		size_t vl = strlen(val);
		bool stop = (c->flags & VP_COL_SENTENCE) && vl && !strchr(".?!", val[vl - 1]);
		if ((c->flags & VP_COL_SENTENCE) && !*label && val[0] >= 'a' && val[0] <= 'z')
			val[0] = (char)(val[0] - 'a' + 'A');
		_cleanup_free_ char *line = vp_strdup_printf("%s%s%s%s%s%s", c->flags & VP_COL_PARENS ? "(" : "", label,
							      *label ? ": " : "", val, stop ? "." : "",
							      c->flags & VP_COL_PARENS ? ")" : "");
		wrap(&b, line ? line : "", col, hang, d->width);
		vp_buf_append(&b, "\n", 1);
		fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
	}
}

/* Numbered steps (VP_STYLE_STEPS), one paragraph each; verbatim text (diffs) coloured as in paragraphs. */
static void render_steps(FILE *f, const struct vp_table *t, bool color)
{
	size_t n = json_object_array_length(t->rows);
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(t->rows, i);
		struct vp_buf b = { 0 };
		int nw = 0;
		vp_buf_printf(&b, "%zu. %n", i + 1, &nw);
		bool first = true;
		for (size_t c = 0; c < t->n_cols; c++) {
			const struct vp_col *col = &t->cols[c];
			json_object *v = NULL;
			if ((col->flags & VP_COL_JSON_ONLY) || !json_object_object_get_ex(row, col->key, &v) || !v)
				continue;
			if (col->flags & VP_COL_VERBATIM) {
				const char *raw = json_object_get_string(v);
				size_t len = strlen(raw);
				vp_buf_printf(&b, "%s%.*s", first ? "" : "\n", (int)(len && raw[len - 1] == '\n' ? len - 1 : len), raw);
			} else {
				_cleanup_free_ char *text = cell_text(v);
				_cleanup_free_ char *p = col->flags & VP_COL_PARENS ? vp_strdup_printf("(%s)", text ? text : "") : NULL;
				if (!first)
					vp_buf_printf(&b, "\n%*s", nw, "");
				wrap(&b, p ? p : text ? text : "", (size_t)nw, (size_t)nw + (p ? 1 : 0), t->doc->width);
			}
			first = false;
		}
		if (i)
			fputc('\n', f);
		render_paragraph(f, b.data ? b.data : "", color);
		vp_buf_free(&b);
	}
}

/* "title:" and "  - item" lines, each item wrapped under its first word. */
static void render_list(FILE *f, const struct vp_doc *d, const struct section *s, json_object *a)
{
	if (s->wrap) { /* vp_doc_words */
		struct vp_buf line = { 0 }, b = { 0 };
		_cleanup_free_ char *label = vp_text_sanitize(s->title ? s->title : s->key, false);
		vp_buf_printf(&line, "%s:", label ? label : "");
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			_cleanup_free_ char *w = cell_text(json_object_array_get_idx(a, i));
			vp_buf_printf(&line, " %s", w ? w : "");
		}
		wrap(&b, line.data ? line.data : "", 0, 2, d->width);
		vp_buf_free(&line);
		vp_buf_append(&b, "\n", 1);
		fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
		return;
	}
	if (s->title) {
		_cleanup_free_ char *title = vp_text_sanitize(s->title, false);
		fprintf(f, "%s:\n", title ? title : "");
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		/* an item's further lines are laid out by itself (a configuration block): only its first line wraps */
		const char *raw = json_object_get_string(json_object_array_get_idx(a, i));
		_cleanup_free_ char *item = vp_text_sanitize(raw ? raw : "-", true);
		char *rest = item ? strchr(item, '\n') : NULL;
		if (rest)
			*rest++ = 0;
		struct vp_buf b = { 0 };
		size_t at = s->notes ? 6 : 4;
		vp_buf_puts(&b, s->notes ? "note: " : "  - ");
		wrap(&b, item ? item : "", at, at, d->width);
		if (rest)
			vp_buf_printf(&b, "\n%s", rest);
		vp_buf_append(&b, "\n", 1);
		fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
	}
}

/* A wrapped paragraph (vp_doc_para): each line hangs by s->hang past its indent, a "N. " line under its text. */
static void render_para(FILE *f, const struct vp_doc *d, const struct section *s)
{
	_cleanup_free_ char *text = vp_text_sanitize(s->text ? s->text : "", true);
	for (char *line = text, *next; line; line = next) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		next = nl ? nl + 1 : NULL;
		size_t lead = strspn(line, " "), digits = strspn(line + lead, "0123456789");
		size_t hang = lead + s->hang;
		if (digits && line[lead + digits] == '.' && line[lead + digits + 1] == ' ')
			hang = lead + digits + 2;
		struct vp_buf b = { 0 };
		vp_buf_append(&b, line, lead);
		wrap(&b, line + lead, lead, hang, d->width);
		vp_buf_append(&b, "\n", 1);
		fwrite(b.data, 1, b.len, f);
		vp_buf_free(&b);
	}
}

/* A paragraph; with colour, the lines of unified diffs in it (from a "--- " and "+++ " pair or an
 * "@@ " line to the first line that is not a diff line) are coloured as git does. */
static void render_paragraph(FILE *f, const char *text, bool color)
{
	_cleanup_free_ char *s = vp_text_sanitize(text ? text : "", true);
	if (!s)
		return;
	if (!color) {
		fprintf(f, "%s\n", s);
		return;
	}
	bool in_diff = false;
	for (char *line = s, *next; line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *c = NULL;
		if (vp_startswith(line, "--- ") && next && vp_startswith(next, "+++ ")) {
			in_diff = true;
			c = "\033[1m";
		} else if (in_diff && vp_startswith(line, "+++ ")) {
			c = "\033[1m";
		} else if (vp_startswith(line, "@@ ")) {
			in_diff = true;
			c = "\033[36m";
		} else if (in_diff && line[0] == '+') {
			c = "\033[32m";
		} else if (in_diff && line[0] == '-') {
			c = "\033[31m";
		} else if (in_diff && (line[0] == ' ' || line[0] == '\\')) {
			c = NULL;
		} else {
			in_diff = false;
		}
		fprintf(f, "%s%.*s%s\n", c ? c : "", (int)len, line, c ? "\033[0m" : "");
	}
}

/* A record with declared fields and no title that has no field to show in text. */
static bool record_cols_empty(const struct section *s, json_object *o)
{
	if (!s->cols || s->title)
		return false;
	for (size_t i = 0; i < s->n_cols; i++) {
		json_object *v = NULL;
		if (!(s->cols[i].flags & VP_COL_JSON_ONLY) && json_object_object_get_ex(o, s->cols[i].key, &v) && v)
			return false;
	}
	return true;
}

/* Text order: by place (vp_doc_text_at), a section moved to a place before the one added there. */
static int text_order(const void *a, const void *b)
{
	const struct section *x = *(const struct section *const *)a, *y = *(const struct section *const *)b;
	if (x->text_at != y->text_at)
		return x->text_at < y->text_at ? -1 : 1;
	if (x->moved != y->moved)
		return x->moved ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int render_text(struct vp_doc *d, FILE *f, bool color)
{
	bool need_gap = false;
	_cleanup_free_ struct section **order = calloc(d->n_secs ? d->n_secs : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_secs; i++)
		order[i] = &d->secs[i];
	qsort(order, d->n_secs, sizeof(*order), text_order);
	for (size_t i = 0; i < d->n_secs; i++) {
		struct section *s = order[i];
		if (s->kind == SEC_JSON)
			continue;
		if (s->kind == SEC_TABLE && !json_object_array_length(s->table->rows))
			continue;
		if (s->kind == SEC_LIST && !json_object_array_length(json_object_object_get(d->root, s->key)))
			continue;
		if (s->kind == SEC_RECORD && record_cols_empty(s, json_object_object_get(d->root, s->key)))
			continue;
		if (need_gap)
			fputc('\n', f);
		need_gap = true;
		switch (s->kind) {
		case SEC_TEXT:
			if (s->wrap)
				render_para(f, d, s);
			else
				render_paragraph(f, s->text, color);
			break;
		case SEC_RECORD:
			if (s->cols)
				render_record_cols(f, d, s, json_object_object_get(d->root, s->key));
			else
				render_record(f, d, s, json_object_object_get(d->root, s->key));
			break;
		case SEC_LIST:
			render_list(f, d, s, json_object_object_get(d->root, s->key));
			break;
		case SEC_TABLE:
			if (s->title) {
				_cleanup_free_ char *title = vp_text_sanitize(s->title, false);
				fprintf(f, "%s\n", title ? title : "");
			}
			if (s->table->style == VP_STYLE_CHECKLIST)
				render_checklist(f, s->table, color);
			else if (s->table->style == VP_STYLE_STEPS)
				render_steps(f, s->table, color);
			else
				render_table(f, s->table, 0);
			break;
		default:
			break;
		}
	}
	return ferror(f) ? -EIO : 0;
}

int vp_doc_render(struct vp_doc *d, FILE *f, enum vp_format fmt, bool color)
{
	if (d->format >= 0 && d->format != (int)fmt)
		return -EINVAL; /* built without the other format's cells */
	int e = fmt == VP_FORMAT_JSON ? render_json(d, f) : render_text(d, f, color);
	fflush(f);
	return e;
}
