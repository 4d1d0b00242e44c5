/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GRUB's defaults, evaluated as the shell does (see grubdefault.h). */
#include "grubdefault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"
#include "kargs.h"
#include "util.h"

static const char *const watched[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT", NULL };

struct var {
	char *name;
	char *value;   /* NULL: unknown (why says so) */
	char *why;
	char *from;    /* label of the file that assigned it last */
};

struct asg {           /* the last assignment of the target variable in the text */
	bool found;
	size_t vs, ve;     /* raw value span */
	char kind;         /* last segment: '"', '\'', 'u' (unquoted), 0 (empty value) */
	size_t close;      /* offset of the last segment's closing quote */
	int depth;
	int line;
	char *value;       /* evaluated (NULL: unknown) */
};

struct sh {
	const char *s;
	size_t len, i;
	int line;
	const char *label;
	struct var *vars;
	size_t n_vars;
	int depth;
	char *unsafe;      /* a reason that makes every variable unknown */
	const char *target;
	struct asg last;
};

static bool is_watched(const char *name)
{
	for (size_t i = 0; watched[i]; i++)
		if (streq(watched[i], name))
			return true;
	return false;
}

static struct var *var_get(struct sh *sh, const char *name, size_t nl)
{
	for (size_t i = 0; i < sh->n_vars; i++)
		if (strlen(sh->vars[i].name) == nl && strncmp(sh->vars[i].name, name, nl) == 0)
			return &sh->vars[i];
	return NULL;
}

static int var_set(struct sh *sh, const char *name, size_t nl, char *value, char *why)
{
	struct var *v = var_get(sh, name, nl);
	if (!v) {
		struct var *nv = realloc(sh->vars, (sh->n_vars + 1) * sizeof(*nv));
		if (!nv) {
			free(value);
			free(why);
			return -ENOMEM;
		}
		sh->vars = nv;
		v = &nv[sh->n_vars++];
		*v = (struct var){ .name = strndup(name, nl) };
	}
	free(v->value);
	free(v->why);
	free(v->from);
	v->value = value;
	v->why = why;
	v->from = strdup(sh->label);
	return v->name ? 0 : -ENOMEM;
}

static void sh_unsafe(struct sh *sh, const char *fmt, const char *what)
{
	if (!sh->unsafe)
		sh->unsafe = vp_strdup_printf("%s line %d: %s", sh->label, sh->line, what ? what : fmt);
}

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* The state of one word being evaluated. */
struct word {
	struct vp_buf val;
	char *why;         /* set: the value cannot be known */
	char kind;
	size_t close;
	bool any;
};

static void word_unknown(struct sh *sh, struct word *w, const char *what)
{
	if (!w->why)
		w->why = vp_strdup_printf("%s line %d: %s", sh->label, sh->line, what);
}

/* Skips a command substitution starting at sh->i ("$(" or "`"), counting parentheses and quotes. */
static void skip_subst(struct sh *sh, bool backquote)
{
	if (backquote) {
		for (sh->i++; sh->i < sh->len && sh->s[sh->i] != '`'; sh->i++) {
			if (sh->s[sh->i] == '\\')
				sh->i++;
			else if (sh->s[sh->i] == '\n')
				sh->line++;
		}
		sh->i = sh->i + 1 < sh->len ? sh->i + 1 : sh->len;
		return;
	}
	int d = 0;
	char q = 0;
	for (; sh->i < sh->len; sh->i++) {
		char c = sh->s[sh->i];
		if (c == '\n')
			sh->line++;
		if (q) {
			if (c == '\\' && q == '"')
				sh->i++;
			else if (c == q)
				q = 0;
			continue;
		}
		if (c == '\\')
			sh->i++;
		else if (c == '"' || c == '\'')
			q = c;
		else if (c == '(')
			d++;
		else if (c == ')' && --d == 0) {
			sh->i++;
			return;
		}
	}
	if (sh->i > sh->len)
		sh->i = sh->len;
}

/* $... at sh->i: appends the expansion to w (or marks it unknown). */
static void expand(struct sh *sh, struct word *w)
{
	const char *s = sh->s;
	size_t i = sh->i + 1;
	if (i < sh->len && s[i] == '(') {
		sh->i++;
		skip_subst(sh, false);
		word_unknown(sh, w, "a command substitution $(...) decides the value");
		return;
	}
	if (i < sh->len && s[i] == '{') {
		size_t n = i + 1, e = n;
		while (e < sh->len && name_char(s[e], e == n))
			e++;
		if (e < sh->len && s[e] == '}' && e > n) {
			struct var *v = var_get(sh, s + n, e - n);
			if (v && !v->value)
				word_unknown(sh, w, v->why ? v->why : "an unknown variable");
			else if (v)
				vp_buf_puts(&w->val, v->value);
			sh->i = e + 1;
			return;
		}
		while (e < sh->len && s[e] != '}')
			e++;
		sh->i = e < sh->len ? e + 1 : e;
		word_unknown(sh, w, "a ${VAR...} operator decides the value");
		return;
	}
	size_t e = i;
	while (e < sh->len && name_char(s[e], e == i))
		e++;
	if (e == i) {
		if (i < sh->len && strchr("0123456789@*#?$!-", s[i])) {
			sh->i = i + 1;
			word_unknown(sh, w, "a special parameter ($1, $@, ...) decides the value");
			return;
		}
		vp_buf_puts(&w->val, "$"); /* a lone $ is literal */
		sh->i = i;
		return;
	}
	struct var *v = var_get(sh, s + i, e - i);
	if (v && !v->value)
		word_unknown(sh, w, v->why ? v->why : "an unknown variable");
	else if (v)
		vp_buf_puts(&w->val, v->value);
	sh->i = e;
}

static bool word_end(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' ||
	       c == '(' || c == ')';
}

/* Reads one word at sh->i, evaluating it. Returns false at an unterminated quote (sh->unsafe set). */
static bool read_word(struct sh *sh, struct word *w)
{
	const char *s = sh->s;
	while (sh->i < sh->len && !word_end(s[sh->i])) {
		char c = s[sh->i];
		w->any = true;
		if (c == '\\') {
			if (sh->i + 1 < sh->len && s[sh->i + 1] == '\n') {
				sh->line++;
				sh->i += 2;
				continue;
			}
			if (sh->i + 1 < sh->len)
				vp_buf_append(&w->val, s + sh->i + 1, 1);
			sh->i = sh->i + 2 < sh->len ? sh->i + 2 : sh->len;
			w->kind = 'u';
		} else if (c == '\'') {
			const char *q = memchr(s + sh->i + 1, '\'', sh->len - sh->i - 1);
			if (!q) {
				sh_unsafe(sh, NULL, "a single quote is never closed");
				sh->i = sh->len;
				return false;
			}
			for (const char *x = s + sh->i + 1; x < q; x++)
				sh->line += *x == '\n';
			vp_buf_append(&w->val, s + sh->i + 1, (size_t)(q - s - sh->i - 1));
			w->kind = '\'';
			w->close = (size_t)(q - s);
			sh->i = w->close + 1;
		} else if (c == '"') {
			sh->i++;
			bool closed = false;
			while (sh->i < sh->len) {
				char d = s[sh->i];
				if (d == '"') {
					closed = true;
					break;
				}
				if (d == '\\' && sh->i + 1 < sh->len && strchr("$`\"\\\n", s[sh->i + 1])) {
					if (s[sh->i + 1] == '\n')
						sh->line++;
					else
						vp_buf_append(&w->val, s + sh->i + 1, 1);
					sh->i += 2;
				} else if (d == '$') {
					expand(sh, w);
				} else if (d == '`') {
					skip_subst(sh, true);
					word_unknown(sh, w, "a command substitution `...` decides the value");
				} else {
					sh->line += d == '\n';
					vp_buf_append(&w->val, &d, 1);
					sh->i++;
				}
			}
			if (!closed) {
				sh_unsafe(sh, NULL, "a double quote is never closed");
				return false;
			}
			w->kind = '"';
			w->close = sh->i;
			sh->i++;
		} else if (c == '$') {
			expand(sh, w);
			w->kind = 'u';
		} else if (c == '`') {
			skip_subst(sh, true);
			word_unknown(sh, w, "a command substitution `...` decides the value");
			w->kind = 'u';
		} else {
			vp_buf_append(&w->val, &c, 1);
			sh->i++;
			w->kind = 'u';
		}
	}
	return true;
}

static bool word_is(const struct word *w, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (w->val.data && streq(w->val.data, set[i]))
			return true;
	return false;
}

static int sh_run(struct sh *sh)
{
	static const char *const open_kw[] = { "if", "case", "for", "while", "until", "{", NULL };
	static const char *const close_kw[] = { "fi", "esac", "done", "}", NULL };
	static const char *const cont_kw[] = { "then", "else", "elif", "do", "export", "readonly", "local", "!", NULL };
	static const char *const source_kw[] = { ".", "source", "eval", NULL };
	bool in_cmd = false;
	const char *s = sh->s;
	while (sh->i < sh->len) {
		char c = s[sh->i];
		if (c == ' ' || c == '\t') {
			sh->i++;
			continue;
		}
		if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
			sh->line += c == '\n';
			in_cmd = false;
			sh->i++;
			continue;
		}
		if (c == '<' || c == '>') {
			sh->i++;
			continue;
		}
		if (c == '#') {
			const char *nl = memchr(s + sh->i, '\n', sh->len - sh->i);
			sh->i = nl ? (size_t)(nl - s) : sh->len;
			continue;
		}
		if (c == '\\' && sh->i + 1 < sh->len && s[sh->i + 1] == '\n') {
			sh->i += 2;
			sh->line++;
			continue;
		}
		/* an assignment: NAME=word, where no command word came before in this statement */
		size_t n = sh->i;
		while (n < sh->len && name_char(s[n], n == sh->i))
			n++;
		if (!in_cmd && n > sh->i && n < sh->len && s[n] == '=') {
			const char *name = s + sh->i;
			size_t nl = n - sh->i;
			int line = sh->line;
			sh->i = n + 1;
			struct word w = { .kind = 0 };
			size_t vs = sh->i;
			if (!read_word(sh, &w)) {
				vp_buf_free(&w.val);
				free(w.why);
				return 0;
			}
			char *value = w.why ? NULL : vp_buf_steal(&w.val);
			vp_buf_free(&w.val);
			if (!w.why && !value)
				return -ENOMEM;
			_cleanup_free_ char *nm = strndup(name, nl);
			if (!nm)
				return -ENOMEM;
			if (sh->depth > 0 && is_watched(nm) && !w.why)
				w.why = vp_strdup_printf("%s line %d: %s is assigned inside an if/case/for block", sh->label, line, nm);
			if (sh->target && streq(nm, sh->target)) {
				free(sh->last.value);
				sh->last = (struct asg){ .found = true, .vs = vs, .ve = sh->i, .kind = w.kind, .close = w.close,
							 .depth = sh->depth, .line = line, .value = value ? strdup(value) : NULL };
			}
			if (var_set(sh, name, nl, w.why ? NULL : value, w.why) < 0)
				return -ENOMEM;
			if (w.why)
				free(value);
			continue;
		}
		struct word w = { 0 };
		bool first = !in_cmd;
		if (!read_word(sh, &w)) {
			vp_buf_free(&w.val);
			free(w.why);
			return 0;
		}
		if (!w.any) { /* a character no word takes: skip it */
			sh->i++;
			vp_buf_free(&w.val);
			free(w.why);
			continue;
		}
		if (first && w.val.data) {
			if (word_is(&w, open_kw)) {
				sh->depth++;
			} else if (word_is(&w, close_kw)) {
				if (sh->depth > 0)
					sh->depth--;
			} else if (word_is(&w, source_kw)) {
				_cleanup_free_ char *what = vp_strdup_printf("`%s` runs or sources other code, which may set the "
									     "kernel command line", w.val.data);
				sh_unsafe(sh, NULL, what);
			}
			in_cmd = !word_is(&w, open_kw) && !word_is(&w, close_kw) && !word_is(&w, cont_kw);
		}
		vp_buf_free(&w.val);
		free(w.why);
	}
	return 0;
}

