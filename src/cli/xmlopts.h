/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hostdev options shared by `xml` and `attach` (implemented in cmd-xml.c). */
#pragma once

#include <getopt.h>

#include "../lib/hostdev.h"

#define VP_HOSTDEV_LONGOPTS                                        \
	{ "guest-slot", required_argument, NULL, 'S' },            \
	{ "rom-file", required_argument, NULL, 'R' },              \
	{ "rom-bar", required_argument, NULL, 'B' }

/* Applies one of those options; returns -1 to go on, or an exit code after printing the error. */
int vp_cli_hostdev_option(const char *cmd, int c, const char *arg, struct vp_hostdev_opts *ho);
/* Selects the cards and lays out their hostdevs; prints the error and returns an exit code on failure. */
int vp_cli_hostdev_plan(const char *cmd, struct vp_root *root, const struct vp_host *h, char *const *devices,
			const struct vp_hostdev_opts *ho, struct vp_hostdev **ret, size_t *ret_n, char ***ret_notes);
