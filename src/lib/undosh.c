/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* undo.sh: a transaction's way back with nothing but a POSIX shell (see undosh.h). */
#include "undosh.h"

#include <string.h>

#include "exec.h"
#include "util.h"

/* s as one shell word in single quotes. */
static void put_word(struct vp_buf *b, const char *s)
{
	vp_buf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			vp_buf_puts(b, "'\\''");
		else
			vp_buf_append(b, s, 1);
	}
	vp_buf_puts(b, "'");
}

static void put_argv(struct vp_buf *b, char *const *argv)
{
	for (size_t i = 0; argv && argv[i]; i++) {
		vp_buf_puts(b, " ");
		put_word(b, argv[i]);
	}
}

static const char prologue[] =
	"set -u\n"
	"R=${1:-}\n"
	"while :; do case $R in */) R=${R%/} ;; *) break ;; esac; done\n"
	"J=\"$R/var/lib/vfio-pilot/txn/$ID\"\n"
	"PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PATH\n"
	"die() { echo \"undo.sh: $*\" >&2; exit 1; }\n"
	"[ -f \"$J/manifest.json\" ] || die \"no journal at $J; inside the root run 'sh /var/lib/vfio-pilot/txn/$ID/undo.sh', \"\\\n"
	"\"from a live USB 'sh ROOT/var/lib/vfio-pilot/txn/$ID/undo.sh ROOT'\"\n"
	"\n"
	"# state_of MANIFEST: the transaction's state (the first \"state\" line of the manifest)\n"
	"state_of() {\n"
	"\twhile IFS= read -r l || [ -n \"$l\" ]; do\n"
	"\t\tcase $l in *'\"state\": \"'*) l=${l#*\\\"state\\\": \\\"}; echo \"${l%%\\\"*}\"; return 0 ;; esac\n"
	"\tdone < \"$1\"\n"
	"}\n"
	"# set_state STATE: rewrites the manifest's state line, nothing else (temp file, then mv)\n"
	"set_state() {\n"
	"\tdone=0\n"
	"\twhile IFS= read -r l || [ -n \"$l\" ]; do\n"
	"\t\tif [ $done = 0 ]; then\n"
	"\t\t\tcase $l in *'\"state\": \"'*) l=\"${l%%\\\"state\\\"*}\\\"state\\\": \\\"$1\\\",\"; done=1 ;; esac\n"
	"\t\tfi\n"
	"\t\tprintf '%s\\n' \"$l\"\n"
	"\tdone < \"$J/manifest.json\" > \"$J/.#manifest.json.vpsh\" && mv -f \"$J/.#manifest.json.vpsh\" \"$J/manifest.json\" ||\n"
	"\t\tdie \"cannot update $J/manifest.json\"\n"
	"}\n"
	"# same A B: true when both files hold the same lines (compared by the shell: no cmp needed)\n"
	"same() {\n"
	"\t[ -f \"$1\" ] && [ -f \"$2\" ] || return 1\n"
	"\texec 3<\"$1\" 4<\"$2\"\n"
	"\twhile :; do\n"
	"\t\ta= b=\n"
	"\t\tIFS= read -r a <&3; ra=$?\n"
	"\t\tIFS= read -r b <&4; rb=$?\n"
	"\t\tif [ \"$ra\" != \"$rb\" ] || [ \"$a\" != \"$b\" ]; then exec 3<&- 4<&-; return 1; fi\n"
	"\t\t[ \"$ra\" = 0 ] || break\n"
	"\tdone\n"
	"\texec 3<&- 4<&-\n"
	"\treturn 0\n"
	"}\n"
	"# nolink REL...: from outside the root, no directory on the way may be a symbolic link\n"
	"nolink() {\n"
	"\t[ -n \"$R\" ] || return 0\n"
	"\tfor p in \"$@\"; do [ -L \"$R/$p\" ] && die \"/$p is a symbolic link; restore by hand from $J\"; done\n"
	"\treturn 0\n"
	"}\n"
	"# check REL ORIG NEW: the file holds what the transaction wrote (NEW), or the original (ORIG)\n"
	"check() {\n"
	"\tf=\"$R/$1\"\n"
	"\tif [ -L \"$f\" ]; then die \"/$1 is a symbolic link now; undo.sh changes nothing\"; fi\n"
	"\tif [ -e \"$f\" ]; then\n"
	"\t\t[ -n \"$3\" ] && same \"$f\" \"$J/$3\" && return 0\n"
	"\t\t[ -n \"$2\" ] && same \"$f\" \"$J/$2\" && return 0\n"
	"\t\tdie \"/$1 changed after transaction $ID; undo.sh changes nothing. Put back what vfio-pilot wrote ($J/$3) \"\\\n"
	"\"or edit the file by hand\"\n"
	"\tfi\n"
	"\t[ -z \"$3\" ] || [ -z \"$2\" ] || die \"/$1 is missing; undo.sh changes nothing (the original is $J/$2)\"\n"
	"}\n"
	"failed=0\n"
	"fail() { echo \"undo.sh: $*\" >&2; failed=1; }\n"
	"# restore REL ORIG ALWAYS: the original back (cp -p keeps the copy's mode and owner, the original's), or\n"
	"# the file removed when it did not exist; ALWAYS=1 copies even when the content is the original already\n"
	"restore() {\n"
	"\tf=\"$R/$1\"; d=${f%/*}; n=${f##*/}\n"
	"\tfor t in \"$d/.#$n.vp\"*; do [ -e \"$t\" ] && rm -f \"$t\"; done\n"
	"\tif [ -n \"$2\" ]; then\n"
	"\t\t[ \"$3\" = 0 ] && same \"$f\" \"$J/$2\" && return 0\n"
	"\t\tcp -p \"$J/$2\" \"$d/.#$n.vpsh\" && mv -f \"$d/.#$n.vpsh\" \"$f\" || fail \"cannot restore /$1 from $J/$2\"\n"
	"\telse\n"
	"\t\trm -f \"$f\" || fail \"cannot remove /$1\"\n"
	"\tfi\n"
	"}\n"
	"# rmdir_empty REL: a directory the transaction created, removed when it is empty\n"
	"rmdir_empty() {\n"
	"\td=\"$R/$1\"\n"
	"\t[ -d \"$d\" ] && [ ! -L \"$d\" ] || return 0\n"
	"\tfor x in \"$d\"/* \"$d\"/.[!.]* \"$d\"/..?*; do\n"
	"\t\tif [ -e \"$x\" ] || [ -L \"$x\" ]; then return 0; fi\n"
	"\tdone\n"
	"\trm -r \"$d\" || fail \"cannot remove the directory /$1\"\n"
	"}\n"
	"# run ARGV...: a command of the transaction, inside the root\n"
	"run() {\n"
	"\techo \"undo.sh: running: $*\"\n"
	"\tif [ -n \"$R\" ]; then chroot \"$R\" \"$@\"; else \"$@\"; fi\n"
	"\trc=$?\n"
	"\t[ $rc = 0 ] || fail \"'$*' exited $rc; fix that, then run undo.sh (or vfio-pilot undo $ID) again\"\n"
	"}\n"
	"\n"
	"state=$(state_of \"$J/manifest.json\")\n"
	"case $state in\n"
	"undone | rolled-back) echo \"undo.sh: transaction $ID is $state already; nothing to do\"; exit 0 ;;\n"
	"applied | undo-failed | undoing) final=undone; failstate=undo-failed; mid=undoing ;;\n"
	"prepared | applying | rolling-back | rollback-failed) final=rolled-back; failstate=rollback-failed; mid=rolling-back ;;\n"
	"*) die \"transaction $ID is in state '$state'; see vfio-pilot history\" ;;\n"
	"esac\n"
	"# stack order: a newer transaction still applied is undone first\n"
	"for m in \"$R/var/lib/vfio-pilot/txn/\"*/manifest.json; do\n"
	"\t[ -f \"$m\" ] || continue\n"
	"\tn=${m%/manifest.json}; n=${n##*/}\n"
	"\tcase $n in '' | *[!0-9]*) continue ;; esac\n"
	"\t[ \"$n\" -gt \"$ID\" ] || continue\n"
	"\t[ \"$(state_of \"$m\")\" = applied ] && die \"transaction $n was applied after $ID; undo it first (its undo.sh)\"\n"
	"done\n"
	"if [ -n \"$R\" ] && [ ! -e \"$R/proc/self\" ]; then\n"
	"\techo \"undo.sh: note: $R/proc is not mounted; boot loader and initramfs commands may need /proc, /sys and /dev \"\\\n"
	"\"bound into $R first (man 8 vfio-pilot, RESCUE)\" >&2\n"
	"fi\n";

