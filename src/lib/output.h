/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One output model, two renderers. A command builds a document of sections
 * (records, tables, checklists, paragraphs) once; vp_doc_render() prints it
 * as a readable text table or as JSON. Column keys are the JSON keys; text
 * headers are derived from them unless given. Columns flagged TEXT_ONLY exist
 * only in text (e.g. a combined "vendor device [vvvv:dddd]" column), JSON_ONLY
 * only in JSON. Values are json-c objects: NULL renders as "-" in text and
 * null in JSON, booleans as yes/no.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

enum vp_format { VP_FORMAT_TEXT, VP_FORMAT_JSON };

enum vp_col_flags {
	VP_COL_TEXT_ONLY = 1u << 0,
	VP_COL_JSON_ONLY = 1u << 1,
	VP_COL_HIDE_REPEAT = 1u << 2, /* text: blank when equal to the previous row's value */
	VP_COL_SHRINK = 1u << 3,      /* text: shortened with "..." when the table is wider than the document's
				       * width; a trailing " [...]" (an id such as [10de:1e87]) is always kept */
	VP_COL_NARROW = 1u << 4,      /* text: when the table is wider than the document's width, the cells
				       * of the column KEY_short (flagged VP_COL_TEXT_ONLY | VP_COL_JSON_ONLY,
				       * shown nowhere itself) are shown instead: a shorter form, such as an
				       * address without its PCI domain */
	VP_COL_WRAP = 1u << 5,        /* text: when the table is still too wide, the column narrows (to 20
				       * at least) and its cells wrap onto further lines of the row */
	/* Fields of a record built with vp_doc_record_cols() (text; a field whose value is absent or
	 * null shows no line): */
	VP_COL_STEP = 1u << 6,        /* a numbered step, "N. ", continuation lines under its text */
	VP_COL_STEP_MORE = 1u << 7,   /* a further line of the step before it, indented to the step's text */
	VP_COL_SENTENCE = 1u << 8,    /* a sentence: a full stop added at its end; without a label, the
				       * first letter capitalised */
	VP_COL_PARENS = 1u << 9,      /* in parentheses: "(label: value.)" */
	VP_COL_ALIGN = 1u << 10,      /* the values of all ALIGN fields line up after their labels */
	VP_COL_WORDS = 1u << 11,      /* an array shown as words: joined by spaces (default ", ") */
	VP_COL_VERBATIM = 1u << 12,   /* VP_STYLE_STEPS: text shown as it is, from column 0, never wrapped
				       * (a diff; coloured as one with colour) */
};

struct vp_col {
	const char *key;
	const char *header; /* NULL: upper-case key */
	unsigned flags;
};

enum vp_table_style {
	VP_STYLE_TABLE,     /* aligned columns with a header line */
	VP_STYLE_CHECKLIST, /* "[PASS] id  summary" with an indented "fix:" line; keys id, level, summary, fix */
	VP_STYLE_STEPS,     /* one paragraph per row: "N. " and its first text column, wrapped under its text;
			     * each further text column with a value on its own lines, indented likewise
			     * (VP_COL_PARENS: in parentheses; VP_COL_VERBATIM: as it is) */
};

struct vp_doc;
struct vp_table;

struct vp_doc *vp_doc_new(void);
/* Optional: the one format the document will be rendered in. Builders may then skip the
 * cells of columns that format does not show (vp_table_shows); rendering in the other
 * format is refused (-EINVAL). */
void vp_doc_set_format(struct vp_doc *d, enum vp_format fmt);
struct vp_doc *vp_doc_free(struct vp_doc *d);
/* Text: the width to fit (the terminal's columns); 0, the default, means no limit (piped output
 * stays whole). Tables then shorten VP_COL_SHRINK cells, and checklist summaries, record values
 * and group lines wrap with a hanging indent. */
void vp_doc_set_width(struct vp_doc *d, unsigned width);
static inline void vp_doc_freep(struct vp_doc **d) { vp_doc_free(*d); }

/* A key/value object: JSON {"key": {...}}; text "Title:" and "  key: value" lines
 * (or, with title NULL, no heading). Returns the borrowed object to fill. */
json_object *vp_doc_record(struct vp_doc *d, const char *key, const char *title);
/*
 * A record with declared fields (cols, in order; the record keeps the pointer: static columns).
 * JSON {"key": {...}} without its TEXT_ONLY fields. Text: the title (if any), then one line per
 * field that is not JSON_ONLY and has a value: "label: value", the label being the header
 * ("" for none; NULL: the key, '_' as ' '), laid out by the VP_COL_STEP..VP_COL_WORDS flags and
 * wrapped at the document's width with a hanging indent. Returns the borrowed object to fill
 * (vp_row_* in column order).
 */
json_object *vp_doc_record_cols(struct vp_doc *d, const char *key, const char *title, const struct vp_col *cols,
				size_t n_cols);
