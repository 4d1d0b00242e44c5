#!/bin/sh
# Regenerate the example host trees from tests/fixtures/hosts/*.host.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/examples/hosts"
for pair in fedora-desktop:fedora-igpu-rtx iommu-off:no-iommu server:server-multi-gpu; do
	name=${pair%%:*} desc=${pair#*:}
	rm -rf "$name"
	python3 "$top/tests/fixtures/mkhost.py" "$top/tests/fixtures/hosts/$desc.host" "$name"
	python3 "$top/tests/fixtures/mkhost.py" --check "$name"
done
