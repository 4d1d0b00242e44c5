/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by every module: cleanup attributes, ownership moves, array sizes. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Take ownership out of a cleanup variable: the variable becomes NULL. */
#define TAKE_PTR(p)                            \
	({                                     \
		__typeof__(p) _tp_ = (p);      \
		(p) = NULL;                    \
		_tp_;                          \
	})

#define TAKE_FD(fd)                            \
	({                                     \
		int _tf_ = (fd);               \
		(fd) = -1;                     \
		_tf_;                          \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strempty(s) (!(s) || !*(s))
