# twocards (second boot): two identical cards, only 0000:01:00.0 handed over,
# by address (driver_override set by apply's modprobe install hook); the same
# guest steps as bootbind. 0000:03:00.0 must stay on bochs-drm.
. /e2e/scenarios/bootbind.sh
