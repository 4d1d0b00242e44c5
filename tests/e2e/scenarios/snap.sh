# snap: `vfio-pilot snapshot` of this machine, sent to the host, which makes
# the root for `vfio-pilot --root R plan/apply` out of it (bootbind, twocards).
snapshot before
run snapshot vfio-pilot snapshot /tmp/snap.tar.gz
emit_file snapshot /tmp/snap.tar.gz
