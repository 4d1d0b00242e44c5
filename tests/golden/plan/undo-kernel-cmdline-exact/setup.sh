set -eu
. "$(dirname "$0")/../lib/standins.sh"
# kernel-install reads the first line of /etc/kernel/cmdline; the user keeps a note below it.
mkdir -p "$ROOT/etc/kernel"
printf 'root=PARTUUID=7d3c1b2a-9e8f-4d6c-b5a4-3f2e1d0c9b8a rw loglevel=3 quiet intel_iommu=on iommu=pt   \n# nvidia-drm.modeset=1 breaks the console here\n' > "$ROOT/etc/kernel/cmdline"
