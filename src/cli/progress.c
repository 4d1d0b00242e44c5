/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Progress of the external steps of apply and undo on stderr (the library calls back, the CLI
 * prints), and what an interrupt does: ends the running command's process group, says where things
 * stand, and dies by the signal (the journal lets the next run finish the job).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/exec.h"
#include "../lib/util.h"

#define TAIL_LINES 10

struct printer {
	bool tty;        /* stream the output, indented */
	bool at_bol;     /* the streamed output is at the start of a line */
	struct vp_buf out; /* the step's output (for its last lines when it fails) */
};

static void put_indented(struct printer *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p->at_bol)
			fputs("    ", stderr);
		fputc(s[i], stderr);
		p->at_bol = s[i] == '\n';
	}
}

/* Whole seconds: long steps are what the time is for, and short ones print the same each run. */
static const char *elapsed(double s, char buf[static 32])
{
	long v = (long)s;
	if (v >= 60)
		snprintf(buf, 32, "%ld min %02ld s", v / 60, v % 60);
	else
		snprintf(buf, 32, "%ld s", v);
	return buf;
}

static void on_step(void *ud, const struct vp_step *st)
{
	struct printer *p = ud;
	char buf[32];
	switch (st->event) {
	case VP_STEP_START:
		vp_buf_free(&p->out);
		p->at_bol = true;
		fprintf(stderr, "==> %s\n    $ %s\n", st->what && *st->what ? st->what : "run", st->command);
		break;
	case VP_STEP_OUTPUT:
		if (p->tty)
			put_indented(p, st->data, st->len);
		else
			vp_buf_append(&p->out, st->data, st->len);
		break;
	case VP_STEP_END:
		if (p->tty && !p->at_bol)
			fputc('\n', stderr);
		if (st->status == 0) {
			fprintf(stderr, "    done in %s\n", elapsed(st->elapsed, buf));
		} else if (st->status < 0) {
			fprintf(stderr, "    could not start: %s\n", strerror(-st->status));
		} else {
			fprintf(stderr, "    failed: exit %d after %s\n", st->status, elapsed(st->elapsed, buf));
			if (!p->tty && p->out.len) { /* its last lines (on a tty they were just shown) */
				const char *s = p->out.data;
				size_t end = p->out.len, start = end, lines = 0;
				if (end && s[end - 1] == '\n')
					end--;
				start = end;
				while (start > 0 && lines < TAIL_LINES) {
					start--;
					if (s[start] == '\n' && ++lines == TAIL_LINES) {
						start++;
						break;
					}
				}
				fprintf(stderr, "    its last lines:\n");
				p->at_bol = true;
				put_indented(p, s + start, end - start);
				fputc('\n', stderr);
			}
		}
		vp_buf_free(&p->out);
		break;
	}
	fflush(stderr);
}

static struct printer printer;
static const struct vp_progress progress = { .fn = on_step, .ud = &printer };

const struct vp_progress *vp_cli_progress(void)
{
	printer.tty = isatty(STDERR_FILENO);
	return &progress;
}

static void on_signal(int sig)
{
	vp_exec_interrupt(SIGKILL);
	static const char msg[] = "\nvfio-pilot: interrupted; the command it ran was stopped. The journal records where it "
				  "stopped: the next `vfio-pilot undo` (or apply, or status) finishes the job\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void vp_cli_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
