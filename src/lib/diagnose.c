/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the matching engine (see diagnose.h): compiles the catalog
 * (diagnose-catalog.c), scans text for its anchors, parses the few lines that
 * hold one (logline.h), matches them and folds the findings. Knows nothing of
 * the host and writes no texts: diagnose-fix.c does that.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose.h"
#include "logline.h"

/* ---- scanner state ---- */

#define MAX_ANCHORS 128
#define MAX_FINDINGS 512
#define MAX_HOSTDRV 64
#define TEXT_MAX 1024
#define MSG_MAX 4096
#define BUF_SIZE (1u << 20)
#define HASH_BITS 16
#define HASH_SIZE (1u << HASH_BITS) /* Wu-Manber block hash table */
#define VP_DIAG_MAX_HINTS 32

struct hostdrv {
	char addr[VP_PCI_ADDR_LEN];
	char driver[32];
	char *source;
	unsigned long line;
	char *text;
};

struct vp_diag {
	/* anchors: unique strings; patterns and hints refer to them by index */
	const char *anchors[MAX_ANCHORS];
	size_t anchor_len[MAX_ANCHORS];
	uint64_t anchor_head[MAX_ANCHORS]; /* first 8 bytes, for a cheap first compare */
	size_t anchor_off[MAX_ANCHORS];  /* where the anchor's m-byte window (the part the scan hashes) starts */
	size_t n_anchors;
	size_t m;                       /* shortest anchor: the Wu-Manber window */
	uint8_t *shift;                 /* [HASH_SIZE] */
	int16_t *first;                 /* [HASH_SIZE] anchors whose window ends with this block */
	int16_t next[MAX_ANCHORS];
	uint64_t tail6[1024];           /* a bit per hash of the 6 bytes some anchor window ends with */
	/* per catalog pattern: anchor index and compiled regex */
	size_t n_pats;
	int *pat_anchor;
	regex_t *pat_re;
	const struct vp_diag_pattern **pat;
	size_t *pat_entry;
	int hint_anchor[VP_DIAG_MAX_HINTS];

	char *buf;                      /* BUF_SIZE read buffer */
	char msg[MSG_MAX];
	bool present[MAX_ANCHORS];
	unsigned long lineno;           /* number of the next line of the current fd */

	struct vp_finding findings[MAX_FINDINGS];
	size_t n_findings;
	uint64_t limit;                 /* bytes read at most from one fd */
	struct vp_diag_stats stats;

	unsigned fb_seen;
	bool dmar_parser;
	bool dmar_active;
	char *dmar_source;
	unsigned long dmar_line;
	char *dmar_text;
	struct hostdrv hostdrv[MAX_HOSTDRV];
	size_t n_hostdrv;
	char **sources;                 /* interned source names (few) */
};

static int anchor_index(struct vp_diag *d, const char *a)
{
	for (size_t i = 0; i < d->n_anchors; i++)
		if (streq(d->anchors[i], a))
			return (int)i;
	if (d->n_anchors >= MAX_ANCHORS || strlen(a) < 13 || strchr(a, '\n'))
		return -EINVAL; /* the scan cuts the text at line starts: an anchor lies inside one line */
	d->anchors[d->n_anchors] = a;
	d->anchor_len[d->n_anchors] = strlen(a);
	memcpy(&d->anchor_head[d->n_anchors], a, 8);
	return (int)d->n_anchors++;
}

/* Wu-Manber blocks are 3 bytes, hashed to 16 bits: with 2-byte blocks a common pair at the end of some anchor
 * ("ng", "d ") stopped the scan every few bytes. */
static inline uint16_t block_hash(uint32_t v)
{
	return (uint16_t)(((v & 0xffffffu) * 2654435761u) >> (32 - HASH_BITS));
}

static inline uint16_t block_at(const char *p)
{
	uint32_t v = (uint32_t)(uint8_t)p[0] | (uint32_t)(uint8_t)p[1] << 8 | (uint32_t)(uint8_t)p[2] << 16;
	return block_hash(v);
}

/* The block ending at p[i] when 4 bytes before it may be read (i >= 3): one unaligned load. */
static inline uint16_t block_end(const char *p, size_t i)
{
	uint32_t v;
	memcpy(&v, p + i - 3, 4);
	return block_hash(v >> 8); /* little endian: the top three bytes are p[i-2..i] */
}

/* The hash of the 6 bytes ending at p[i] (i >= 7): one unaligned load. */
static inline uint16_t tail6_at(const char *p, size_t i)
{
	uint64_t v;
	memcpy(&v, p + i - 7, 8);
	return (uint16_t)(((v >> 16) * 0x9e3779b97f4a7c15ull) >> 48);
}

static inline bool tail6_has(const struct vp_diag *d, uint16_t h)
{
	return (d->tail6[h >> 6] >> (h & 63)) & 1;
}

/* How common a byte is in log text (higher: more common), for choosing anchor windows. */
static size_t char_score(char c)
{
	if (c >= '0' && c <= '9')
		return 6;
	if (c == ' ' || c == ':')
		return 6;
	if (c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == '(' || c == ')' || c == '=' || c == ',')
		return 4;
	if (strchr("etaoinsr", c))
		return 4;
	if (c >= 'a' && c <= 'z')
		return 2;
	return 1;
}

