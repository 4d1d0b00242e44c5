/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-pilot's Cockpit page. Every fact comes from `vfio-pilot ... --json` run through
 * cockpit.spawn; the page parses no text output (the apply log is shown as it streams, and the
 * result is then read back from `history --json`). Host data is only ever put into the page as
 * text nodes, never as HTML.
 *
 * For tests the page takes a host tree: index.html?root=DIR (or the Cockpit location option
 * root=DIR) runs every command with --root DIR.
 */
"use strict";

(function () {
    const params = new URLSearchParams(window.location.search);
    const ROOT = params.get("root") || (cockpit.location.options && cockpit.location.options.root) || null;
    const PROGRAM = params.get("program") || "vfio-pilot";
    const EXIT_PERM = 4;
    const EXIT_REFUSED = 5;

    let selected = new Set();       /* card slots chosen under Devices */
    let lastPlan = null;

    /* ---- small DOM helpers: text only ---- */
    function el(tag, attrs, ...kids) {
        const e = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (v === null || v === undefined || v === false)
                continue;
            if (k === "class")
                e.className = v;
            else if (k.startsWith("on"))
                e.addEventListener(k.slice(2), v);
            else
                e.setAttribute(k, v === true ? "" : v);
        }
        for (const k of kids.flat()) {
            if (k === null || k === undefined || k === false)
                continue;
            e.appendChild(typeof k === "string" || typeof k === "number" ? document.createTextNode(String(k)) : k);
        }
        return e;
    }
    function $(id) { return document.getElementById(id); }
    function fill(id, ...kids) {
        const e = $(id);
        e.replaceChildren(...kids.flat().filter(k => k !== null && k !== undefined && k !== false));
        return e;
    }

    /* ---- running vfio-pilot ---- */
    function argv(args) {
        const a = [PROGRAM];
        if (ROOT)
            a.push("--root", ROOT);
        return a.concat(args);
    }

    /* Resolves with the JSON document; rejects with {message, exit, doc}: vfio-pilot's own words. */
    function vp(args, opts) {
        opts = opts || {};
        return new Promise((resolve, reject) => {
            const o = { err: "message" };
            if (opts.admin)
                o.superuser = "try";
            const proc = cockpit.spawn(argv(["--json"].concat(args)), o);
            if (opts.input !== undefined)
                proc.input(opts.input);
            proc.then(out => {
                try {
                    resolve(JSON.parse(out));
                } catch (e) {
                    reject({ message: "vfio-pilot printed no JSON document: " + e.message, exit: 0 });
                }
            }).catch((ex, out) => {
                let doc = null;
                try { doc = out ? JSON.parse(out) : null; } catch (e) { doc = null; }
                const code = ex.exit_status;
                if (opts.okCodes && opts.okCodes.includes(code) && doc)
                    return resolve(doc);
                let msg = (ex.message || "").trim();
                if (doc && doc.error && typeof doc.error === "object" && doc.error.message)
                    msg = doc.error.message;
                if (ex.problem === "not-found")
                    msg = "vfio-pilot is not installed on this host (install the vfio-pilot package)";
                reject({ message: msg || ("vfio-pilot exited with " + code), exit: code, doc: doc });
            });
        });
    }

    function showError(err, where) {
        const box = $("alert");
        box.hidden = false;
        const kids = [el("strong", {}, where ? where + ": " : "", "vfio-pilot says: "), el("span", { class: "vp-msg" }, err.message)];
        if (err.exit === EXIT_PERM)
            kids.push(el("p", {}, "This needs administrative access. Turn it on with Cockpit's “Limited access” ",
                         "button in the top bar (or log in with a user that may use sudo), then try again."));
        box.replaceChildren(...kids);
    }
    function clearError() { $("alert").hidden = true; }

    /* ---- tabs ---- */
    function showTab(name) {
        for (const b of document.querySelectorAll(".vp-tabs button"))
            b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false");
        for (const s of document.querySelectorAll(".vp-tab"))
            s.hidden = s.id !== "tab-" + name;
        const loaders = { overview: loadOverview, devices: loadDevices, handover: showSelection, status: loadStatus,
                          history: loadHistory };
        if (loaders[name])
            loaders[name]();
    }

    /* ---- overview ---- */
    function iommuSentence(io) {
        if (!io)
            return "The IOMMU state is unknown.";
        if (io.active) {
            const v = { intel: "Intel VT-d", amd: "AMD-Vi" }[io.vendor] || "an IOMMU";
            return `The IOMMU is active: ${v}, ${io.groups} groups${io.default_domain === "identity" ? " (iommu=pt)" : ""}.`;
        }
        return "The IOMMU is not active, so no device can be handed over yet. " + (io.reason || "");
    }

    function levelBadge(level) {
        return el("span", { class: "vp-badge vp-" + level }, level.toUpperCase());
    }

    function checklist(checks) {
        return el("ul", { class: "vp-checks" }, checks.map(c =>
            el("li", { class: "vp-check", "data-id": c.subject ? c.id + " " + c.subject : c.id, "data-level": c.level },
               levelBadge(c.level), " ",
               el("span", { class: "vp-check-title" }, c.title || (c.subject ? c.id + " " + c.subject : c.id)), " ",
               el("span", { class: "vp-check-summary" }, c.summary || ""),
               c.fix ? el("div", { class: "vp-fix" }, el("strong", {}, "Fix: "), c.fix) : null)));
    }

    let listDoc = null;
    function loadList() {
        return vp(["list"]).then(doc => {
            listDoc = doc;
            fill("iommu", iommuSentence(doc.iommu));
            return doc;
        });
    }

    function loadOverview() {
        clearError();
        loadList().catch(e => { fill("iommu", "Cannot read the host."); showError(e, "list"); });
        vp(["check"], { okCodes: [1] }).then(doc => {
            const fails = doc.checks.filter(c => c.level === "fail").length;
            const warns = doc.checks.filter(c => c.level === "warn").length;
            fill("checks", el("p", { class: "vp-summary" },
                              fails ? `${fails} check(s) fail, ${warns} warn: passthrough will not work until the failures are fixed.`
                                  : warns ? `Ready, with ${warns} warning(s).` : "Ready for passthrough."),
                 checklist(doc.checks));
        }).catch(e => { fill("checks", ""); showError(e, "check"); });
    }

    /* ---- devices ---- */
    function hostNeeds(d) {
        return d.host_needs || d.host_need || d.needed_by || null;
    }

    function groupVerdict(g) {
        if (g.verdict)
            return g.verdict;
        if (g.isolated && g.card)
            return "can be handed over";
        if (g.isolated)
            return "nothing to hand over";
        return "cannot: shared with devices outside one card";
    }

    function devRow(d) {
        const marks = [];
        if (d.boot_vga)
            marks.push(el("span", { class: "vp-mark vp-mark-host" }, "boot display"));
        if (hostNeeds(d))
            marks.push(el("span", { class: "vp-mark vp-mark-host", title: String(hostNeeds(d)) }, "host needs it: ", String(hostNeeds(d))));
        if (d.bridge)
            marks.push(el("span", { class: "vp-mark" }, "bridge"));
        if (d.physfn)
            marks.push(el("span", { class: "vp-mark" }, "VF of " + d.physfn));
        const reset = d.reset_methods ? d.reset_methods.join(", ") || "none" : null;
        const rst = d.reset && typeof d.reset === "object" ? (d.reset.verdict || d.reset.summary || null) : null;
        return el("tr", { "data-address": d.address },
                  el("td", { "data-label": "Address" }, d.address),
                  el("td", { "data-label": "Class" }, d.class_name || ""),
                  el("td", { "data-label": "Device" },
                     [d.vendor_name, d.device_name].filter(Boolean).join(" ") || "unknown device",
                     " [", d.vendor_id || "????", ":", d.device_id || "????", "]"),
                  el("td", { "data-label": "Driver" }, d.driver || "—"),
                  el("td", { "data-label": "Reset" }, rst || reset || "—"),
                  el("td", { "data-label": "Marks" }, marks));
    }

    function loadDevices() {
        clearError();
        fill("groups", el("p", { class: "vp-loading" }, "Reading…"));
        loadList().then(doc => {
            if (!doc.groups.length) {
                fill("groups", el("p", { class: "vp-empty" }, iommuSentence(doc.iommu)),
                     doc.ungrouped.length ? el("table", { class: "vp-table" }, el("tbody", {}, doc.ungrouped.map(devRow))) : null);
                return;
            }
            fill("groups", doc.groups.map(g => {
                const needs = g.devices.filter(hostNeeds);
                const canSelect = g.card && g.isolated && !needs.length;
                const verdict = needs.length ? "cannot: the host needs " + needs.map(d => d.address).join(", ") : groupVerdict(g);
                const box = g.card ? el("input", {
                    type: "checkbox", id: "sel-" + g.card, "data-card": g.card, disabled: !canSelect,
                    checked: selected.has(g.card),
                    onchange: ev => {
                        if (ev.target.checked)
                            selected.add(g.card);
                        else
                            selected.delete(g.card);
                        lastPlan = null;
                    }
                }) : null;
                return el("div", { class: "vp-group", "data-group": g.id },
                          el("div", { class: "vp-group-head" },
                             box, " ",
                             el("label", { for: box ? "sel-" + g.card : null },
                                el("strong", {}, "Group " + g.id), g.card ? " — card " + g.card : ""),
                             el("span", { class: "vp-verdict " + (canSelect ? "vp-yes" : "vp-no") }, verdict)),
                          el("div", { class: "vp-scroll" },
                             el("table", { class: "vp-table" },
                                el("thead", {}, el("tr", {}, ["Address", "Class", "Device", "Driver", "Reset", "Marks"].map(h => el("th", {}, h)))),
                                el("tbody", {}, g.devices.map(devRow)))));
            }));
        }).catch(e => { fill("groups", ""); showError(e, "list"); });
    }

    /* ---- hand over ---- */
    /* A card is named by its function 0, which every vfio-pilot version takes as DEVICE. */
    function fn0(slot) { return slot + ".0"; }

    function showSelection() {
        const cards = [...selected];
        fill("selection", cards.length ? "Selected: " + cards.join(", ") : "No card selected: choose one under Devices.");
        $("btn-plan").disabled = !cards.length;
        $("btn-apply").disabled = !(lastPlan && lastPlan.changes.length && !lastPlan.blockers.length);
    }

    function diffView(text) {
        const lines = text.replace(/\n$/, "").split("\n");
        return el("pre", { class: "vp-diff" }, lines.map(l =>
            el("span", { class: "vp-dl " + (l.startsWith("+") && !l.startsWith("+++") ? "vp-add" : l.startsWith("-") && !l.startsWith("---") ? "vp-del" : l.startsWith("@@") ? "vp-hunk" : "") },
               l || " ")));
    }

    function renderPlan(p) {
        const parts = [];
        if (p.blockers.length)
            parts.push(el("div", { class: "vp-blockers", role: "alert" }, el("h3", {}, "Refused"),
                          el("ul", {}, p.blockers.map(b => el("li", {}, b)))));
        if (p.platform)
            parts.push(el("p", {}, `On ${p.platform.distro} (boot loader: ${p.platform.bootloader}, initramfs: ${p.platform.initramfs})`));
        if (p.kernel_args && p.kernel_args.length)
            parts.push(el("p", {}, "Kernel arguments: ", el("code", {}, p.kernel_args.join(" "))));
        for (const key of ["kept", "added", "removed", "stays"]) {
            if (Array.isArray(p[key]) && p[key].length)
                parts.push(el("p", {}, key[0].toUpperCase() + key.slice(1) + ": " + p[key].join(", ")));
        }
        if (p.warnings.length)
            parts.push(el("div", { class: "vp-warnings" }, el("h3", {}, "Warnings"), el("ul", {}, p.warnings.map(w => el("li", {}, w)))));
        if (p.changes.length) {
            parts.push(el("h3", {}, "Changes"));
            parts.push(el("ol", { class: "vp-changes" }, p.changes.map(c => c.kind === "file"
                ? el("li", { class: "vp-change-file" }, el("strong", {}, c.action + " " + c.path), diffView(c.diff || ""))
                : el("li", { class: "vp-change-cmd" }, el("strong", {}, "run: "), el("code", {}, c.argv.join(" ")),
                     c.why ? el("div", { class: "vp-why" }, c.why) : null))));
        } else if (!p.blockers.length)
            parts.push(el("p", { class: "vp-empty" }, "Nothing to change: the boot configuration already hands these cards over."));
        if (p.next_steps && p.next_steps.length)
            parts.push(el("div", {}, el("h3", {}, "Next"), el("ul", {}, p.next_steps.map(s => el("li", {}, s)))));
        fill("plan", parts);
    }

    function planSelected() {
        clearError();
        fill("result");
        const cards = [...selected].map(fn0);
        return vp(["plan"].concat(cards), { okCodes: [1, EXIT_REFUSED] }).then(p => {
            lastPlan = p;
            renderPlan(p);
            showSelection();
        }).catch(e => { lastPlan = null; fill("plan"); showSelection(); showError(e, "plan"); });
    }

    function applySelected() {
        clearError();
        $("btn-confirm").hidden = true;
        $("btn-apply").disabled = true;
        $("btn-plan").disabled = true;
        const cards = [...selected].map(fn0);
        const log = $("apply-log");
        log.textContent = "";
        $("progress").hidden = false;
        const t0 = Date.now();
        const timer = window.setInterval(() => { fill("elapsed", Math.round((Date.now() - t0) / 1000) + " s"); }, 500);
        const done = () => { window.clearInterval(timer); fill("elapsed", ((Date.now() - t0) / 1000).toFixed(1) + " s"); };
        /* The log is text for people, shown as it comes; the result is read from history --json. */
        const proc = cockpit.spawn(argv(["apply", "--yes"].concat(cards)), { superuser: "try", err: "out", pty: false });
        proc.stream(chunk => { log.textContent += chunk; log.scrollTop = log.scrollHeight; });
        proc.then(() => { done(); return finishApply(true); })
            .catch(ex => {
                done();
                if (ex.exit_status === undefined && ex.problem)
                    showError({ message: ex.message, exit: 0 }, "apply");
                return finishApply(false, ex.exit_status);
            });
    }

    function finishApply(ok, code) {
        return vp(["history"]).then(h => {
            const t = h.transactions[h.transactions.length - 1];
            const parts = [];
            if (ok && t && t.state === "applied") {
                parts.push(el("div", { class: "vp-success", role: "status" },
                              el("strong", {}, `Transaction ${t.id} applied. `),
                              "A reboot is needed before vfio-pci takes the cards. ",
                              el("a", { href: "#", id: "link-restart",
                                        onclick: ev => { ev.preventDefault(); cockpit.jump("/system", cockpit.transport.host); } },
                                 "Restart the host from Cockpit's Overview"),
                              ", then open “After the reboot”."));
            } else {
                parts.push(el("div", { class: "vp-blockers", role: "alert" },
                              el("strong", {}, `apply exited with ${code}: `),
                              code === EXIT_PERM ? "administrative access is needed." :
                                  code === 3 ? "a step failed and every change was rolled back (see the log above)." :
                                      "nothing was applied (see the log above)."));
            }
            fill("result", parts);
            selected = new Set();
            lastPlan = null;
            showSelection();
        }).catch(e => showError(e, "history"));
    }

    /* ---- status ---- */
    function loadStatus() {
        clearError();
        vp(["status"], { okCodes: [1] }).then(doc => {
            if (!doc.transaction || !doc.checks) {
                fill("status", el("p", { class: "vp-empty" }, "No transaction has been applied on this host yet."));
                return;
            }
            fill("status", el("p", {}, `Transaction ${doc.transaction.id} (${doc.transaction.state})`), checklist(doc.checks));
        }).catch(e => {
            if (e.doc && e.doc.error)
                fill("status", el("p", { class: "vp-empty" }, e.message));
            else {
                fill("status", "");
                showError(e, "status");
            }
        });
    }

    /* ---- history ---- */
    function loadHistory() {
        clearError();
        vp(["history"]).then(doc => {
            if (!doc.transactions.length) {
                fill("history", el("p", { class: "vp-empty" }, "No transactions yet."));
                return;
            }
            const rows = doc.transactions.slice().reverse().map(t => el("tr", { "data-txn": t.id },
                el("td", { "data-label": "Id" }, t.id),
                el("td", { "data-label": "Created" }, t.created || ""),
                el("td", { "data-label": "State" }, t.state),
                el("td", { "data-label": "Devices" }, (t.devices || []).join(", ")),
                el("td", { "data-label": "Changes" }, `${t.files} file(s), ${t.commands} command(s)`),
                el("td", {}, t.state === "applied"
                    ? el("button", { class: "pf-v5-c-button pf-m-secondary vp-undo", "data-txn": t.id, onclick: () => undo(t.id) }, "Undo")
                    : null)));
            fill("history", el("div", { class: "vp-scroll" }, el("table", { class: "vp-table" },
                el("thead", {}, el("tr", {}, ["Id", "Created", "State", "Devices", "Changes", ""].map(h => el("th", {}, h)))),
                el("tbody", {}, rows))), releaseBox(doc));
        }).catch(e => { fill("history", ""); showError(e, "history"); });
    }

    /* The handed-over set is the newest applied transaction's: each one records the whole set after it. */
    function handedOver(doc) {
        const applied = doc.transactions.filter(t => t.state === "applied");
        const last = applied[applied.length - 1];
        return last ? [...new Set((last.devices || []).map(d => d.slice(0, 10)))].sort() : [];
    }

    function releaseBox(doc) {
        const cards = handedOver(doc);
        if (!cards.length)
            return null;
        return el("div", { class: "vp-release" }, el("h3", {}, "Give cards back to the host"),
                  el("ul", {}, cards.map(c => el("li", {}, c, " ",
                      el("button", { class: "pf-v5-c-button pf-m-secondary vp-release-btn", "data-card": c,
                                     onclick: () => release(c) }, "Release")))));
    }

    function undo(id) {
        clearError();
        vp(["undo", id], { admin: true }).then(() => loadHistory()).catch(e => { showError(e, "undo " + id); loadHistory(); });
    }

    function release(card) {
        clearError();
        vp(["release", "--yes", fn0(card)], { admin: true }).then(() => loadHistory()).catch(e => { showError(e, "release " + card); loadHistory(); });
    }

    /* ---- diagnose ---- */
    function renderFindings(doc) {
        const f = doc.findings;
        fill("findings",
             el("p", { class: "vp-summary" }, f.length ? `${doc.summary.errors} error(s), ${doc.summary.warnings} warning(s) in ${doc.summary.lines} line(s).`
                 : `No known failure in ${doc.summary.lines} line(s).`),
             el("ul", { class: "vp-findings" }, f.map(x => el("li", { class: "vp-finding", "data-id": x.id },
                 levelBadge(x.severity === "error" ? "fail" : x.severity === "warning" ? "warn" : "pass"), " ",
                 el("strong", {}, x.id), x.device ? " " + x.device : "",
                 el("pre", { class: "vp-line" }, x.text),
                 el("div", {}, el("strong", {}, "Cause: "), x.cause),
                 x.fix ? el("div", { class: "vp-fix" }, el("strong", {}, "Fix: "), x.fix) : null))));
    }

    function diagnose(args, input) {
        clearError();
        fill("findings", "Reading…");
        vp(["diagnose"].concat(args), { okCodes: [1], input: input }).then(renderFindings)
            .catch(e => { fill("findings"); showError(e, "diagnose"); });
    }

    /* ---- start ---- */
    document.addEventListener("DOMContentLoaded", () => {
        for (const b of document.querySelectorAll(".vp-tabs button"))
            b.addEventListener("click", () => showTab(b.dataset.tab));
        $("btn-plan").addEventListener("click", planSelected);
        $("btn-apply").addEventListener("click", () => { $("btn-confirm").hidden = false; });
        $("btn-confirm").addEventListener("click", applySelected);
        $("btn-diag-journal").addEventListener("click", () => diagnose([]));
        $("btn-diag-paste").addEventListener("click", () => diagnose(["--file", "-"], $("paste").value));
        showTab("overview");
        cockpit.transport.wait(() => {});
    });
}());