static void sh_done(struct sh *sh)
{
	for (size_t i = 0; i < sh->n_vars; i++) {
		free(sh->vars[i].name);
		free(sh->vars[i].value);
		free(sh->vars[i].why);
		free(sh->vars[i].from);
	}
	free(sh->vars);
	free(sh->unsafe);
	free(sh->last.value);
}

void vp_grub_defaults_done(struct vp_grub_defaults *g)
{
	vp_strv_free(g->files);
	free(g->linux_);
	free(g->linux_default);
	free(g->default_from);
	free(g->linux_from);
	free(g->unsafe);
	*g = (struct vp_grub_defaults){ 0 };
}

int vp_grub_defaults_read(struct vp_root *root, const char *skip, struct vp_grub_defaults *g)
{
	*g = (struct vp_grub_defaults){ 0 };
	char **files = NULL;
	if (vp_root_exists(root, VP_GRUB_DEFAULT) > 0)
		vp_strv_push(&files, VP_GRUB_DEFAULT);
	_cleanup_strv_free_ char **names = NULL;
	if (vp_root_list(root, VP_GRUB_DEFAULT_DIR, &names) == 0) {
		g->dropin_dir = true;
		/* grub-mkconfig: for x in ${sysconfdir}/default/grub.d/NAME.cfg — the shell's glob order; vp_root_list sorts
		 * bytewise, as the C locale does */
		for (size_t i = 0; names[i]; i++) {
			size_t l = strlen(names[i]);
			if (l < 4 || !streq(names[i] + l - 4, ".cfg"))
				continue;
			_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", VP_GRUB_DEFAULT_DIR, names[i]);
			if (rel && (!skip || !streq(rel, skip)))
				vp_strv_push(&files, rel);
		}
	}
	g->files = files ? files : calloc(1, sizeof(char *));
	if (!files && !g->dropin_dir)
		return -ENOENT;
	struct sh sh = { 0 };
	for (size_t f = 0; g->files[f] && !sh.unsafe; f++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		_cleanup_free_ char *label = vp_strdup_printf("/%s", g->files[f]);
		int e = vp_root_read_file(root, g->files[f], VP_BOOTCFG_MAX, &text, &len);
		if (e < 0) {
			g->unsafe = vp_strdup_printf("%s cannot be read (%s)", label, strerror(-e));
			break;
		}
		if (vp_bytes_have_nul(text, len)) {
			g->unsafe = vp_strdup_printf("%s holds a NUL byte, so it is not a shell script vfio-pilot can edit "
						     "safely; remove the NUL byte (for example with `tr -d '\\000'`)", label);
			g->nul = true;
			break;
		}
		sh.s = text;
		sh.len = len;
		sh.i = 0;
		sh.line = 1;
		sh.depth = 0;
		sh.label = label;
		if (sh_run(&sh) < 0) {
			sh_done(&sh);
			return -ENOMEM;
		}
		sh.s = NULL;
		sh.label = NULL;
	}
	if (!g->unsafe && sh.unsafe)
		g->unsafe = TAKE_PTR(sh.unsafe);
	for (size_t k = 0; watched[k] && !g->unsafe; k++) {
		struct var *v = var_get(&sh, watched[k], strlen(watched[k]));
		if (v && !v->value)
			g->unsafe = vp_strdup_printf("%s: vfio-pilot cannot tell the value of %s without running the file",
						     v->why ? v->why : "", watched[k]);
		char **val = k == 0 ? &g->linux_ : &g->linux_default;
		char **from = k == 0 ? &g->linux_from : &g->default_from;
		*val = strdup(v && v->value ? v->value : "");
		*from = v && v->from ? strdup(v->from) : NULL;
	}
	if (!g->linux_)
		g->linux_ = strdup("");
	if (!g->linux_default)
		g->linux_default = strdup("");
	sh_done(&sh);
	return g->linux_ && g->linux_default ? 0 : -ENOMEM;
}