/* Trigrams frequent in kernel and daemon logs (English words, "device", "error", addresses). */
static bool common_trigram(const char *w)
{
	static const char *const tri[] = {
		"dev", "evi", "vic", "ice", "ing", "ion", "tio", "ent", "err", "rro", "ror", "the", "and", "for", "ver",
		"ter", "ons", "ati", "con", "sta", "ate", "res", "ed ", "ng ", "on ", "es ", "er ", "ce ", "ice", "ble",
		"abl", "ena", "nab", "led", "is ", " to", "to ", "ion", "ed:", "000", "00:", "0:0", ":00", "0.0", "d 0",
		"e 0", "r 0", ": 0", "ory", "mor", "emo", "men", "nt ", "int", "ini", "ail", "fai", "led", "ile", "fil",
		"ead", "rea", "set", "ese", "ype", "typ", "pe ", "han", "nge", "cha", "use", "ser", "est", "por", "ort",
		"rt ", "sup", "upp", "ppo", "mod", "ode", "de ", "ule", "dul", "sys", "yst", "tem", "rvi", "ser", "ice",
	};
	for (size_t i = 0; i < sizeof(tri) / sizeof(tri[0]); i++)
		if (memcmp(w, tri[i], 3) == 0)
			return true;
	return false;
}

static int build_tables(struct vp_diag *d)
{
	d->m = SIZE_MAX;
	for (size_t i = 0; i < d->n_anchors; i++)
		if (d->anchor_len[i] < d->m)
			d->m = d->anchor_len[i];
	if (d->m > 32)
		d->m = 32; /* shifts stay below 32: the scans' unchecked steps count on it */
	d->shift = malloc(HASH_SIZE);
	d->first = malloc(HASH_SIZE * sizeof(int16_t));
	if (!d->shift || !d->first)
		return -ENOMEM;
	size_t m = d->m;
	memset(d->shift, (int)(m - 2), HASH_SIZE);
	for (size_t k = 0; k < HASH_SIZE; k++)
		d->first[k] = -1;
	for (size_t i = 0; i < d->n_anchors; i++) {
		/* The scan stops wherever a window's last block occurs in the text: pick, of the anchor's m-byte windows,
		 * the one whose last block is least likely in logs (not digits, spaces, ':' or common letters), so
		 * timestamps and addresses ("00:00:01", "0000:00") do not stop it on every line. */
		size_t best = 0, best_score = SIZE_MAX;
		for (size_t o = 0; o + m <= d->anchor_len[i]; o++) {
			const char *w = d->anchors[i] + o + m - 3;
			size_t sc = char_score(w[0]) + char_score(w[1]) + char_score(w[2]) + (common_trigram(w) ? 20 : 0);
			if (sc < best_score) {
				best_score = sc;
				best = o;
			}
		}
		d->anchor_off[i] = best;
		const char *a = d->anchors[i] + best;
		for (size_t q = 2; q < m; q++) {
			uint16_t b = block_at(a + q - 2);
			size_t s = m - 1 - q;
			if (s < d->shift[b])
				d->shift[b] = (uint8_t)s;
		}
		uint16_t last = block_at(a + m - 3);
		uint16_t t6 = tail6_at(a, m - 1);
		d->tail6[t6 >> 6] |= 1ull << (t6 & 63);
		d->next[i] = d->first[last];
		d->first[last] = (int16_t)i;
	}
	return 0;
}

int vp_diag_new(struct vp_diag **ret)
{
	struct vp_diag *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	size_t n = 0;
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		n += vp_diag_catalog[e].n_patterns;
	d->n_pats = n;
	d->pat_anchor = calloc(n, sizeof(int));
	d->pat_re = calloc(n, sizeof(regex_t));
	d->pat = calloc(n, sizeof(*d->pat));
	d->pat_entry = calloc(n, sizeof(size_t));
	d->buf = malloc(BUF_SIZE);
	if (!d->pat_anchor || !d->pat_re || !d->pat || !d->pat_entry || !d->buf) {
		free(d->pat_anchor);
		free(d->pat_re);
		free(d->pat);
		free(d->pat_entry);
		free(d->buf);
		free(d);
		return -ENOMEM;
	}
	size_t k = 0;
	int e = 0;
	for (size_t c = 0; c < vp_diag_catalog_n && e >= 0; c++) {
		for (size_t p = 0; p < vp_diag_catalog[c].n_patterns; p++, k++) {
			const struct vp_diag_pattern *pat = &vp_diag_catalog[c].patterns[p];
			d->pat[k] = pat;
			d->pat_entry[k] = c;
			e = anchor_index(d, pat->anchor);
			if (e < 0)
				break;
			d->pat_anchor[k] = e;
			if (regcomp(&d->pat_re[k], pat->regex, REG_EXTENDED | REG_NOSUB) != 0) {
				e = -EINVAL;
				break;
			}
		}
	}
	if (vp_diag_hints_n > VP_DIAG_MAX_HINTS)
		e = -E2BIG;
	for (size_t h = 0; h < vp_diag_hints_n && e >= 0; h++) {
		e = anchor_index(d, vp_diag_hints[h].anchor);
		d->hint_anchor[h] = e;
	}
	if (e < 0) {
		d->n_pats = k; /* regfree only what compiled */
		vp_diag_free(d);
		return e;
	}
	e = build_tables(d);
	if (e < 0) {
		vp_diag_free(d);
		return e;
	}
	d->lineno = 1;
	d->limit = VP_DIAG_MAX_INPUT;
	*ret = d;
	return 0;
}

