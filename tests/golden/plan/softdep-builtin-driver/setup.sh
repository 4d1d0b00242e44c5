set -eu
# A kernel with nouveau built in (a custom build): the softdep does nothing there.
k=6.1.0-21-amd64
echo kernel/drivers/gpu/drm/nouveau/nouveau.ko >> "$ROOT/usr/lib/modules/$k/modules.builtin"
depmod -b "$ROOT" "$k"
