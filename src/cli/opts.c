/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option errors shared by every command: "needs a value", "unknown option ... did you mean". */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../lib/util.h"

/* The options main.c takes anywhere on the line; suggested for a mistyped option of any command. */
static const char *const global_opts[] = { "--root", "--json", "--color", "--no-color", "--no-pager", "--verbose", "--version", "--help", NULL };

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), capped inputs. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return (size_t)-1;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *vp_cli_suggest(const char *word, const char *const *cands)
{
	if (!word || !*word)
		return NULL;
	size_t len = strlen(word);
	/* One edit for short words, two for longer ones; a word of 3+ letters that starts a candidate counts as one. */
	size_t limit = len <= 4 ? 1 : 2, best = (size_t)-1;
	const char *pick = NULL;
	bool tie = false;
	for (size_t i = 0; cands && cands[i]; i++) {
		size_t d = edit_distance(word, cands[i]);
		if (len >= 3 && vp_startswith(cands[i], word) && d > 1)
			d = 1;
		if (d > limit)
			continue;
		if (d < best) {
			best = d;
			pick = cands[i];
			tie = false;
		} else if (d == best && !streq(pick, cands[i])) {
			tie = true;
		}
	}
	return tie ? NULL : pick;
}

/* "--NAME" of each long option, then the global options; names holds the strings. */
static void collect(const struct option *longopts, char names[][48], size_t n_names, const char **out)
{
	size_t n = 0;
	for (size_t i = 0; longopts && longopts[i].name && n < n_names; i++) {
		snprintf(names[n], 48, "--%s", longopts[i].name);
		out[n] = names[n];
		n++;
	}
	for (size_t i = 0; global_opts[i]; i++)
		out[n++] = global_opts[i];
	out[n] = NULL;
}

int vp_cli_opt_error(const char *cmd, int argc, char *argv[], const char *shortopts, const struct option *longopts)
{
	const char *arg = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : NULL;
	if (arg && vp_startswith(arg, "--") && arg[2]) {
		const char *name = arg + 2;
		size_t len = strcspn(name, "=");
		/* getopt accepts unique prefixes; a required option that matched and has no value is "missing". */
		const struct option *hit = NULL;
		int matches = 0;
		for (size_t i = 0; longopts && longopts[i].name; i++) {
			if (strncmp(longopts[i].name, name, len))
				continue;
			if (strlen(longopts[i].name) == len) {
				hit = &longopts[i];
				matches = 1;
				break;
			}
			hit = &longopts[i];
			matches++;
		}
		if (matches == 1 && hit->has_arg == required_argument && !name[len]) {
			vp_cli_error("%s: --%s needs a value", cmd, hit->name);
			return vp_cli_usage(cmd);
		}
		if (matches == 1 && hit->has_arg == no_argument && name[len] == '=') {
			vp_cli_error("%s: --%s takes no value", cmd, hit->name);
			return vp_cli_usage(cmd);
		}
		if (matches > 1) {
			vp_cli_error("%s: option '%.*s' is ambiguous; write it out in full", cmd, (int)len + 2, arg);
			return vp_cli_usage(cmd);
		}
		char names[64][48];
		const char *cands[64 + ARRAY_SIZE(global_opts)];
		collect(longopts, names, 64, cands);
		char word[64];
		snprintf(word, sizeof(word), "%.*s", (int)len + 2, arg);
		const char *s = vp_cli_suggest(word, cands);
		if (s)
			vp_cli_error("%s: unknown option '%s'; did you mean '%s'?", cmd, word, s);
		else
			vp_cli_error("%s: unknown option '%s'", cmd, word);
		return vp_cli_usage(cmd);
	}
	int c = optopt;
	const char *p = c && shortopts ? strchr(shortopts, c) : NULL;
	if (p && p[1] == ':') {
		const char *lname = NULL;
		for (size_t i = 0; longopts && longopts[i].name; i++)
			if (longopts[i].val == c && longopts[i].has_arg == required_argument)
				lname = longopts[i].name;
		if (lname)
			vp_cli_error("%s: -%c (--%s) needs a value", cmd, c, lname);
		else
			vp_cli_error("%s: -%c needs a value", cmd, c);
	} else if (c) {
		vp_cli_error("%s: unknown option '-%c'", cmd, c);
	} else {
		vp_cli_error("%s: unknown option '%s'", cmd, arg ? arg : "?");
	}
	return vp_cli_usage(cmd);
}
