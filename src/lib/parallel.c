/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host loader's parallel loop (see parallel.h). */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/* Items per hand-out: small enough to balance, large enough that the counter is not contended. */
#define CHUNK 32
/* Fewer items than this per thread and a thread costs more than it saves. */
#define MIN_PER_THREAD 128
#define MAX_THREADS 64

struct loop {
	size_t n;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	atomic_size_t next;
};

static void *worker(void *arg)
{
	struct loop *l = arg;
	for (;;) {
		size_t start = atomic_fetch_add(&l->next, CHUNK);
		if (start >= l->n)
			return NULL;
		size_t end = start + CHUNK < l->n ? start + CHUNK : l->n;
		for (size_t i = start; i < end; i++)
			l->fn(l->ctx, i);
	}
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

void vp_parallel_for(size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
	unsigned want = vp_parallel_threads();
	if (want > n / MIN_PER_THREAD)
		want = (unsigned)(n / MIN_PER_THREAD);
	if (want <= 1) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	struct loop l = { .n = n, .fn = fn, .ctx = ctx };
	atomic_init(&l.next, 0);
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;
	for (unsigned t = 1; t < want; t++) {
		if (pthread_create(&tid[started], NULL, worker, &l) != 0)
			break; /* the threads already started and this one share the rest */
		started++;
	}
	worker(&l);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}
