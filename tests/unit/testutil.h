/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for unit tests: fixture trees built from tests/fixtures/hosts/NAME.host. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Builds a fresh tree for host NAME in a new temporary directory; returns its path (free with vp_test_tree_free). */
char *vp_test_tree(const char *name);
/* Builds a tree from description text given inline. */
char *vp_test_tree_from_text(const char *desc);
/* Removes the tree and frees the path. */
void vp_test_tree_free(char *path);
/* Writes data to PATH (absolute or relative to the tree), creating parent directories. */
void vp_test_write(const char *tree, const char *rel, const char *data);
/* Reads a file of the tree into a new string; NULL when absent. */
char *vp_test_read(const char *tree, const char *rel);
