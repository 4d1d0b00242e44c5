# The libvirt test-driver node shared by the attach cases: win11 (stopped), nas (02:00.0), gaming (01:00.0-1).
cp "$(dirname "$0")/../lib/node.xml" "$ROOT/node.xml"