static void clear_results(struct vp_diag *d)
{
	for (size_t i = 0; i < d->n_findings; i++) {
		free(d->findings[i].text);
		free(d->findings[i].cause);
		free(d->findings[i].fix);
	}
	for (size_t i = 0; i < d->n_hostdrv; i++)
		free(d->hostdrv[i].text);
	free(d->dmar_text);
	d->sources = vp_strv_free(d->sources);
	d->n_findings = d->n_hostdrv = 0;
	d->dmar_text = NULL;
	d->dmar_source = NULL;
	d->dmar_parser = false;
	d->dmar_active = false;
	d->fb_seen = 0;
	d->stats = (struct vp_diag_stats){ 0 };
	d->lineno = 1;
}

void vp_diag_reset(struct vp_diag *d)
{
	clear_results(d);
}

struct vp_diag *vp_diag_free(struct vp_diag *d)
{
	if (!d)
		return NULL;
	clear_results(d);
	for (size_t k = 0; k < d->n_pats; k++)
		regfree(&d->pat_re[k]);
	free(d->pat_anchor);
	free(d->pat_re);
	free(d->pat);
	free(d->pat_entry);
	free(d->shift);
	free(d->first);
	free(d->buf);
	free(d);
	return NULL;
}

/* Source names are interned: findings point at them, the set stays tiny. */
static char *intern_source(struct vp_diag *d, const char *src)
{
	for (size_t i = 0; d->sources && d->sources[i]; i++)
		if (streq(d->sources[i], src))
			return d->sources[i];
	if (vp_strv_push(&d->sources, src) < 0)
		return NULL;
	return d->sources[vp_strv_len(d->sources) - 1];
}

/* ---- matching ---- */

/* Does an anchor whose window ends with block b start at p[start]? With present, marks all that do. */
/* Does an anchor whose window (starting at p[wstart]) ends with block b occur there, starting at or after from?
 * Returns the start of one such anchor, or SIZE_MAX. With present, marks all that do. */
static size_t hit_at(const struct vp_diag *d, const char *p, size_t wstart, size_t from, size_t n, uint16_t b,
		     bool *present)
{
	size_t hit = SIZE_MAX;
	for (int k = d->first[b]; k >= 0; k = d->next[k]) {
		if (wstart < from + d->anchor_off[k])
			continue;
		size_t a = wstart - d->anchor_off[k];
		uint64_t head;
		if (a + d->anchor_len[k] > n)
			continue;
		memcpy(&head, p + a, 8);
		if (head != d->anchor_head[k] || memcmp(p + a + 8, d->anchors[k] + 8, d->anchor_len[k] - 8) != 0)
			continue;
		if (!present)
			return a;
		present[k] = true;
		hit = a;
	}
	return hit;
}

/* Wu-Manber from the window ending at p[i] (i >= from + m - 1; scan() starts there): the start of the first anchor
 * occurrence in p[from..n), or n. */
static size_t scan_at(const struct vp_diag *d, const char *p, size_t from, size_t i, size_t n)
{
	size_t m = d->m;
	if (n < from || n - from < m)
		return n;
	const uint8_t *shift = d->shift;
	while (i < n) {
		uint16_t b;
		size_t s;
		if (i >= 3 && i + 3 * 32 < n) {
			/* the hot loop: shifts are never larger than m - 2 < 32, so three steps stay inside p[0..n) */
			b = block_end(p, i);
			s = shift[b];
			if (s) {
				i += s;
				b = block_end(p, i);
				s = shift[b];
				if (s) {
					i += s;
					b = block_end(p, i);
					s = shift[b];
					if (s) {
						i += s;
						continue;
					}
				}
			}
		} else {
			b = block_at(p + i - 2);
			s = shift[b];
			if (s) {
				i += s;
				continue;
			}
		}
		size_t a = hit_at(d, p, i + 1 - m, from, n, b, NULL);
		if (a != SIZE_MAX)
			return a;
		i++;
	}
	return n;
}

static size_t scan(const struct vp_diag *d, const char *p, size_t from, size_t n)
{
	return scan_at(d, p, from, from + d->m - 1, n);
}

/*
 * Lanes. One Wu-Manber step is a chain of dependent loads (the text, then the shift table), so a single scan
 * waits on memory most of the time. A block is cut at line starts into LANES parts that are scanned in one loop,
 * two steps of each in turn: the steps of different lanes overlap (4 lanes halved the time of one; 8 gained
 * another 6%). A lane notes the anchors it finds (LANE_CANDS at
 * most, then it stops); the candidate lines are matched afterwards, lane after lane, in the order of the text.
 */
#define LANES 8
#define LANE_CANDS 64
#define LANE_MIN 1024u /* a shorter block is scanned as one lane (small enough that the fuzzer reaches lanes) */

struct lane {
	size_t from;  /* anchors are looked for from here (a line start) */
	size_t i;     /* the end of the current window */
	size_t end;   /* the lane's end: a line start, or the end of the block */
	size_t lim;   /* below it a step of up to m - 2 bytes stays inside the lane */
	size_t n_cand;
	size_t cand[LANE_CANDS]; /* start of an anchor, one per candidate line */
};

/* The lane's window at i ends with a block some anchor window ends with: checks it (the 6 bytes first, then the
 * anchors). True when the lane is full. */