static int eval_one(struct sh *sh, const char *text, size_t len, const char *label, const char *var, const char *before)
{
	*sh = (struct sh){ .s = text, .len = len, .line = 1, .label = label, .target = var };
	if (before && var_set(sh, var, strlen(var), strdup(before), NULL) < 0)
		return -ENOMEM;
	if (vp_bytes_have_nul(text, len)) {
		sh->unsafe = vp_strdup_printf("%s holds a NUL byte, so it is not a shell script vfio-pilot can edit safely; "
					      "remove the NUL byte", label);
		return 0;
	}
	return sh_run(sh);
}

int vp_grub_eval_var(const char *text, size_t len, const char *label, const char *var, const char *before,
		     char **ret, char **ret_unsafe)
{
	struct sh sh;
	*ret = NULL;
	*ret_unsafe = NULL;
	int e = eval_one(&sh, text, len, label, var, before);
	if (e >= 0) {
		struct var *v = var_get(&sh, var, strlen(var));
		if (sh.unsafe)
			*ret_unsafe = TAKE_PTR(sh.unsafe);
		else if (v && !v->value)
			*ret_unsafe = strdup(v->why ? v->why : "unknown value");
		else if (sh.last.found && sh.last.depth > 0)
			*ret_unsafe = vp_strdup_printf("%s line %d: %s is assigned inside an if/case/for block", label,
						       sh.last.line, var);
		else if (v)
			*ret = strdup(v->value);
	}
	sh_done(&sh);
	return e;
}

