set -eu
. "$(dirname "$0")/../lib/standins.sh"
# booted after the transaction (SOURCE_DATE_EPOCH=1767225600 in the golden suite)
printf 'cpu  1 2 3 4\nbtime 1767230000\n' > "$ROOT/proc/stat"
mkdir -p "$ROOT/dev/vfio"
: > "$ROOT/dev/vfio/1"
: > "$ROOT/dev/vfio/vfio"
# Debian 12's kernel config (kernel-facts §2.3): VT-d on by default except for the integrated GPU
printf 'CONFIG_INTEL_IOMMU=y\nCONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y\n' >> "$ROOT/boot/config-6.1.0-26-amd64"
