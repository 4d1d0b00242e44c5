/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handed-over set as the host's desired state (see handover.h). */
#include "handover.h"

#include <stdio.h>
#include <string.h>

#include <sys/stat.h>

#include "bootcfg.h"
#include "changeset.h"
#include "fallback.h"
#include "plan.h"
#include "select.h"
#include "output.h"
#include "util.h"

#define ADD(v, ...) vp_strv_push_take(&(v), vp_strdup_printf(__VA_ARGS__))

void vp_handover_done(struct vp_handover *s)
{
	free(s->txn);
	vp_strv_free(s->devices);
	vp_strv_free(s->kargs_owned);
	vp_strv_free(s->blacklisted);
	*s = (struct vp_handover){ 0 };
}

static char **json_strv(json_object *a)
{
	char **out = calloc(1, sizeof(char *));
	for (size_t i = 0; out && a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		if (s)
			vp_strv_push(&out, s);
	}
	return out;
}

int vp_handover_load(struct vp_root *root, struct vp_handover *ret)
{
	*ret = (struct vp_handover){ 0 };
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	int e = vp_txn_last_applied(root, &t);
	if (e == -ENOENT || e == -ENOTDIR) {
		ret->devices = calloc(1, sizeof(char *));
		ret->kargs_owned = calloc(1, sizeof(char *));
		return ret->devices && ret->kargs_owned ? 0 : -ENOMEM;
	}
	if (e < 0)
		return e;
	json_object *devs = NULL, *owned = NULL;
	json_object_object_get_ex(t->meta, "devices", &devs);
	/* journals written before the set was a state have no kernel_args_owned: the plan's arguments then */
	if (!json_object_object_get_ex(t->meta, "kernel_args_owned", &owned))
		json_object_object_get_ex(t->meta, "kernel_args", &owned);
	ret->txn = strdup(t->id);
	ret->devices = json_strv(devs);
	ret->kargs_owned = json_strv(owned);
	/* journals written before the options were part of the state: iommu=pt among the owned arguments */
	json_object *opts = NULL, *pt = NULL, *bl = NULL;
	if (json_object_object_get_ex(t->meta, "options", &opts) && json_object_is_type(opts, json_type_object)) {
		json_object_object_get_ex(opts, "iommu_pt", &pt);
		json_object_object_get_ex(opts, "blacklisted", &bl);
		ret->iommu_pt = json_object_get_boolean(pt);
	} else {
		ret->iommu_pt = ret->kargs_owned && vp_strv_contains(ret->kargs_owned, "iommu=pt");
	}
	ret->blacklisted = json_strv(bl);
	if (!ret->txn || !ret->devices || !ret->kargs_owned || !ret->blacklisted) {
		vp_handover_done(ret);
		return -ENOMEM;
	}
	return 0;
}

int vp_handover_pin(struct vp_root *root, const char *rel, const char *content, struct vp_changeset **ret)
{
	_cleanup_(vp_changeset_freep) struct vp_changeset *cs = NULL;
	int e = vp_changeset_new(root, &cs);
	if (e < 0)
		return e;
	e = vp_changeset_set_file(cs, rel, content, strlen(content), 0644);
	if (e < 0)
		return e;
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	e = vp_txn_last_applied(root, &t);
	if (e < 0 && e != -ENOENT && e != -ENOTDIR)
		return e;
	static const char *const carried[] = { "devices", "kernel_args", "kernel_args_owned", "options", "bind", "cards",
					       "distro", "bootloader", "initramfs" };
	for (size_t i = 0; t && i < ARRAY_SIZE(carried); i++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(t->meta, carried[i], &v))
			vp_changeset_set_meta(cs, carried[i], json_object_get(v));
	}
	if (!t) {
		vp_changeset_set_meta(cs, "devices", json_object_new_array());
		vp_changeset_set_meta(cs, "kernel_args_owned", json_object_new_array());
	}
	vp_changeset_set_meta(cs, "action", json_object_new_string("pin"));
	*ret = TAKE_PTR(cs);
	return 0;
}