static bool lane_check(const struct vp_diag *d, const char *p, struct lane *l, uint16_t b)
{
	if (!tail6_has(d, tail6_at(p, l->i))) {
		l->i++;
		return false;
	}
	size_t a = hit_at(d, p, l->i + 1 - d->m, l->from, l->end, b, NULL);
	if (a == SIZE_MAX) {
		l->i++;
		return false;
	}
	l->cand[l->n_cand++] = a;
	const char *nl = memchr(p + a, '\n', l->end - a);
	l->from = nl ? (size_t)(nl - p) + 1 : l->end;
	l->i = l->from + d->m - 1;
	return l->n_cand == LANE_CANDS;
}

/* One Wu-Manber step of a lane. A lane that stands on a possible window end has shift 0 and stays there, so after
 * two steps a 0 still tells. */
#define LANE_STEP(i, b, s) \
	do { \
		b = block_end(p, i); \
		s = shift[b]; \
		i += s; \
	} while (0)

/* Scans the lanes side by side until one of them reaches its end or fills up; the others stop where they are. */
static void run_lanes(const struct vp_diag *d, const char *p, struct lane *ln)
{
	const uint8_t *shift = d->shift;
	size_t i[LANES], lim[LANES], s[LANES];
	uint16_t b[LANES];
#pragma GCC unroll 16
	for (size_t k = 0; k < LANES; k++)
		i[k] = ln[k].i, lim[k] = ln[k].lim;
	for (;;) {
		bool out = false;
#pragma GCC unroll 16
		for (size_t k = 0; k < LANES; k++)
			out |= i[k] >= lim[k];
		if (out)
			break;
#pragma GCC unroll 16
		for (size_t k = 0; k < LANES; k++)
			LANE_STEP(i[k], b[k], s[k]);
#pragma GCC unroll 16
		for (size_t k = 0; k < LANES; k++)
			LANE_STEP(i[k], b[k], s[k]);
		bool all = true;
#pragma GCC unroll 16
		for (size_t k = 0; k < LANES; k++)
			all &= s[k] != 0;
		if (__builtin_expect(all, 1))
			continue;
		/* a lane (or more) stands on a possible window end */
		bool full = false;
		for (size_t k = 0; k < LANES; k++) {
			if (s[k])
				continue;
			ln[k].i = i[k];
			full |= lane_check(d, p, &ln[k], b[k]);
			i[k] = ln[k].i;
		}
		if (full)
			break;
	}
#pragma GCC unroll 16
	for (size_t k = 0; k < LANES; k++)
		ln[k].i = i[k];
}

/* Cuts p[0..n) into lanes at line starts; returns their number: LANES, or 1 (the whole block) when it is short. */
static size_t split_lanes(const struct vp_diag *d, const char *p, size_t n, struct lane *ln)
{
	size_t nl = n >= LANE_MIN ? LANES : 1, start = 0;
	bool fast = nl == LANES;
	for (size_t k = 0; k < nl; k++) {
		size_t end = n;
		if (k + 1 < nl) {
			size_t t = n / nl * (k + 1);
			const char *q = t > start ? memchr(p + t, '\n', n - t) : NULL;
			end = t <= start ? start : q ? (size_t)(q - p) + 1 : n;
		}
		ln[k] = (struct lane){ .from = start, .i = start + d->m - 1, .end = end, .n_cand = 0 };
		ln[k].lim = end > 2 * d->m ? end - 2 * d->m : 0; /* two steps of up to m - 2 */
		fast &= ln[k].i < ln[k].lim;
		start = end;
	}
	if (fast)
		run_lanes(d, p, ln);
	return nl;
}

/* Marks every anchor that occurs in p[0..n); false when none does. */
static bool scan_all(const struct vp_diag *d, const char *p, size_t n, bool *present)
{
	size_t m = d->m;
	bool any = false;
	memset(present, 0, d->n_anchors * sizeof(bool));
	if (n < m)
		return false;
	for (size_t i = m - 1; i < n;) {
		uint16_t b = block_at(p + i - 2);
		size_t s = d->shift[b];
		if (s) {
			i += s;
			continue;
		}
		any |= hit_at(d, p, i + 1 - m, 0, n, b, present) != SIZE_MAX;
		i++;
	}
	return any;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(char c)
{
	return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

/* Hex field of exactly `w` digits at s[i], optionally after "0x": returns the index after it or 0. */
static size_t hexfield(const char *s, size_t i, size_t n, size_t w, unsigned *ret)
{
	if (i + 2 <= n && s[i] == '0' && s[i + 1] == 'x')
		i += 2;
	unsigned v = 0;
	for (size_t k = 0; k < w; k++) {
		if (i + k >= n || !is_hex(s[i + k]))
			return 0;
		char c = s[i + k];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	if (i + w < n && is_hex(s[i + w]))
		return 0;
	*ret = v;
	return i + w;
}

/*
 * The first PCI address in s: "0000:01:00.0", "01:00.0", DMAR's "[0x01:0x00.0]", libvirt's node device name
 * "pci_0000_01_00_0". Writes the canonical form; false when there is none.
 */
static bool find_addr(const char *s, size_t n, char out[VP_PCI_ADDR_LEN])
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '.'))
			continue;
		unsigned dom = 0, bus, dev, fn;
		size_t j;
		if (i + 4 <= n && memcmp(s + i, "pci_", 4) == 0) {
			size_t k = i + 4;
			if ((k = hexfield(s, k, n, 4, &dom)) && k < n && s[k] == '_' && (k = hexfield(s, k + 1, n, 2, &bus)) &&
			    k < n && s[k] == '_' && (k = hexfield(s, k + 1, n, 2, &dev)) && k < n && s[k] == '_' &&
			    (k = hexfield(s, k + 1, n, 1, &fn)) && dev < 32 && fn < 8) {
				snprintf(out, VP_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev, fn);
				return true;
			}
			continue;
		}
		j = hexfield(s, i, n, 4, &dom);
		if (!(j && j < n && s[j] == ':')) {
			dom = 0;
			j = i;
		} else {
			j++;
		}
		size_t k = hexfield(s, j, n, 2, &bus);
		if (!k || k >= n || s[k] != ':')
			continue;
		k = hexfield(s, k + 1, n, 2, &dev);
		if (!k || k >= n || s[k] != '.' || k + 1 >= n || s[k + 1] < '0' || s[k + 1] > '7')
			continue;
		fn = (unsigned)(s[k + 1] - '0');
		if (k + 2 < n && is_alnum(s[k + 2]))
			continue;
		if (dev >= 32)
			continue;
		snprintf(out, VP_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev, fn);
		return true;
	}
	out[0] = '\0';
	return false;
}

