# Issue 12 §3 "Width" and "One renderer" for plan under a real terminal (script(1)) at 80 and 120
# columns: every line but a diff's fits the terminal; the notes, the reasons and the recovery recipe
# wrap with a hanging indent and say exactly what the whole (piped) output says; a `command` is never
# broken across lines when it fits on one; --json does not depend on the width.
import json
import re

STEP = re.compile(r"^\d+\. (create|modify|delete) /")


def lines_outside_diffs(text):
    """The plan's lines less its diffs (file content: shown as it is, never wrapped)."""
    out, in_diff = [], False
    for line in text.splitlines():
        if STEP.match(line):
            in_diff = True
            out.append(line)
            continue
        if in_diff and line == "":
            in_diff = False
        if not in_diff:
            out.append(line)
    return out


def section(text, start):
    """The lines from the one starting with start to the next blank line."""
    lines = text.splitlines()
    i = next((k for k, l in enumerate(lines) if l.startswith(start)), None)
    if i is None:
        return []
    j = next((k for k in range(i, len(lines)) if lines[k] == ""), len(lines))
    return lines[i:j]


def words(lines):
    return " ".join(" ".join(lines).split())


def check(t):
    whole = t.vp("plan", "01:00.0")        # piped, no COLUMNS: whole lines
    t.expect(whole.rc == 0, f"plan: exit {whole.rc}: {whole.err[-300:]!r}")
    recipe_whole = section(whole.text, "If the host comes up to a black screen")
    t.expect(len(recipe_whole) >= 5, f"no recovery recipe in the plan: {whole.text[-500:]!r}")
    t.expect(max(len(l) for l in recipe_whole) > 120, "the recipe has no line over 120 columns: the test proves nothing")
    for cols in (80, 120):
        r = t.vp("--no-pager", "plan", "01:00.0", tty=cols)
        t.expect(r.rc == 0, f"pty {cols}: plan exit {r.rc}")
        over = [l for l in lines_outside_diffs(r.text) if len(l) > cols]
        t.expect(not over, f"pty {cols}: plan lines wider than the terminal: {over[:3]!r}")
        # nothing lost or changed: the same words as the piped output, section by section
        for start in ("If the host comes up to a black screen", "Notes:", "After `vfio-pilot apply`:", "Plan for "):
            got, want = section(r.text, start), section(whole.text, start)
            t.expect(got and words(got) == words(want), f"pty {cols}: '{start}' differs from the whole output:\n"
                     + "\n".join(got) + "\n---\n" + "\n".join(want))
        rec = section(r.text, "If the host comes up to a black screen")
        t.expect(len(rec) > len(recipe_whole), f"pty {cols}: the recipe was not wrapped")
        # hanging indent: a step's continuation lines start under its text, never at the step's column
        for a, b in zip(rec, rec[1:]):
            m = re.match(r"^(  )(\d+\. )", a)
            if m and not re.match(r"^  (\d+\. |[A-Z(])", b):
                t.expect(b.startswith(" " * 5), f"pty {cols}: recipe step continues without a hanging indent: {b!r}")
        t.expect(any("`sudo vfio-pilot --root /mnt/sysroot undo`" in l for l in rec),
                 f"pty {cols}: the live-USB command was broken across lines: {rec[-3:]!r}")
        notes = section(r.text, "Notes:")
        t.expect(all(l.startswith("  - ") or l.startswith("    ") for l in notes[1:]),
                 f"pty {cols}: a note continues without a hanging indent: {notes!r}")
        # the reasons of the commands: "(why; undo: ...)" lines stay inside the terminal and hang under the text
        runs = [l for l in r.text.splitlines() if re.match(r"^\d+\. run: ", l)]
        t.expect(runs, f"pty {cols}: no commands in the plan")
    # COLUMNS without a terminal wraps the same way
    r80 = t.vp("plan", "01:00.0", env={"COLUMNS": "80"})
    t.expect(all(len(l) <= 80 for l in lines_outside_diffs(r80.text)), "COLUMNS=80 plan: a line over 80 columns")
    # the JSON is the same at any width
    j = [t.vp("plan", "01:00.0", "--json", env=e).out for e in ({}, {"COLUMNS": "80"}, {"COLUMNS": "120"})]
    t.expect(j[0] == j[1] == j[2], "plan --json depends on the width")
    doc = json.loads(j[0]) if j[0] else {}
    t.expect(doc.get("recovery", {}).get("then") == "sudo vfio-pilot undo" and "fallback_entry" not in doc.get("recovery", {}),
             "plan --json: the recovery record lost a field or shows a text-only one")