char *vp_undo_sh_build(const struct vp_txn *t)
{
	struct vp_buf b = { 0 };
	vp_buf_printf(&b, "#!/bin/sh\n"
			  "# The way back from vfio-pilot transaction %s without vfio-pilot: restores the files it changed\n"
			  "# from this journal and reruns its rebuild commands, with only sh, cp, mv, rm and chroot.\n"
			  "#   inside the installed system:  chroot ROOT sh /%s/%s/undo.sh   (or sh /%s/%s/undo.sh)\n"
			  "#   from a live USB:              sh ROOT/%s/%s/undo.sh ROOT\n"
			  "# It changes nothing when a file changed after the transaction. See man 8 vfio-pilot, RESCUE.\n"
			  "ID=%s\n",
		      t->id, VP_TXN_DIR, t->id, VP_TXN_DIR, t->id, VP_TXN_DIR, t->id, t->id);
	vp_buf_puts(&b, prologue);
	/* 1. every file is checked before anything changes */
	vp_buf_puts(&b, "\n# 1. the files: each must hold what the transaction wrote, or the original\n");
	for (size_t i = 0; i < t->n_changes; i++) {
		const struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_FILE)
			continue;
		vp_buf_puts(&b, "nolink");
		_cleanup_free_ char *p = strdup(c->path);
		for (char *s = p ? strchr(p, '/') : NULL; s; s = strchr(s + 1, '/')) {
			*s = 0;
			vp_buf_puts(&b, " ");
			put_word(&b, p);
			*s = '/';
		}
		vp_buf_puts(&b, "\ncheck ");
		put_word(&b, c->path);
		if (c->old)
			vp_buf_printf(&b, " orig/%zu", i);
		else
			vp_buf_puts(&b, " ''");
		if (c->new)
			vp_buf_printf(&b, " new/%zu\n", i);
		else
			vp_buf_puts(&b, " ''\n");
	}
	vp_buf_puts(&b, "\nset_state \"$mid\"\n");
	/* 2. files back, in reverse order, then the directories the transaction created */
	vp_buf_puts(&b, "\n# 2. the originals back, newest change first\n");
	for (size_t i = t->n_changes; i-- > 0;) {
		const struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_FILE)
			continue;
		vp_buf_puts(&b, "restore ");
		put_word(&b, c->path);
		if (c->old)
			vp_buf_printf(&b, " orig/%zu %d\n", i, c->old_mode != c->mode);
		else
			vp_buf_puts(&b, " '' 0\n");
		for (size_t k = vp_strv_len(c->created_dirs); k-- > 0;) {
			vp_buf_puts(&b, "rmdir_empty ");
			put_word(&b, c->created_dirs[k]);
			vp_buf_puts(&b, "\n");
		}
	}
	/* 3. inverse commands (reverse order), then each rebuild once, in plan order */
	vp_buf_puts(&b, "\n# 3. the commands: inverses, newest first, then the rebuilds\n");
	for (size_t i = t->n_changes; i-- > 0;) {
		const struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_COMMAND || !c->undo_argv)
			continue;
		vp_buf_puts(&b, "run");
		put_argv(&b, c->undo_argv);
		vp_buf_puts(&b, "\n");
	}
	char **seen = NULL;
	for (size_t i = 0; i < t->n_changes; i++) {
		const struct vp_change *c = &t->changes[i];
		if (c->kind != VP_CHANGE_COMMAND || !(c->flags & VP_CMD_RERUN_ON_UNDO))
			continue;
		_cleanup_free_ char *shown = vp_argv_format(c->argv);
		if (!shown || vp_strv_contains(seen, shown))
			continue;
		vp_strv_push(&seen, shown);
		vp_buf_puts(&b, "run");
		put_argv(&b, c->argv);
		vp_buf_puts(&b, "\n");
	}
	vp_strv_free(seen);
	vp_buf_puts(&b, "\nif [ $failed = 0 ]; then\n"
			"\tset_state \"$final\"\n"
			"\techo \"undo.sh: transaction $ID is $final: its files are restored. Reboot to return to the previous \"\\\n"
			"\"boot configuration.\"\n"
			"\texit 0\n"
			"fi\n"
			"set_state \"$failstate\"\n"
			"echo \"undo.sh: transaction $ID is $failstate: fix what failed above, then run undo.sh again \"\\\n"
			"\"(or vfio-pilot undo $ID)\" >&2\n"
			"exit 1\n");
	return vp_buf_steal(&b);
}