/* Does the group of any function of a card in slots hold addr? */
static bool shares_group(const struct vp_host *h, char *const *slots, const char *addr)
{
	const struct vp_pci_dev *x = vp_host_dev(h, addr);
	if (!x || x->iommu_group < 0)
		return false;
	for (size_t s = 0; slots && slots[s]; s++) {
		const struct vp_card *c = vp_host_card(h, slots[s]);
		for (size_t f = 0; c && f < c->n_devs; f++)
			if (c->devs[f]->iommu_group == x->iommu_group)
				return true;
	}
	return false;
}

int vp_handover_merge(struct vp_plan *p, struct vp_root *root, const struct vp_host *h, const struct vp_plan_opts *o,
		      char **ret_err)
{
	struct vp_handover s;
	int e = vp_handover_load(root, &s);
	if (e < 0)
		return e;
	p->release = o->release;
	p->state_txn = TAKE_PTR(s.txn);
	p->state_devices = TAKE_PTR(s.devices);
	p->state_kargs = TAKE_PTR(s.kargs_owned);
	p->iommu_pt = o->iommu_pt || (s.iommu_pt && !o->no_iommu_pt);
	_cleanup_strv_free_ char **dropped_blacklist = NULL; /* what --no-blacklist drops */
	if (o->no_blacklist)
		dropped_blacklist = TAKE_PTR(s.blacklisted);
	else
		p->state_blacklisted = TAKE_PTR(s.blacklisted);

	_cleanup_strv_free_ char **slots = NULL, **extra = NULL;
	for (size_t i = 0; p->state_devices[i]; i++) {
		const char *a = p->state_devices[i];
		const struct vp_pci_dev *d = vp_host_dev(h, a);
		if (!d) {
			ADD(p->warnings, "%s was handed over by transaction %s but is not on this host any more; it leaves the "
					 "handed-over set", a, p->state_txn);
			continue;
		}
		const struct vp_card *c = vp_host_card_of(h, d);
		if (c && !vp_strv_contains(slots, c->slot))
			vp_strv_push(&slots, c->slot);
		else if (!c && !vp_strv_contains(extra, a))
			vp_strv_push(&extra, a);
	}
	if (o->release) {
		/* releasing a card outside the set changes nothing for it (the desired state holds already) */
		for (size_t i = 0; p->slots[i]; i++)
			if (!vp_strv_contains(slots, p->slots[i])) {
				_cleanup_free_ char *now = vp_strv_join(p->state_devices, " ");
				ADD(p->notes, "the card %s is not handed over by vfio-pilot (handed over now: %s); nothing to release for it",
				    p->slots[i], now && *now ? now : "nothing");
			}
		char **keep = NULL;
		for (size_t i = 0; slots && slots[i]; i++)
			if (!vp_strv_contains(p->slots, slots[i]))
				vp_strv_push(&keep, slots[i]);
		/* a --whole-group device without a card of its own goes with the card whose group it shares */
		for (size_t i = 0; extra && extra[i]; i++)
			if (shares_group(h, keep, extra[i]))
				vp_strv_push(&p->extra, extra[i]);
		vp_strv_free(p->slots);
		p->slots = keep ? keep : calloc(1, sizeof(char *));
	} else {
		for (size_t i = 0; slots && slots[i]; i++)
			if (!vp_strv_contains(p->slots, slots[i]))
				vp_strv_push(&p->slots, slots[i]);
		for (size_t i = 0; extra && extra[i]; i++)
			vp_strv_push(&p->extra, extra[i]);
		vp_strv_sort(p->slots);
	}
	if (!p->slots)
		return -ENOMEM;
	bool empty = !p->slots[0] && !p->extra;
	if (!empty && p->state_txn && s.iommu_pt && !o->iommu_pt)
		ADD(p->notes, o->no_iommu_pt ? "--no-iommu-pt: iommu=pt, added by transaction %s, leaves the boot configuration"
					     : "iommu=pt stays: transaction %s added it (--no-iommu-pt drops it)",
		    p->state_txn);
	_cleanup_free_ char *bl = dropped_blacklist ? vp_strv_join(dropped_blacklist, " ") : NULL;
	if (!empty && bl && *bl)
		ADD(p->notes, "--no-blacklist: %s, blacklisted by transaction %s, may load again", bl, p->state_txn);
	return 0;
}