/* "group 12", "/dev/vfio/12": the first IOMMU group number, or -1. */
static int find_group(const char *s, size_t n)
{
	static const char *const keys[] = { "group ", "/dev/vfio/" };
	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);
		for (const char *p = s; p && (size_t)(p - s) + kl < n;) {
			p = memmem(p, n - (size_t)(p - s), keys[k], kl);
			if (!p)
				break;
			p += kl;
			if ((size_t)(p - s) < n && *p >= '0' && *p <= '9') {
				long v = 0;
				while ((size_t)(p - s) < n && *p >= '0' && *p <= '9' && v < 1000000)
					v = v * 10 + (*p++ - '0');
				return (int)v;
			}
		}
	}
	return -1;
}

static char *bounded_dup(const char *s, size_t n)
{
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	char *t = malloc(n + 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		t[i] = (s[i] == '\t' || (unsigned char)s[i] >= 0x20) ? s[i] : '?';
	t[n] = '\0';
	return t;
}

static struct vp_finding *add_finding(struct vp_diag *d, size_t entry, enum vp_severity sev, const char *dev,
				      int group, const char *src, unsigned long line, const char *text, size_t text_len)
{
	const struct vp_diag_entry *e = &vp_diag_catalog[entry];
	for (size_t i = 0; i < d->n_findings; i++) {
		struct vp_finding *f = &d->findings[i];
		if (f->entry == e && streq(f->device, dev) && streq(f->source, src)) {
			f->count++;
			if (sev > f->severity) {
				/* keep the line that shows the worst of it */
				char *t = bounded_dup(text, text_len);
				if (t) {
					free(f->text);
					f->text = t;
					f->line = line;
					f->severity = sev;
				}
			}
			if (f->group < 0)
				f->group = group;
			return f;
		}
	}
	if (d->n_findings >= MAX_FINDINGS) {
		d->stats.dropped++;
		return NULL;
	}
	char *s = intern_source(d, src);
	char *t = bounded_dup(text, text_len);
	if (!s || !t) {
		free(t);
		d->stats.dropped++;
		return NULL;
	}
	struct vp_finding *f = &d->findings[d->n_findings++];
	*f = (struct vp_finding){ .entry = e, .severity = sev, .group = group, .source = s, .line = line,
				  .text = t, .count = 1 };
	snprintf(f->device, sizeof(f->device), "%s", dev);
	return f;
}

static void note_hint(struct vp_diag *d, size_t h, const char *src, unsigned long line, const char *text,
		      size_t text_len, const char *msg, size_t msg_len)
{
	switch (vp_diag_hints[h].kind) {
	case VP_HINT_DMAR_PARSER:
		if (!d->dmar_parser) {
			d->dmar_parser = true;
			d->dmar_source = intern_source(d, src);
			d->dmar_line = line;
			d->dmar_text = bounded_dup(text, text_len);
		}
		break;
	case VP_HINT_DMAR_ACTIVE:
		d->dmar_active = true;
		break;
	case VP_HINT_FB:
		d->fb_seen |= vp_diag_hints[h].bit;
		break;
	case VP_HINT_HOST_DRIVER:
		/* the line is a candidate now; match_msg() checks its prefix */
		break;
	}
}

/* "DRIVER ADDR: ..." at the start of the message, DRIVER a host GPU/audio/USB driver: remember it. */
static void note_host_driver(struct vp_diag *d, const char *src, unsigned long line, const char *text, size_t text_len,
			     const char *msg, size_t msg_len)
{
	for (size_t k = 0; vp_diag_host_drivers[k]; k++) {
		size_t dl = strlen(vp_diag_host_drivers[k]);
		if (msg_len < dl + 13 || memcmp(msg, vp_diag_host_drivers[k], dl) != 0 || msg[dl] != ' ')
			continue;
		char addr[VP_PCI_ADDR_LEN];
		if (!find_addr(msg + dl + 1, 12, addr))
			return;
		for (size_t i = 0; i < d->n_hostdrv; i++)
			if (streq(d->hostdrv[i].addr, addr) && streq(d->hostdrv[i].driver, vp_diag_host_drivers[k]))
				return;
		if (d->n_hostdrv >= MAX_HOSTDRV)
			return;
		struct hostdrv *hd = &d->hostdrv[d->n_hostdrv];
		snprintf(hd->addr, sizeof(hd->addr), "%s", addr);
		snprintf(hd->driver, sizeof(hd->driver), "%s", vp_diag_host_drivers[k]);
		hd->source = intern_source(d, src);
		hd->line = line;
		hd->text = bounded_dup(text, text_len);
		if (hd->source && hd->text)
			d->n_hostdrv++;
		else
			free(hd->text);
		return;
	}
}


/* Matches one message (text is what the finding shows: the whole line). */
static void match_msg(struct vp_diag *d, const char *src, unsigned long line, const char *text, size_t text_len,
		      const char *msg, size_t msg_len)
{
	d->stats.candidates++;
	if (msg_len >= MSG_MAX)
		msg_len = MSG_MAX - 1;
	memcpy(d->msg, msg, msg_len);
	d->msg[msg_len] = '\0';
	if (!scan_all(d, d->msg, msg_len, d->present))
		return;
	for (size_t k = 0; k < d->n_pats; k++) {
		if (!d->present[d->pat_anchor[k]] || regexec(&d->pat_re[k], d->msg, 0, NULL, 0) != 0)
			continue;
		const struct vp_diag_pattern *p = d->pat[k];
		const struct vp_diag_entry *e = &vp_diag_catalog[d->pat_entry[k]];
		enum vp_severity sev = e->severity;
		if ((p->flags & VP_PAT_WARN) && sev > VP_SEV_WARNING)
			sev = VP_SEV_WARNING;
		if (p->flags & VP_PAT_INFO)
			sev = VP_SEV_INFO;
		char dev[VP_PCI_ADDR_LEN] = "";
		if (!(p->flags & VP_PAT_NODEV))
			find_addr(d->msg, msg_len, dev);
		int group = (p->flags & VP_PAT_NODEV) ? -1 : find_group(d->msg, msg_len);
		add_finding(d, d->pat_entry[k], sev, dev, group, src, line, text, text_len);
		break;
	}
	for (size_t h = 0; h < vp_diag_hints_n; h++)
		if (d->present[d->hint_anchor[h]])
			note_hint(d, h, src, line, text, text_len, d->msg, msg_len);
	note_host_driver(d, src, line, text, text_len, d->msg, msg_len);
}

int vp_diag_feed_line(struct vp_diag *d, const char *src, unsigned long lineno, const char *line, size_t len)
{
	d->stats.lines++;
	if (scan(d, line, 0, len) >= len)
		return 0;
	struct vp_logline l;
	if (vp_logline_parse(line, len, &l) < 0) {
		d->stats.skipped++;
		return 0;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	match_msg(d, src, lineno, line, len, l.msg, l.msg_len);
	return 0;
}

int vp_diag_feed_message(struct vp_diag *d, const char *src, unsigned long entry, const char *ident,
			 const char *msg, size_t len)
{
	d->stats.lines++;
	if (scan(d, msg, 0, len) >= len)
		return 0;
	char text[TEXT_MAX + 1];
	int n = snprintf(text, sizeof(text), "%s%s%.*s", ident ? ident : "", ident ? ": " : "",
			 (int)(len > TEXT_MAX ? TEXT_MAX : len), msg);
	if (n < 0)
		return 0;
	match_msg(d, src, entry, text, strlen(text), msg, len);
	return 0;
}

/* Exact count of '\n' in p[0..n). */
static unsigned long count_nl(const char *p, size_t n)
{
	unsigned long c = 0;
	size_t i = 0;
#if defined(__SSE2__) && defined(__x86_64__)
	/* 64 bytes a step: compare with '\n' (0xff per match) and subtract, so each byte of the four sums counts
	 * matches; before a byte can wrap (255 steps) psadbw adds the bytes up into two 64-bit halves */
	const __m128i nlv = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i total = zero;
	while (i + 64 <= n) {
		__m128i s0 = zero, s1 = zero, s2 = zero, s3 = zero;
		size_t stop = n - i >= 255 * 64 ? i + 255 * 64 : i + (n - i) / 64 * 64;
		for (; i < stop; i += 64) {
			s0 = _mm_sub_epi8(s0, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), nlv));
			s1 = _mm_sub_epi8(s1, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i + 16)), nlv));
			s2 = _mm_sub_epi8(s2, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i + 32)), nlv));
			s3 = _mm_sub_epi8(s3, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i + 48)), nlv));
		}
		total = _mm_add_epi64(total, _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(s0, zero), _mm_sad_epu8(s1, zero)),
							   _mm_add_epi64(_mm_sad_epu8(s2, zero), _mm_sad_epu8(s3, zero))));
	}
	c = (unsigned long)_mm_cvtsi128_si64(total) + (unsigned long)_mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total));
