# Sourced by run.sh and run-tutorial.sh (needs $WORK).
# hrun_to LOG TAG CMD...: runs a command on this machine and records it in LOG.host in the
# guest's protocol (check.py reads LOG.host before LOG); its stdout is left in $WORK/last.out.
hrun_to() {
    local log=$1 tag=$2; shift 2
    local o e rc
    o=$(mktemp) e=$(mktemp)
    "$@" >"$o" 2>"$e" </dev/null
    rc=$?
    {
        printf '0.000\tE2E CMD %s %s\n' "$tag" "$(echo "$*" | tr '\n' ' ')"
        sed "s/^/0.000\tE2E OUT $tag /" "$o"
        sed "s/^/0.000\tE2E ERR $tag /" "$e"
        printf '0.000\tE2E RC %s %s\n' "$tag" "$rc"
    } >> "$log.host"
    cp "$o" "$WORK/last.out"
    rm -f "$o" "$e"
    return $rc
}
