/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host readiness checks: a table of checks over the host model. Each result
 * has a stable id, a level, a one-line summary and, for warn and fail, the
 * exact fix for this host. Checks never print and never read paths.
 */
#pragma once

#include "distro.h"
#include "host.h"
#include "output.h"

enum vp_level { VP_LEVEL_PASS, VP_LEVEL_WARN, VP_LEVEL_FAIL, VP_LEVEL_SKIP, _VP_LEVEL_MAX };

const char *vp_level_to_string(enum vp_level l); /* "pass", "warn", "fail", "skip" */

struct vp_check_result {
	const char *id;     /* static */
	const char *title;  /* static */
	enum vp_level level;
	char *summary;
	char *fix;          /* NULL for pass and skip */
};

struct vp_check_report {
	struct vp_check_result *results;
	size_t n;
};

/*
 * Runs every check. targets: the card slots ("0000:01:00") the user means to
 * hand over, or NULL for the default (every display card that is not the boot
 * VGA, plus cards already on vfio-pci).
 */
int vp_checks_run(const struct vp_host *h, const struct vp_platform *p, char *const *targets,
		  struct vp_check_report *ret);
void vp_check_report_free(struct vp_check_report *r);
/* Appends a result judged outside the table (card.rom, which reads the ROM); takes summary and fix. */
int vp_check_report_add(struct vp_check_report *r, const char *id, const char *title, enum vp_level level,
			char *summary, char *fix);
/* True when some check failed. */
bool vp_check_report_failed(const struct vp_check_report *r);
/* Adds the "checks" table to doc. */
void vp_check_report_render(const struct vp_check_report *r, struct vp_doc *doc);
/* The ids of the checks that always run, in order; NULL-terminated, static. */
extern const char *const vp_check_ids[];
/* The checks that run only when DEVICEs are named, after those: card.reset (vp_checks_run) and
 * card.rom (vp_rom_check, added by the command since it reads the ROM). NULL-terminated, static. */
extern const char *const vp_check_card_ids[];