#endif
	const uint64_t ones = 0x0101010101010101ull, nl = 0x0a0a0a0a0a0a0a0aull, low7 = 0x7f7f7f7f7f7f7f7full;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		uint64_t x = w ^ nl;
		uint64_t t = ((x & low7) + low7) | x;
		/* one bit (0x80) per '\n' byte; the multiply sums the bytes' bits into the top byte */
		c += (unsigned long)((((~t & (ones << 7)) >> 7) * ones) >> 56);
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* The line holding p[a] (a >= *cur, *cur a line start): counts the lines from *cur to it, parses and matches it;
 * moves *cur to the next line's start. False when it was the last line of p[0..n). */
static bool take_line(struct vp_diag *d, const char *src, const char *p, size_t *cur, size_t a, size_t n)
{
	size_t c = *cur;
	const char *nl = a > c ? memrchr(p + c, '\n', a - c) : NULL;
	size_t ls = nl ? (size_t)(nl - p) + 1 : c;
	d->lineno += count_nl(p + c, ls - c);
	const char *end = memchr(p + a, '\n', n - a);
	size_t le = end ? (size_t)(end - p) : n;
	struct vp_logline l;
	if (vp_logline_parse(p + ls, le - ls, &l) < 0) {
		d->stats.skipped++;
	} else {
		size_t tl = le - ls;
		while (tl > 0 && p[ls + tl - 1] == '\r')
			tl--;
		match_msg(d, src, d->lineno, p + ls, tl, l.msg, l.msg_len);
	}
	d->lineno++;
	*cur = end ? le + 1 : n;
	return end != NULL;
}

