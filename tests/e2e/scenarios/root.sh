# root: the full Debian root (mkroot.sh + boot-root.sh) boots its own
# dracut initramfs, groups exist, udev bound the host drivers; vfio-pilot
# runs from the root if it was installed.
snapshot before
if command -v vfio-pilot >/dev/null; then
    run list vfio-pilot list --json
fi
