/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot recommend: which way to give each GPU to a guest. */
#include "cli.h"
#include "../lib/recommend.h"

int cmd_recommend(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("recommend", argc, argv);
	if (r >= 0)
		return r;
	if (argc > 1) {
		vp_cli_error("recommend: unexpected argument '%s'; it looks at every GPU of the host", argv[1]);
		return vp_cli_usage("recommend");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, VP_HOST_NAMES, &root, &h);
	if (r)
		return r;
	struct vp_gpu_rec *recs = NULL;
	size_t n = 0;
	if (vp_recommend(h, &recs, &n) < 0) {
		vp_cli_error("recommend: out of memory");
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_recommend_render(h, recs, n, doc);
	vp_recommend_free(recs, n);
	return vp_cli_render(o, doc);
}