/* Lines of p[0..n): every line ends with '\n' except, at end of input, the last. */
static void feed_block(struct vp_diag *d, const char *src, const char *p, size_t n)
{
	struct lane ln[LANES];
	size_t nl = split_lanes(d, p, n, ln), cur = 0;
	for (size_t k = 0; k < nl; k++) {
		struct lane *l = &ln[k];
		for (size_t c = 0; c < l->n_cand; c++)
			if (!take_line(d, src, p, &cur, l->cand[c], n))
				return;
		/* the rest of the lane, from where it stopped */
		size_t from = l->from, i = l->i;
		for (;;) {
			size_t a = scan_at(d, p, from, i, l->end);
			if (a >= l->end)
				break;
			if (!take_line(d, src, p, &cur, a, n))
				return;
			from = cur;
			i = from + d->m - 1;
		}
	}
	d->lineno += count_nl(p + cur, n - cur);
	if (n > cur && p[n - 1] != '\n')
		d->lineno++;
}

/* Bytes that never occur in a text log: C0 controls other than NUL, TAB, LF, CR and ESC (colours), and DEL. */
static size_t count_binary(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)p[i];
		c += (x < 0x20 && x != 0 && x != '\t' && x != '\n' && x != '\r' && x != 0x1b) || x == 0x7f;
	}
	return c;
}

#define NO_NEWLINE_MAX (64u << 20)

int vp_diag_feed_fd(struct vp_diag *d, const char *src, int fd)
{
	size_t have = 0;
	bool skipping = false, first_block = true;
	uint64_t total = 0, since_nl = 0;
	unsigned long first = d->lineno = 1;
	int ret = 0;
	/* A character device that is not a terminal (/dev/kmsg, /dev/zero) is read to its current end:
	 * non-blocking, and EAGAIN ends it. The flags are put back afterwards. */
	struct stat st;
	int oflags = -1;
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && !isatty(fd)) {
		oflags = fcntl(fd, F_GETFL);
		if (oflags >= 0 && !(oflags & O_NONBLOCK) && fcntl(fd, F_SETFL, oflags | O_NONBLOCK) < 0)
			oflags = -1;
	}
	for (;;) {
		size_t want = BUF_SIZE - have;
		if (d->limit && total + want > d->limit)
			want = (size_t)(d->limit - total);
		if (want == 0) {
			ret = VP_DIAG_STOP_SIZE;
			break;
		}
		ssize_t r = read(fd, d->buf + have, want);
		if (r < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: /dev/kmsg records were overwritten; the next read gets the oldest left */
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		total += (size_t)r;
		const char *lastnl = memrchr(d->buf + have, '\n', (size_t)r);
		since_nl = lastnl ? (uint64_t)(d->buf + have + r - lastnl - 1) : since_nl + (uint64_t)r;
		have += (size_t)r;
		if (first_block && (have == BUF_SIZE || have >= 4096)) {
			/* Not a text log: random bytes (many control characters), or a first MiB without a line break. */
			first_block = false;
			if (count_binary(d->buf, have) > have / 16 || (have == BUF_SIZE && !memchr(d->buf, '\n', have))) {
				ret = VP_DIAG_STOP_BINARY;
				have = 0;
				break;
			}
		}
		if (since_nl > NO_NEWLINE_MAX) {
			ret = VP_DIAG_STOP_BINARY;
			have = 0;
			break;
		}
		size_t start = 0;
		if (skipping) {
			const char *nl = memchr(d->buf, '\n', have);
			if (!nl) {
				have = 0;
				continue;
			}
			start = (size_t)(nl - d->buf) + 1;
			skipping = false;
			d->lineno++;
		}
		const char *last = have > start ? memrchr(d->buf + start, '\n', have - start) : NULL;
		if (!last) {
			if (have == BUF_SIZE) {
				/* a line longer than the buffer: garbage, skipped whole */
				d->stats.skipped++;
				skipping = true;
				have = 0;
			} else if (start) {
				memmove(d->buf, d->buf + start, have - start);
				have -= start;
			}
			continue;
		}
		size_t blk = (size_t)(last - d->buf) + 1;
		feed_block(d, src, d->buf + start, blk - start);
		memmove(d->buf, d->buf + blk, have - blk);
		have -= blk;
	}
	if (oflags >= 0)
		(void)fcntl(fd, F_SETFL, oflags);
	/* A last line without a newline is a line (a file not ended by one, a paste, a cut stream); one that was
	 * being skipped as too long stays skipped. After a size stop it is a cut line: skipped and counted. */
	if (have && !skipping && ret >= 0) {
		if (ret == VP_DIAG_STOP_SIZE) {
			d->stats.skipped++;
			d->lineno++;
		} else {
			feed_block(d, src, d->buf, have);
		}
	}
	d->stats.lines += d->lineno - first;
	return ret;
}

