set -eu
# The kernels' configs as Ubuntu's and a self-built kernel's /boot/config-KVER have them (only the
# IOMMU lines matter; mkhost.py wrote the vfio ones).
cat >> "$ROOT/boot/config-6.8.0-31-generic" <<'CFG'
CONFIG_INTEL_IOMMU=y
CONFIG_INTEL_IOMMU_SVM=y
CONFIG_INTEL_IOMMU_DEFAULT_ON=y
CONFIG_INTEL_IOMMU_FLOPPY_WA=y
CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y
CFG
cat >> "$ROOT/boot/config-6.5.0-44-generic" <<'CFG'
CONFIG_INTEL_IOMMU=y
CONFIG_INTEL_IOMMU_SVM=y
# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set
CONFIG_INTEL_IOMMU_FLOPPY_WA=y
CFG
