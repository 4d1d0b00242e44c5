/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* diagnose, rendering: findings, summary and sources into a document (see diagnose-sources.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose-sources.h"

void vp_diag_render(const struct vp_diag *d, const struct vp_diag_source *sources, size_t n_sources,
		    struct vp_doc *doc)
{
	unsigned long n[3] = { 0 };
	size_t nf;
	const struct vp_finding *fs = vp_diag_findings(d, &nf);
	const struct vp_diag_stats *stats = vp_diag_stats(d);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < nf; i++) {
		const struct vp_finding *f = &fs[i];
		n[f->severity]++;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(f->entry->id));
		json_object_object_add(o, "severity", json_object_new_string(vp_severity_to_string(f->severity)));
		json_object_object_add(o, "device", f->device[0] ? json_object_new_string(f->device) : NULL);
		json_object_object_add(o, "group", f->group >= 0 ? json_object_new_int(f->group) : NULL);
		json_object_object_add(o, "source", json_object_new_string(f->source));
		json_object_object_add(o, "line", f->line ? json_object_new_int64((int64_t)f->line) : NULL);
		json_object_object_add(o, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(o, "text", json_object_new_string(f->text));
		json_object_object_add(o, "cause", json_object_new_string(f->cause ? f->cause : ""));
		json_object_object_add(o, "fix", json_object_new_string(f->fix ? f->fix : ""));
		json_object_array_add(arr, o);

		struct vp_buf t = { 0 };
		vp_buf_printf(&t, "%s %s%s%s: %s", f->severity == VP_SEV_ERROR     ? "[ERROR]"
						   : f->severity == VP_SEV_WARNING ? "[WARN] "
										   : "[INFO] ",
			      f->entry->id, f->device[0] ? " " : "", f->device, f->entry->title);
		if (f->count > 1)
			vp_buf_printf(&t, " (%lu lines)", f->count);
		if (f->line)
			vp_buf_printf(&t, "\n  %s:%lu: %s", f->source, f->line, f->text);
		else
			vp_buf_printf(&t, "\n  %s: %s", f->source, f->text);
		vp_buf_printf(&t, "\n  cause: %s", f->cause ? f->cause : "");
		if (f->fix && *f->fix)
			vp_buf_printf(&t, "\n  fix:   %s", f->fix);
		char *s = vp_buf_steal(&t);
		vp_doc_text(doc, "%s", s ? s : "");
		free(s);
	}
	vp_doc_json(doc, "findings", arr);

	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "errors", json_object_new_int64((int64_t)n[VP_SEV_ERROR]));
	json_object_object_add(sum, "warnings", json_object_new_int64((int64_t)n[VP_SEV_WARNING]));
	json_object_object_add(sum, "info", json_object_new_int64((int64_t)n[VP_SEV_INFO]));
	json_object_object_add(sum, "lines", json_object_new_int64((int64_t)stats->lines));
	json_object_object_add(sum, "skipped", json_object_new_int64((int64_t)stats->skipped));
	json_object_object_add(sum, "dropped", json_object_new_int64((int64_t)stats->dropped));
	vp_doc_json(doc, "summary", sum);

	json_object *src = json_object_new_array();
	struct vp_buf st = { 0 };
	for (size_t i = 0; i < n_sources; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(sources[i].name));
		json_object_object_add(o, "status", json_object_new_string(sources[i].status));
		json_object_object_add(o, "lines", json_object_new_int64((int64_t)sources[i].lines));
		json_object_object_add(o, "note", sources[i].note ? json_object_new_string(sources[i].note) : NULL);
		json_object_array_add(src, o);
		vp_buf_printf(&st, "%s  %s: %s", i ? "\n" : "", sources[i].name, sources[i].status);
		if (streq(sources[i].status, "read"))
			vp_buf_printf(&st, ", %lu line%s", sources[i].lines, sources[i].lines == 1 ? "" : "s");
		if (sources[i].note)
			vp_buf_printf(&st, " (%s)", sources[i].note);
	}
	vp_doc_json(doc, "sources", src);
	char *s = vp_buf_steal(&st);
	vp_doc_text(doc, "%s%s\n%lu error%s, %lu warning%s, %lu info in %lu line%s%s", "Sources:\n", s ? s : "",
		    n[VP_SEV_ERROR], n[VP_SEV_ERROR] == 1 ? "" : "s", n[VP_SEV_WARNING],
		    n[VP_SEV_WARNING] == 1 ? "" : "s", n[VP_SEV_INFO], stats->lines, stats->lines == 1 ? "" : "s",
		    stats->skipped ? " (garbled lines skipped)" : "");
	free(s);
}