/* A list of strings: JSON {"key": [...]}; text, when it is not empty, "title:" and one "  - item"
 * line per item, wrapped at the document's width under the item's first word. */
void vp_doc_list(struct vp_doc *d, const char *key, const char *title, char *const *v);
/* Notes: JSON {"key": [...]}; text one "note: item" line per item, wrapped under the item's text. */
void vp_doc_notes(struct vp_doc *d, const char *key, char *const *v);
/* Words: JSON {"key": [...]}; text, when there are any, "label: w1 w2 ...", wrapped at the width. */
void vp_doc_words(struct vp_doc *d, const char *key, const char *label, char *const *v);
/* A paragraph in text only, each line wrapped at the document's width: continuation lines
 * indented by hang columns more than the line's own indent. Lines starting with "N. " hang
 * under the text after the number. */
void vp_doc_para(struct vp_doc *d, unsigned hang, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Text order apart from JSON order: vp_doc_mark() names the place where the next section will
 * go; vp_doc_text_at() shows the section of key (added before or after) at that place in text,
 * before the section that was added there (sections moved to one place keep the order they were
 * added in). JSON keeps the order the sections were added in.
 */
size_t vp_doc_mark(const struct vp_doc *d);
void vp_doc_text_at(struct vp_doc *d, const char *key, size_t mark);
/* A table: JSON {"key": [rows]}; text: optional title then the aligned table. */
struct vp_table *vp_doc_table(struct vp_doc *d, const char *key, const char *title,
			      const struct vp_col *cols, size_t n_cols, enum vp_table_style style);
/* A value in JSON only ({"key": value}); takes ownership of v. */
void vp_doc_json(struct vp_doc *d, const char *key, json_object *v);
/* A paragraph in text only. */
void vp_doc_text(struct vp_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds a row and returns it (borrowed); fill it with vp_row_* in column order. */
json_object *vp_table_row(struct vp_table *t);
size_t vp_table_n_rows(const struct vp_table *t);
/* False when the document's format is set and the column key is only for the other format. */
bool vp_table_shows(const struct vp_table *t, const char *key);
/* A nested table inside a row: JSON an array under key; text indented rows under the parent. */
struct vp_table *vp_row_table(struct vp_table *parent, json_object *row, const char *key,
			      const struct vp_col *cols, size_t n_cols);

void vp_row_str(json_object *row, const char *key, const char *s); /* NULL -> null */
void vp_row_int(json_object *row, const char *key, long long v);
void vp_row_int_opt(json_object *row, const char *key, long long v); /* < 0 -> null */
void vp_row_bool(json_object *row, const char *key, bool v);
void vp_row_strv(json_object *row, const char *key, char *const *v); /* JSON array; text comma list */
/* A new JSON array of the strings of v (NULL: empty array). */
json_object *vp_json_strv(char *const *v);
void vp_row_take(json_object *row, const char *key, json_object *v);
/* vp_row_take() of a key the row does not hold yet: json-c then does not look for it (a row of
 * thousands filled with these skips a lookup per cell). A key added twice would be there twice. */
void vp_row_take_new(json_object *row, const char *key, json_object *v);

/* Row keys must be string literals: json-c keeps them without a copy. These macros make
 * anything else a compile error. */
#define vp_row_table(parent, row, key, cols, n_cols) vp_row_table(parent, row, "" key, cols, n_cols)
#define vp_row_str(row, key, s) vp_row_str(row, "" key, s)
#define vp_row_int(row, key, v) vp_row_int(row, "" key, v)
#define vp_row_int_opt(row, key, v) vp_row_int_opt(row, "" key, v)
#define vp_row_bool(row, key, v) vp_row_bool(row, "" key, v)
#define vp_row_strv(row, key, v) vp_row_strv(row, "" key, v)
#define vp_row_take(row, key, v) vp_row_take(row, "" key, v)
#define vp_row_take_new(row, key, v) vp_row_take_new(row, "" key, v)

/*
 * Text that is safe for a terminal: control characters (C0, DEL, C1) and bytes that are not
 * UTF-8 become visible escapes ("\x1b"); keep_newlines keeps '\n' and '\t' (paragraphs).
 * Returns a new string (NULL only when out of memory).
 */
char *vp_text_sanitize(const char *s, bool keep_newlines);
/* Columns s takes on a terminal: UTF-8 code points (each counted as one column). */
size_t vp_text_width(const char *s);

/* Renders the document. JSON is pretty-printed with two spaces and a final newline; strings that
 * are not valid UTF-8 have each offending byte replaced by U+FFFD, and control characters are
 * escaped (docs/json.md). Text passes every string through vp_text_sanitize; with color, checklist
 * levels and unified diffs inside paragraphs are coloured. */
int vp_doc_render(struct vp_doc *d, FILE *f, enum vp_format fmt, bool color);