void vp_handover_kargs(struct vp_plan *p, const struct vp_host *h)
{
	(void)h;
	for (size_t i = 0; p->state_devices && p->state_devices[i]; i++) {
		if (vp_strv_contains(p->addrs, p->state_devices[i]))
			vp_strv_push(&p->stays, p->state_devices[i]);
		else
			vp_strv_push(&p->removed, p->state_devices[i]);
	}
	for (size_t i = 0; p->addrs && p->addrs[i]; i++)
		if (!vp_strv_contains(p->state_devices, p->addrs[i]))
			vp_strv_push(&p->added, p->addrs[i]);
	for (size_t i = 0; p->state_kargs && p->state_kargs[i]; i++)
		if (!vp_strv_contains(p->kargs, p->state_kargs[i]))
			vp_strv_push(&p->kargs_stale, p->state_kargs[i]);
}

/* ------------------------------------------------------------------ word removal */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Removes whole words of one line (len bytes at s) into out. */
static void drop_in_line(struct vp_buf *out, const char *s, size_t len, char *const *words)
{
	_cleanup_free_ char *line = strndup(s, len);
	if (!line)
		return;
	for (size_t w = 0; words && words[w]; w++) {
		size_t wl = strlen(words[w]);
		if (!wl)
			continue;
		for (char *hit = line; (hit = strstr(hit, words[w]));) {
			char before = hit == line ? ' ' : hit[-1];
			char after = hit[wl];
			bool lb = blank(before) || before == '"' || before == '\'' || before == '=';
			bool rb = !after || blank(after) || after == '"' || after == '\'';
			if (!lb || !rb) {
				hit++;
				continue;
			}
			char *from = hit, *to = hit + wl;
			if (hit > line && blank(hit[-1]))
				from--; /* the blank that append put before it */
			else if (blank(*to))
				to++;
			memmove(from, to, strlen(to) + 1);
			hit = from;
		}
	}
	vp_buf_puts(out, line);
}

char *vp_handover_drop_words(const char *text, const char *prefix, char *const *words)
{
	struct vp_buf out = { 0 };
	vp_buf_puts(&out, "");
	for (const char *p = text ? text : ""; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;
		while ((size_t)(q - p) < len && blank(*q))
			q++;
		if (!prefix || (strncmp(q, prefix, strlen(prefix)) == 0 && *q != '#'))
			drop_in_line(&out, p, len, words);
		else
			vp_buf_append(&out, p, len);
		if (nl)
			vp_buf_puts(&out, "\n");
		p = nl ? nl + 1 : p + len;
	}
	return vp_buf_steal(&out);
}

