set -eu
# dracut 059 and later: its usage text offers --parallel (for --regenerate-all), as in
#   -p, --parallel        Use parallel processing if possible (currently only
#                         supported --regenerate-all)
# so the plan rebuilds every kernel's image once, all at once.
cat > "$ROOT/usr/bin/dracut" <<'SH'
#!/bin/bash
# dracut (usage text only, for the plan's feature check)
: '  --regenerate-all      Regenerate all initramfs images at the default location'
: '  -p, --parallel        Use parallel processing if possible (currently only'
: '                        supported --regenerate-all)'
exit 0
SH
chmod 0755 "$ROOT/usr/bin/dracut"
