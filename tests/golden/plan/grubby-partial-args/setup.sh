set -eu
. "$(dirname "$0")/../lib/standins.sh"
# The user added intel_iommu=on to the newest kernel's entry only (grubby --update-kernel=DEFAULT);
# the older entry lacks it. Fedora BLS entries as kernel-install writes them.
for f in "$ROOT"/boot/loader/entries/*6.8.4-300*.conf; do
	sed -i 's/ intel_iommu=on//' "$f"
done