static void drop_in_file(struct vp_plan *p, struct vp_root *root, const char *rel, const char *prefix)
{
	_cleanup_free_ char *cur = NULL;
	if (vp_changeset_read(p->cs, rel, &cur, NULL) <= 0)
		return;
	_cleanup_free_ char *nw = vp_handover_drop_words(cur, prefix, p->kargs_stale);
	if (!nw || streq(nw, cur))
		return;
	struct stat st;
	mode_t mode = vp_root_stat(root, rel, &st) == 0 ? st.st_mode & 07777 : 0644;
	if (vp_changeset_set_file(p->cs, rel, nw, strlen(nw), mode) == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
}


void vp_handover_drop_stale(struct vp_plan *p, struct vp_root *root)
{
	if (!p->kargs_stale || !p->kargs_stale[0])
		return;
	_cleanup_free_ char *joined = vp_strv_join(p->kargs_stale, " ");
	if (p->no_bootloader) {
		ADD(p->next_steps, "Remove these arguments from the kernel command line yourself (--bootloader none): %s", joined);
		return;
	}
	drop_in_file(p, root, "etc/default/grub", "GRUB_CMDLINE_LINUX");
	_cleanup_strv_free_ char **dropins = NULL;
	if (vp_root_list(root, "etc/default/grub.d", &dropins) == 0)
		for (size_t i = 0; dropins[i]; i++)
			if (strlen(dropins[i]) > 4 && streq(dropins[i] + strlen(dropins[i]) - 4, ".cfg")) {
				_cleanup_free_ char *rel = vp_strdup_printf("etc/default/grub.d/%s", dropins[i]);
				if (rel)
					drop_in_file(p, root, rel, "GRUB_CMDLINE_LINUX");
			}
	drop_in_file(p, root, "etc/kernel/cmdline", NULL);
	switch (p->platform.bootloader) {
	case VP_BOOT_SYSTEMD_BOOT:
		for (size_t d = 0; vp_bls_dirs[d]; d++) {
			_cleanup_strv_free_ char **names = NULL;
			if (vp_root_list(root, vp_bls_dirs[d], &names) < 0)
				continue;
			for (size_t i = 0; names[i]; i++) {
				_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", vp_bls_dirs[d], names[i]);
				size_t l = strlen(names[i]);
				if (rel && l > 5 && streq(names[i] + l - 5, ".conf") && !vp_fallback_entry_is_ours(root, rel))
					drop_in_file(p, root, rel, "options");
			}
		}
		break;
	case VP_BOOT_GRUBBY: {
		_cleanup_free_ char *rem = vp_strdup_printf("--remove-args=%s", joined);
		_cleanup_free_ char *add = vp_strdup_printf("--args=%s", joined);
		vp_changeset_command(p->cs, (char *[]){ "grubby", "--update-kernel=ALL", rem, NULL },
				     (char *[]){ "grubby", "--update-kernel=ALL", add, NULL }, 0,
				     "take the arguments of the previous handed-over set out of every boot entry");
		break;
	}
	case VP_BOOT_KERNELSTUB:
		vp_changeset_command(p->cs, (char *[]){ "kernelstub", "-d", joined, NULL },
				     (char *[]){ "kernelstub", "-a", joined, NULL }, 0,
				     "take the arguments of the previous handed-over set out of kernelstub's configuration");
		break;
	case VP_BOOT_RPM_OSTREE: {
		char **argv = NULL, **undo = NULL;
		vp_strv_push(&argv, "rpm-ostree");
		vp_strv_push(&argv, "kargs");
		vp_strv_push(&undo, "rpm-ostree");
		vp_strv_push(&undo, "kargs");
		for (size_t i = 0; p->kargs_stale[i]; i++) {
			vp_strv_push_take(&argv, vp_strdup_printf("--delete-if-present=%s", p->kargs_stale[i]));
			vp_strv_push_take(&undo, vp_strdup_printf("--append-if-missing=%s", p->kargs_stale[i]));
		}
		vp_changeset_command(p->cs, argv, undo, 0, "take the arguments of the previous handed-over set out of the next deployment");
		vp_strv_free(argv);
		vp_strv_free(undo);
		break;
	}
	default:
		break;
	}
	ADD(p->notes, "the previous handed-over set's arguments leave the boot configuration: %s", joined);
}

/* ------------------------------------------------------------------ the empty set */

static void delete_file(struct vp_plan *p, const char *rel)
{
	int e = vp_changeset_set_file(p->cs, rel, NULL, 0, 0644);
	if (e == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
}

/* A file change whose path starts with one of the prefixes. */
static bool changes_under(struct vp_changeset *cs, const char *a, const char *b)
{
	for (size_t i = 0; i < vp_changeset_n(cs); i++) {
		const struct vp_change *c = vp_changeset_get(cs, i);
		if (c->kind == VP_CHANGE_FILE && (vp_startswith(c->path, a) || vp_startswith(c->path, b)))
			return true;
	}
	return false;
}

static bool has_command(struct vp_changeset *cs, const char *needle)
{
	for (size_t i = 0; i < vp_changeset_n(cs); i++) {
		const struct vp_change *c = vp_changeset_get(cs, i);
		if (c->kind == VP_CHANGE_COMMAND && strstr(c->argv[0], needle))
			return true;
	}
	return false;
}

void vp_handover_teardown(struct vp_plan *p, struct vp_root *root)
{
	delete_file(p, VP_PLAN_MODPROBE);
	/* /etc/kernel/cmdline stays, with the host's own line only (vp_handover_drop_stale): deleting it would let
	 * kernel-install copy /proc/cmdline, passthrough arguments included, into the next kernel's entry */
	if (p->no_bootloader)
		return;
	switch (p->platform.bootloader) {
	case VP_BOOT_GRUB:
		if (vp_root_exists(root, VP_FALLBACK_GRUB_SCRIPT) > 0)
			delete_file(p, VP_FALLBACK_GRUB_SCRIPT);
		/* the fallback script gone or the arguments out of /etc/default/grub*: grub.cfg must follow */
		if (!has_command(p->cs, "grub") && changes_under(p->cs, "etc/default/grub", "etc/grub.d/"))
			vp_plan_grub_regen(p);
		break;
	case VP_BOOT_SYSTEMD_BOOT:
		for (size_t d = 0; vp_bls_dirs[d]; d++) {
			_cleanup_strv_free_ char **names = NULL;
			if (vp_root_list(root, vp_bls_dirs[d], &names) < 0)
				continue;
			for (size_t i = 0; names[i]; i++) {
				_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", vp_bls_dirs[d], names[i]);
				if (rel && vp_fallback_entry_is_ours(root, rel))
					delete_file(p, rel);
			}
		}
		break;
	case VP_BOOT_GRUBBY: {
		/* the entry was added by a command: its inverse, from the journal, removes it (and undo adds it back) */
		struct vp_txn **v = NULL;
		size_t n = 0;
		if (vp_txn_list(root, &v, &n) < 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!streq(v[i]->state, "applied"))
				continue;
			for (size_t k = 0; k < v[i]->n_changes; k++) {
				const struct vp_change *c = &v[i]->changes[k];
				if (c->kind == VP_CHANGE_COMMAND && c->undo_argv && streq(c->argv[0], "grubby") && c->argv[1] &&
				    vp_startswith(c->argv[1], "--add-kernel"))
					vp_changeset_command(p->cs, c->undo_argv, c->argv, 0, "remove the fallback boot entry");
			}
		}
		vp_txn_list_free(v, n);
		break;
	}
	default:
		break;
	}
}

void vp_handover_meta(struct vp_plan *p, const struct vp_host *h)
{
	/* the arguments vfio-pilot owns after this plan: those it owned and still wants, plus those it adds now and
	 * that were not the host's own already (on the running command line) */
	_cleanup_strv_free_ char **owned = NULL;
	for (size_t i = 0; p->kargs && p->kargs[i]; i++) {
		const char *a = p->kargs[i];
		if (vp_strv_contains(p->state_kargs, a) ||
		    (vp_strv_contains(p->kargs_missing, a) && !vp_cmdline_has(h->cmdline_words, a)))
			vp_strv_push(&owned, a);
	}
	vp_changeset_set_meta(p->cs, "action", json_object_new_string(p->release ? "release" : "apply"));
	vp_changeset_set_meta(p->cs, "added", vp_json_strv(p->added));
	vp_changeset_set_meta(p->cs, "removed", vp_json_strv(p->removed));
	vp_changeset_set_meta(p->cs, "cards", vp_json_strv(p->slots));
	vp_changeset_set_meta(p->cs, "kernel_args_owned", vp_json_strv(owned));
	json_object *opts = json_object_new_object();
	json_object_object_add(opts, "iommu_pt", json_object_new_boolean(p->iommu_pt));
	json_object_object_add(opts, "blacklisted", vp_json_strv(p->blacklisted));
	vp_changeset_set_meta(p->cs, "options", opts);
}
