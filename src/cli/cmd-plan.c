/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot plan DEVICE...: what apply would change, as diffs and commands. Changes nothing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../lib/fallback.h"
#include "../lib/util.h"

int vp_cli_plan_opts(const char *cmd, int argc, char *argv[], struct vp_plan_opts *po, bool *yes, int *ret_optind)
{
	enum { O_ALLOW = 0x100, O_WHOLE, O_PT, O_BLACKLIST, O_BOOT, O_INITRAMFS, O_YES, O_DRYRUN, O_ALLOW_DEV, O_NO_PT, O_NO_BLACKLIST };
	static const struct option longopts[] = {
		{ "allow-host-gpu", no_argument, NULL, O_ALLOW }, { "whole-group", no_argument, NULL, O_WHOLE },
		{ "iommu-pt", no_argument, NULL, O_PT },          { "blacklist", no_argument, NULL, O_BLACKLIST },
		{ "bootloader", required_argument, NULL, O_BOOT }, { "initramfs", required_argument, NULL, O_INITRAMFS },
		{ "yes", no_argument, NULL, O_YES },              { "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, O_DRYRUN },
		{ "allow-host-device", no_argument, NULL, O_ALLOW_DEV },
		{ "no-iommu-pt", no_argument, NULL, O_NO_PT },    { "no-blacklist", no_argument, NULL, O_NO_BLACKLIST },
		{ NULL, 0, NULL, 0 },
	};
	*po = (struct vp_plan_opts){ 0 };
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "hy", longopts, NULL)) != -1) {
		switch (c) {
		case O_ALLOW: po->allow_host_gpu = true; break;
		case O_ALLOW_DEV: po->allow_host_device = true; break;
		case O_WHOLE: po->whole_group = true; break;
		case O_PT: po->iommu_pt = true; break;
		case O_BLACKLIST: po->blacklist = true; break;
		case O_NO_PT: po->no_iommu_pt = true; break;
		case O_NO_BLACKLIST: po->no_blacklist = true; break;
		case O_BOOT:
			if (streq(optarg, "none")) {
				po->no_bootloader = true;
			} else if ((po->bootloader = vp_bootloader_from_string(optarg)) == _VP_BOOT_MAX) {
				vp_cli_error("%s: unknown boot loader '%s'; one of grub, grubby, systemd-boot, kernelstub, rpm-ostree, none",
					     cmd, optarg);
				return VP_EXIT_USAGE;
			}
			break;
		case O_INITRAMFS:
			if ((po->initramfs = vp_initramfs_from_string(optarg)) == _VP_INITRAMFS_MAX) {
				vp_cli_error("%s: unknown initramfs generator '%s'; one of dracut, mkinitcpio, initramfs-tools, rpm-ostree",
					     cmd, optarg);
				return VP_EXIT_USAGE;
			}
			break;
		case 'y':
		case O_YES:
			if (!yes) {
				vp_cli_error("%s: unknown option '--yes'", cmd);
				return vp_cli_usage(cmd);
			}
			*yes = true;
			break;
		case O_DRYRUN:
			/* apply/release: show the plan only; plan changes nothing anyway */
			if (yes)
				po->dry_run = true;
			break;
		case 'h':
			vp_cli_no_options(cmd, 2, (char *[]){ (char *)cmd, "--help", NULL });
			printf("\nOptions:\n"
			       "  --allow-host-gpu     allow handing over the boot display or the last display (single-GPU setups)\n"
			       "  --allow-host-device  allow handing over storage or a NIC the host uses (mounts, swap, default route)\n"
			       "  --whole-group        hand over every device of a shared IOMMU group\n"
			       "  --iommu-pt           also add iommu=pt (identity mapping for host devices; optional)\n"
			       "  --blacklist          also blacklist the card's host GPU drivers\n"
			       "  --no-iommu-pt        drop iommu=pt that an earlier apply added (it is kept otherwise)\n"
			       "  --no-blacklist       drop the blacklist that an earlier apply wrote (it is kept otherwise)\n"
			       "  --bootloader NAME    grub, grubby, systemd-boot, kernelstub, rpm-ostree or none (default: detected)\n"
			       "  --initramfs NAME     dracut, mkinitcpio, initramfs-tools or rpm-ostree (default: detected)\n%s",
			       yes ? "  -y, --yes            apply without asking\n"
				     "  --dry-run            show the plan and change nothing (no root needed)\n" : "");
			return VP_EXIT_OK;
		default:
			return vp_cli_opt_error(cmd, argc, argv, "hy", longopts);
		}
	}
	*ret_optind = optind;
	return -1;
}

int vp_cli_plan_build(const struct vp_opts *o, const char *cmd, struct vp_plan_opts *po, struct vp_root *root,
		      struct vp_host *h, struct vp_plan **ret)
{
	_cleanup_free_ char *err = NULL;
	int e = vp_plan_build(root, h, po, ret, &err);
	if (e == -EINVAL) {
		vp_cli_error("%s: %s", cmd, err ? err : "invalid device");
		return VP_EXIT_USAGE;
	}
	if (e < 0) {
		vp_cli_error("%s: cannot build the plan: %s", cmd, strerror(-e));
		return VP_EXIT_USAGE;
	}
	return -1;
}

int cmd_plan(const struct vp_opts *o, int argc, char *argv[])
{
	struct vp_plan_opts po;
	int first;
	int r = vp_cli_plan_opts("plan", argc, argv, &po, NULL, &first);
	if (r >= 0)
		return r;
	po.devices = argv + first;
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, VP_HOST_MODULES, &root, &h);
	if (r)
		return r;
	_cleanup_(vp_plan_freep) struct vp_plan *p = NULL;
	r = vp_cli_plan_build(o, "plan", &po, root, h, &p);
	if (r >= 0)
		return r;
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_plan_render(p, doc);
	if (!p->blockers && !p->no_bootloader) { /* the way back (recipe.c) */
		_cleanup_free_ char *fb = vp_fallback_planned_title(p->cs);
		vp_cli_recipe(root, h, &p->platform, p->kargs, fb, doc);
	}
	r = vp_cli_render_paged(o, doc);
	return r ? r : p->blockers ? (vp_plan_firmware_only(p) ? VP_EXIT_FAIL : VP_EXIT_REFUSED) : VP_EXIT_OK;
}
