set -eu
. "$(dirname "$0")/../lib/standins.sh"
# kernel-install reads the whole file as one command line; this one spans two lines with trailing blanks.
mkdir -p "$ROOT/etc/kernel"
printf 'root=PARTUUID=7d3c1b2a-9e8f-4d6c-b5a4-3f2e1d0c9b8a rw\nloglevel=3 quiet intel_iommu=on iommu=pt   \n' > "$ROOT/etc/kernel/cmdline"