/* ---- finishing: inferences, host join, texts, order ---- */

/* A finding whose line names the device in a VFIO context (vfio-pci, QEMU's vfio messages). */
static bool is_vfio_related(const struct vp_finding *f)
{
	return f->device[0] && !streq(f->entry->id, "driver.host_bound") && f->text &&
	       (strstr(f->text, "vfio") || strstr(f->text, "VFIO"));
}

static int finding_cmp(const void *a, const void *b)
{
	const struct vp_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	int c = strcmp(x->source, y->source);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->device, y->device);
}

static const struct vp_finding *has_finding(const struct vp_diag *d, const char *id)
{
	for (size_t i = 0; i < d->n_findings; i++)
		if (streq(d->findings[i].entry->id, id))
			return &d->findings[i];
	return NULL;
}

void vp_diag_order(struct vp_diag *d)
{
	if (d->n_findings > 1)
		qsort(d->findings, d->n_findings, sizeof(d->findings[0]), finding_cmp);
}

int vp_diag_settle(struct vp_diag *d)
{
	/* 1. A device-less line of an id (QEMU's hint line, the DRHD status line) folds into the same id's finding
	 *    with a device from the same source. */
	for (size_t i = 0; i < d->n_findings; i++) {
		struct vp_finding *f = &d->findings[i];
		if (f->device[0])
			continue;
		for (size_t j = 0; j < d->n_findings; j++) {
			struct vp_finding *g = &d->findings[j];
			if (j != i && g->entry == f->entry && g->device[0] && g->source == f->source) {
				g->count += f->count;
				if (g->group < 0)
					g->group = f->group;
				free(f->text);
				free(f->cause);
				free(f->fix);
				d->findings[i] = d->findings[--d->n_findings];
				i--;
				break;
			}
		}
	}
	/* 2. The Intel parser said "IOMMU enabled" but DMA remapping never started. */
	if (d->dmar_parser && !d->dmar_active && !has_finding(d, "iommu.active") && !has_finding(d, "iommu.disabled") && d->dmar_text) {
		size_t e = (size_t)(vp_diag_entry_by_id("iommu.disabled") - vp_diag_catalog);
		struct vp_finding *f = add_finding(d, e, VP_SEV_WARNING, "", -1, d->dmar_source, d->dmar_line,
						   d->dmar_text, strlen(d->dmar_text));
		if (f)
			f->derived =
				"\"DMAR: IOMMU enabled\" is printed by the intel_iommu=on parser, not by a working IOMMU: "
				"this log has no \"DMAR: Intel(R) Virtualization Technology for Directed I/O\" line and no "
				"device added to an IOMMU group, so DMA remapping did not start (no DMAR table: VT-d off in "
				"the firmware, or this excerpt is incomplete).";
	}
	/* 3. A host GPU/audio/USB driver logged on a device vfio also names (a warning; the host join may change
	 *    it). */
	for (size_t k = 0; k < d->n_hostdrv; k++) {
		struct hostdrv *hd = &d->hostdrv[k];
		bool related = false;
		for (size_t i = 0; i < d->n_findings && !related; i++)
			related = is_vfio_related(&d->findings[i]) && streq(d->findings[i].device, hd->addr);
		if (!related)
			continue;
		size_t e = (size_t)(vp_diag_entry_by_id("driver.host_bound") - vp_diag_catalog);
		struct vp_finding *f = add_finding(d, e, VP_SEV_WARNING, hd->addr, -1, hd->source, hd->line, hd->text,
						   strlen(hd->text));
		if (f && !f->log_driver) {
			f->log_driver = true;
			f->derived = "A host driver logged on this device, which vfio also names in this log: the host "
				     "driver had (or still has) the device, so vfio-pci could not own it then.";
		}
	}
	vp_diag_order(d);
	return 0;
}

const struct vp_finding *vp_diag_findings(const struct vp_diag *d, size_t *ret_n)
{
	*ret_n = d->n_findings;
	return d->findings;
}

struct vp_finding *vp_diag_findings_mut(struct vp_diag *d, size_t *ret_n)
{
	*ret_n = d->n_findings;
	return d->findings;
}

unsigned vp_diag_framebuffers(const struct vp_diag *d)
{
	return d->fb_seen;
}

void vp_diag_set_limit(struct vp_diag *d, uint64_t max_bytes)
{
	d->limit = max_bytes;
}

const struct vp_diag_stats *vp_diag_stats(const struct vp_diag *d)
{
	return &d->stats;
}

bool vp_diag_has_error(const struct vp_diag *d)
{
	for (size_t i = 0; i < d->n_findings; i++)
		if (d->findings[i].severity == VP_SEV_ERROR)
			return true;
	return false;
}
