# amd: same as intel, with -device amd-iommu.
. /e2e/scenarios/intel.sh
