/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A parallel loop for the host loader: reading thousands of small sysfs
 * files is system-call bound, and each device's files are independent.
 */
#pragma once

#include <stddef.h>

/*
 * Calls fn(ctx, i) once for every i < n. Up to vp_parallel_threads() threads
 * (the caller's included) take items in small hand-outs, in no fixed order,
 * but only as many threads as get at least min_per_thread items each (below
 * that a thread costs more than it saves); with one, the caller runs them all
 * in order. fn must touch only item i's own state, and close the files it
 * opens: the other threads have private copies of the descriptor table. If no
 * thread can be started, the caller does all the work.
 */
void vp_parallel_for(size_t n, size_t min_per_thread, void (*fn)(void *ctx, size_t i), void *ctx);

/*
 * Threads to use: VP_THREADS from the environment when it is a number from
 * 1 to 64 (1 turns threads off), else the online CPUs, at most 8.
 */
unsigned vp_parallel_threads(void);
