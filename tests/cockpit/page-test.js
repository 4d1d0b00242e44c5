// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the page in headless Chromium (puppeteer-core): node page-test.js PORT READY_ROOT OFF_ROOT SHOTS
// Asserts on the DOM; prints "ok"/"FAIL" lines and "N passed, N failed".
"use strict";
const puppeteer = require("puppeteer-core");
const path = require("path");

const [port, ready, off, shots] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}/cockpit/@localhost/vfio-pilot/index.html`;
let passed = 0, failed = 0;
function check(ok, what) {
    if (ok) passed++; else failed++;
    console.log((ok ? "ok   " : "FAIL ") + what);
}
const T = 30000;

async function text(page, sel) {
    return page.$eval(sel, e => e.innerText).catch(() => "");
}
async function tab(page, name) {
    await page.click(`.vp-tabs button[data-tab="${name}"]`);
}
async function shot(page, name) {
    await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

(async () => {
    const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true,
                                             args: ["--no-sandbox", "--disable-gpu"] });
    const errors = [];
    try {
        const page = await browser.newPage();
        page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
        page.on("pageerror", e => errors.push(String(e)));
        await page.setViewport({ width: 1280, height: 900 });

        // Overview: the checks with their fixes, the IOMMU in one sentence.
        await page.goto(`${base}?root=${encodeURIComponent(ready)}`, { waitUntil: "domcontentloaded" });
        await page.waitForSelector("#checks .vp-check", { timeout: T });
        await page.waitForFunction(() => document.getElementById("iommu").innerText.startsWith("The IOMMU"), { timeout: T });
        const iommu = await text(page, "#iommu");
        check(/The IOMMU is active: Intel VT-d, \d+ groups/.test(iommu), `overview: IOMMU sentence (${iommu})`);
        const ids = await page.$$eval("#checks .vp-check", l => l.map(e => e.dataset.id));
        check(ids.includes("iommu.enabled") && ids.includes("host.display"), "overview: the check ids are listed");
        await shot(page, "overview");

        // Devices: groups, verdicts, the boot display marked.
        await tab(page, "devices");
        await page.waitForSelector(".vp-group", { timeout: T });
        const card = await page.$('input[data-card="0000:01:00"]');
        check(card && !(await card.evaluate(e => e.disabled)), "devices: the RTX card can be selected");
        const verdict = await text(page, '.vp-group:has(input[data-card="0000:01:00"]) .vp-verdict');
        check(/can be handed over/.test(verdict), `devices: its verdict (${verdict})`);
        const boot = await text(page, 'tr[data-address="0000:00:02.0"]');
        check(/boot display/.test(boot), "devices: the boot GPU is marked as the boot display");
        await shot(page, "devices");

        // A refusal: the boot GPU shows vfio-pilot's reason and no apply.
        await page.click('input[data-card="0000:00:02"]');
        await tab(page, "handover");
        await page.click("#btn-plan");
        await page.waitForSelector("#plan .vp-blockers", { timeout: T });
        const refusal = await text(page, "#plan .vp-blockers");
        check(/boot display/.test(refusal), `hand over: the boot GPU is refused with the reason (${refusal.split("\n")[1] || refusal})`);
        check(await page.$eval("#btn-apply", b => b.disabled), "hand over: apply stays disabled on a refusal");
        await shot(page, "refusal");

        // The plan for the card: diffs and commands.
        await tab(page, "devices");
        await page.waitForSelector('input[data-card="0000:00:02"]', { timeout: T });
        await page.click('input[data-card="0000:00:02"]');
        await page.click('input[data-card="0000:01:00"]');
        await tab(page, "handover");
        await page.click("#btn-plan");
        await page.waitForSelector("#plan .vp-change-file", { timeout: T });
        const diffs = await page.$$eval("#plan .vp-diff", l => l.map(e => e.innerText).join("\n"));
        check(/\+\+\+ \/etc\/modprobe\.d\/vfio-pilot\.conf/.test(diffs) && /\+options vfio-pci ids=/.test(diffs),
              "hand over: the plan shows the file diffs");
        check((await page.$$("#plan .vp-change-cmd")).length > 0, "hand over: and the commands");
        await shot(page, "plan");

        // Apply, confirmed; the log streams; the result says reboot and links Cockpit's restart.
        await page.click("#btn-apply");
        await page.waitForSelector("#btn-confirm:not([hidden])", { timeout: T });
        await page.click("#btn-confirm");
        await page.waitForSelector("#result .vp-success, #result .vp-blockers", { timeout: 120000 });
        const result = await text(page, "#result");
        check(/Transaction 0001 applied/.test(result) && /reboot is needed/.test(result), `apply: result (${result.slice(0, 80)})`);
        check(!!(await page.$("#link-restart")), "apply: links Cockpit's restart");
        const log = await text(page, "#apply-log");
        check(log.trim().length > 0, "apply: the output was shown");
        check(/\d+(\.\d)? s/.test(await text(page, "#elapsed")), "apply: the elapsed time is shown");
        await shot(page, "apply");

        // After the reboot (here: not rebooted): status per card.
        await tab(page, "status");
        await page.waitForSelector("#status .vp-check, #status .vp-empty", { timeout: T });
        const st = await page.$$eval("#status .vp-check", l => l.map(e => e.dataset.id));
        check(st.some(id => /0000:01:00\.0/.test(id)), `status: a check for the card (${st.join(", ")})`);
        await shot(page, "status");

        // History, then undo.
        await tab(page, "history");
        await page.waitForSelector('.vp-undo[data-txn="0001"]', { timeout: T });
        await shot(page, "history");
        await page.click('.vp-undo[data-txn="0001"]');
        await page.waitForFunction(() => {
            const r = document.querySelector('tr[data-txn="0001"]');
            return r && /undone/.test(r.innerText);
        }, { timeout: 120000 });
        check(true, "history: undo of 0001 done");

        // Diagnose pasted text.
        await tab(page, "diagnose");
        await page.type("#paste", "[    2.345678] vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem 0xc0000000-0xcfffffff 64bit pref]\n" +
                        "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 1 is not viable\n");
        await page.click("#btn-diag-paste");
        await page.waitForSelector("#findings .vp-finding", { timeout: T });
        const found = await page.$$eval("#findings .vp-finding", l => l.map(e => e.dataset.id));
        check(found.includes("group.not_viable"), `diagnose: pasted text explained (${found.join(", ")})`);
        await shot(page, "diagnose");

        // A host with the IOMMU off: the page says why and stays usable.
        await page.goto(`${base}?root=${encodeURIComponent(off)}`, { waitUntil: "domcontentloaded" });
        await page.waitForFunction(() => /not active/.test(document.getElementById("iommu").innerText), { timeout: T });
        const why = await text(page, "#iommu");
        check(/VT-d|AMD-Vi|firmware|intel_iommu/i.test(why), `IOMMU off: says why (${why.slice(0, 100)})`);
        await page.waitForSelector("#checks .vp-check[data-level=fail]", { timeout: T });
        check(true, "IOMMU off: the failing checks are shown");
        await tab(page, "devices");
        await page.waitForSelector("#groups .vp-empty", { timeout: T });
        check(true, "IOMMU off: devices says there are no groups");
        await shot(page, "iommu-off");

        // A phone's width: nothing wider than the screen.
        await page.setViewport({ width: 390, height: 844 });
        await page.goto(`${base}?root=${encodeURIComponent(ready)}`, { waitUntil: "domcontentloaded" });
        await tab(page, "devices");
        await page.waitForSelector(".vp-group", { timeout: T });
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        check(wide <= 391, `phone width: the page fits 390 px (${wide})`);
        await shot(page, "phone");

        check(errors.length === 0, "no console errors" + (errors.length ? ": " + errors.join(" | ") : ""));
    } catch (e) {
        check(false, "flow: " + e.message);
    } finally {
        await browser.close();
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
})();
