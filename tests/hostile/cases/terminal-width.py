# Issue 12 §3 "Width": COLUMNS=80/120 keeps list and check within the width, long names end in
# "..." with [vvvv:dddd] and the driver kept; piped output without COLUMNS stays whole.
HOST = "gpu-shares-group"

def width(s):
    return max(len(l) for l in s.splitlines())

def check(t):
    for cols in (80, 120):
        for args in (["list"], ["check"], ["check", "0000:04:00.0"]):
            r = t.vp(*args, env={"COLUMNS": str(cols)})
            t.expect(r.rc in (0, 1, 5), f"{' '.join(args)}: exit {r.rc}")
            t.expect(width(r.text) <= cols, f"COLUMNS={cols} {' '.join(args)}: a line of {width(r.text)} columns")
    l80 = t.vp("list", env={"COLUMNS": "80"}).text
    row = next(l for l in l80.splitlines() if l.strip().startswith("04:00.0"))
    t.expect("... [10de:21c4]" in row and row.rstrip().endswith("-") and "nouveau" in row, f"shortened row: {row!r}")
    t.expect("verdict: cannot: shared with" in l80, "no verdict for the shared group")
    whole = t.vp("list").text
    t.expect("NVIDIA Corporation TU116 [GeForce GTX 1650 SUPER] [10de:21c4]" in whole
             or "[10de:21c4]" in whole and width(whole) > 120, "piped list without COLUMNS is not whole")
    t.expect("..." not in whole, "piped list without COLUMNS was shortened")
    c80 = t.vp("check", env={"COLUMNS": "80"}).text.splitlines()
    # continuation lines of a summary hang under the summary's first column
    first = next(i for i, l in enumerate(c80) if l.startswith("["))
    col = c80[first].index("  ", 7) + 2
    while c80[first][col] == " ":
        col += 1
    cont = [l for l in c80 if not l.startswith("[") and l.strip() and not l.strip().startswith("fix:")]
    t.expect(all(l[:col].strip() == "" for l in cont), "check summaries do not wrap with a hanging indent")
