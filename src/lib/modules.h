/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel module state for an installed kernel, as modprobe sees it: libkmod
 * over lib/modules/KVER inside the root (modules.dep.bin / modules.builtin.bin),
 * with the text modules.builtin as the fallback for trees without indexes.
 */
#pragma once

#include "host.h"

/* Where module `name` ("vfio-pci" or "vfio_pci") stands for kernel kver. */
enum vp_mod_state vp_module_state(struct vp_root *root, const char *kver, const char *name);
/* The same; libkmod reads only copies of the root's files made through the root handle, and never
 * prints. Configuration lines it could not parse become one note per file in *notes (NULL: dropped). */
enum vp_mod_state vp_module_state_notes(struct vp_root *root, const char *kver, const char *name, char ***notes);
/* The modules directory of kver inside the root: "lib/modules/KVER" or
 * "usr/lib/modules/KVER". Newly allocated, NULL when neither exists. */
char *vp_modules_dir(struct vp_root *root, const char *kver);
/* Installed kernels: the names under lib/modules (or usr/lib/modules) that have
 * a modules.dep or modules.builtin, sorted. */
int vp_installed_kernels(struct vp_root *root, char ***ret);