static bool plain_word(const char *w)
{
	return *w && !strpbrk(w, "\"'$`\\ \t\n;&|<>(){}*?[]#~");
}

int vp_grub_edit_var(const char *text, size_t len, const char *label, const char *var, const char *before,
		     char *const *args, char **ret, size_t *ret_len, char **ret_unsafe)
{
	*ret_unsafe = NULL;
	for (size_t i = 0; args && args[i]; i++)
		if (!plain_word(args[i])) {
			*ret_unsafe = vp_strdup_printf("the argument %s needs shell quoting; add it to %s in %s yourself", args[i],
						       var, label);
			return -EINVAL;
		}
	struct sh sh;
	int e = eval_one(&sh, text, len, label, var, before);
	if (e < 0) {
		sh_done(&sh);
		return e;
	}
	struct var *v = var_get(&sh, var, strlen(var));
	if (sh.unsafe)
		*ret_unsafe = TAKE_PTR(sh.unsafe);
	else if (v && !v->value)
		*ret_unsafe = vp_strdup_printf("%s; vfio-pilot cannot tell the value of %s, so it does not edit it", v->why, var);
	else if (sh.last.found && sh.last.depth > 0)
		*ret_unsafe = vp_strdup_printf("%s line %d: %s is assigned inside an if/case/for block, so vfio-pilot does not "
					       "edit it", label, sh.last.line, var);
	if (*ret_unsafe) {
		sh_done(&sh);
		return -EINVAL;
	}
	_cleanup_free_ char *join = vp_strv_join((char **)args, " ");
	struct vp_buf b = { 0 };
	if (sh.last.found) {
		const char *val = sh.last.value ? sh.last.value : "";
		size_t vl = strlen(val);
		const char *sep = vl && val[vl - 1] != ' ' && val[vl - 1] != '\t' ? " " : "";
		const char *raw = text + sh.last.vs;
		size_t rl = sh.last.ve - sh.last.vs;
		_cleanup_free_ char *rawz = strndup(raw, rl);
		if (sh.last.kind == '"' || sh.last.kind == '\'') {
			vp_buf_append(&b, text, sh.last.close);
			vp_buf_printf(&b, "%s%s", sep, join ? join : "");
			vp_buf_append(&b, text + sh.last.close, len - sh.last.close);
		} else if (rl && rawz && plain_word(rawz)) {
			vp_buf_append(&b, text, sh.last.vs);
			vp_buf_printf(&b, "\"%s%s%s\"", rawz, sep, join ? join : "");
			vp_buf_append(&b, text + sh.last.ve, len - sh.last.ve);
		} else {
			vp_buf_append(&b, text, sh.last.ve);
			vp_buf_printf(&b, "\"%s%s\"", sep, join ? join : "");
			vp_buf_append(&b, text + sh.last.ve, len - sh.last.ve);
		}
	} else {
		vp_buf_append(&b, text, len);
		if (b.len && b.data[b.len - 1] != '\n')
			vp_buf_puts(&b, "\n");
		const char *cur = v && v->value ? v->value : "";
		if (*cur)
			vp_buf_printf(&b, "%s=\"$%s %s\"\n", var, var, join ? join : "");
		else
			vp_buf_printf(&b, "%s=\"%s\"\n", var, join ? join : "");
	}
	sh_done(&sh);
	*ret_len = b.len;
	return (*ret = vp_buf_steal(&b)) ? 0 : -ENOMEM;
}

char *vp_grub_dropin_text(const char *var, char *const *args)
{
	_cleanup_free_ char *join = vp_strv_join((char **)args, " ");
	return vp_strdup_printf("# Written by vfio-pilot: the kernel arguments for GPU passthrough, added to the value that\n"
				"# /etc/default/grub and the drop-ins sorted before this one set. grub-mkconfig sources this\n"
				"# directory in glob order, after /etc/default/grub. `vfio-pilot undo` removes this file.\n"
				"%s=\"$%s %s\"\n", var, var, join ? join : "");
}
