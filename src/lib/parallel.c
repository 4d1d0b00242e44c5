/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host loader's parallel loop (see parallel.h). */
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

#define MAX_THREADS 64

struct loop {
	size_t n;
	size_t chunk;   /* items per hand-out */
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	atomic_size_t next;
};

static void run(struct loop *l)
{
	for (;;) {
		size_t start = atomic_fetch_add(&l->next, l->chunk);
		if (start >= l->n)
			return;
		size_t end = start + l->chunk < l->n ? start + l->chunk : l->n;
		for (size_t i = start; i < end; i++)
			l->fn(l->ctx, i);
	}
}

static void *worker(void *arg)
{
	/*
	 * A private copy of the descriptor table. Threads that share one serialize
	 * on its lock for every open and close, and the kernel must count references
	 * on every read; the loader's items open, read and close thousands of files.
	 * Descriptors the caller opened stay usable (the copy holds them too).
	 */
	(void)unshare(CLONE_FILES);
	run(arg);
	return NULL;
}

unsigned vp_parallel_threads(void)
{
	const char *e = getenv("VP_THREADS");
	uint64_t v;
	if (e && vp_parse_uint(e, MAX_THREADS, &v) == 0 && v >= 1)
		return (unsigned)v;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 1 ? 1 : c > 8 ? 8 : (unsigned)c;
}

void vp_parallel_for(size_t n, size_t min_per_thread, void (*fn)(void *ctx, size_t i), void *ctx)
{
	unsigned want = vp_parallel_threads();
	if (min_per_thread < 1)
		min_per_thread = 1;
	if (want > n / min_per_thread)
		want = (unsigned)(n / min_per_thread);
	if (want <= 1) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	/* Hand-outs of about a quarter of a thread's minimum share: enough to balance, few enough
	 * that the shared counter is not contended. */
	struct loop l = { .n = n, .chunk = min_per_thread / 4 ? min_per_thread / 4 : 1, .fn = fn, .ctx = ctx };
	atomic_init(&l.next, 0);
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;
	for (unsigned t = 1; t < want; t++) {
		if (pthread_create(&tid[started], NULL, worker, &l) != 0)
			break; /* the threads already started and this one share the rest */
		started++;
	}
	run(&l);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}
