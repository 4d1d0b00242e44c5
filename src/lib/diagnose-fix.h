/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the fixes: joins findings with the host model and writes their
 * cause and fix texts (diagnose-fix.c). The engine (diagnose.h) needs none of
 * this; the CLI and the tests do.
 */
#pragma once

#include "diagnose.h"
#include "host.h"

/* Host join (h may be NULL: no host model), cause and fix texts, ordering. Call after vp_diag_settle(). */
int vp_diag_explain(struct vp_diag *d, const struct vp_host *h);
/* vp_diag_settle() then vp_diag_explain(): what a command runs once its sources are read. */
int vp_diag_finish(struct vp_diag *d, const struct vp_host *h);
/* Whether the catalog id has a fix builder (every catalog entry must). */
bool vp_diag_has_fix(const char *id);
