#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Fedora and Debian packages, built the way CI builds them:
#   rpm: `meson dist` tarball -> rpmbuild -bb (--nodeps: Debian's rpm has no Fedora build deps) -> payload
#   deb: the same tarball -> dpkg-buildpackage -b -us -uc -> lintian (no errors) -> dpkg -x ->
#        vfio-pilot --version and check
# Usage: packages-test.sh SRCDIR. A missing tool is a failure (scripts/install-deps.sh installs them).
# Ends with "N passed, N failed".
set -u
src=$(cd "$1" && pwd)
version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$src/meson.build" | head -1)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

missing=""
for t in meson ninja git rpmbuild rpm dpkg-buildpackage dpkg-deb dpkg-checkbuilddeps dh lintian fakeroot xz; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	bad "missing tools:$missing; run scripts/install-deps.sh as root"
	finish
fi
[ -n "$version" ] || { bad "cannot read the version from meson.build"; finish; }

tmp=$(mktemp -d /tmp/vp-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log

# 1. the source tarball, from a configure-only build directory (the main build stays untouched)
if ! meson setup "$tmp/dist-build" "$src" -Dtests=false >"$log" 2>&1; then
	cat "$log"; bad "meson setup for meson dist"; finish
fi
if ! (cd "$tmp/dist-build" && meson dist --no-tests --allow-dirty --formats xztar) >"$log" 2>&1; then
	cat "$log"; bad "meson dist"; finish
fi
grep -i "uncommitted" "$log" && echo "note: meson dist packs the committed tree; uncommitted changes are not in the packages"
tarball=$tmp/dist-build/meson-dist/vfio-pilot-$version.tar.xz
if [ -f "$tarball" ]; then ok "meson dist: $(basename "$tarball")"; else bad "meson dist made no $tarball"; finish; fi

# 2. rpm
mkdir -p "$tmp/rpm"
if rpmbuild -bb --nodeps --define "_topdir $tmp/rpm" --define "_sourcedir $tmp/dist-build/meson-dist" \
	--define "_smp_mflags -j2" "$src/packaging/rpm/vfio-pilot.spec" >"$log" 2>&1; then
	ok "rpmbuild -bb packaging/rpm/vfio-pilot.spec (%check ran the unit suite)"
	grep -E "^[0-9]+ passed|Ok:|Fail:" "$log" | tail -3
else
	tail -40 "$log"; bad "rpmbuild -bb"
fi
rpmfile=$(find "$tmp/rpm/RPMS" -name "vfio-pilot-$version-*.rpm" 2>/dev/null | head -1)
if [ -n "$rpmfile" ]; then
	echo "payload of $(basename "$rpmfile"):"
	rpm -qlp "$rpmfile" 2>/dev/null | tee "$tmp/rpm-payload" | sed 's/^/  /'
	for f in /usr/sbin/vfio-pilot /usr/share/man/man8/vfio-pilot.8 /usr/share/bash-completion/completions/vfio-pilot \
		/usr/share/zsh/site-functions/_vfio-pilot /usr/share/doc/vfio-pilot/README.md /usr/share/doc/vfio-pilot/rescue.md \
		/usr/share/cockpit/vfio-pilot/manifest.json; do
		if grep -q "^$f" "$tmp/rpm-payload"; then ok "rpm holds $f"; else bad "rpm lacks $f"; fi
	done
	if grep -q "unit.*Ok:\|Ok: *[1-9]" "$log" && ! grep -q "Fail: *[1-9]" "$log"; then
		ok "rpm %check: $(grep -o 'Ok: *[0-9]*' "$log" | tail -1)"
	else
		bad "rpm %check did not run the unit suite"
	fi
else
	bad "no binary rpm built"
fi

# 3. deb
mkdir -p "$tmp/deb"
tar xJf "$tarball" -C "$tmp/deb"
if (cd "$tmp/deb/vfio-pilot-$version" && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -b -us -uc) >"$log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	tail -40 "$log"; bad "dpkg-buildpackage -b -us -uc"
fi
deb=$(find "$tmp/deb" -maxdepth 1 -name "vfio-pilot_${version}_*.deb" | head -1)
if [ -n "$deb" ]; then
	echo "contents of $(basename "$deb"):"
	dpkg-deb -c "$deb" | awk '{print "  " $NF}' | tee "$tmp/deb-payload"
	for f in ./usr/sbin/vfio-pilot ./usr/share/man/man8/vfio-pilot.8.gz ./usr/share/bash-completion/completions/vfio-pilot \
		./usr/share/zsh/vendor-completions/_vfio-pilot ./usr/share/doc/vfio-pilot/copyright; do
		if grep -q "^  $f\$" "$tmp/deb-payload"; then ok "deb holds $f"; else bad "deb lacks $f"; fi
	done
	lintian --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1
	sed 's/^/  lintian: /' "$tmp/lintian"
	if grep -q "^E: " "$tmp/lintian"; then bad "lintian reports errors"; else ok "lintian: no errors ($(grep -c '^W: ' "$tmp/lintian") warnings)"; fi

	# installed: unpacked with dpkg -x, run from there
	dpkg -x "$deb" "$tmp/inst"
	bin=$tmp/inst/usr/sbin/vfio-pilot
	out=$("$bin" --version 2>&1)
	if [ "$out" = "vfio-pilot $version" ]; then ok "installed vfio-pilot --version: $out"; else bad "installed --version printed '$out'"; fi
	"$bin" check >"$tmp/check" 2>&1
	rc=$?
	if [ $rc -le 1 ] && grep -q "cpu.virt" "$tmp/check"; then
		ok "installed vfio-pilot check on this machine: exit $rc"
	else
		cat "$tmp/check"; bad "installed vfio-pilot check exited $rc"
	fi
	"$bin" --root "$src/examples/hosts/fedora-desktop" check >"$tmp/check" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then ok "installed vfio-pilot --root examples/hosts/fedora-desktop check: exit 0"; else cat "$tmp/check"; bad "check on the example exited $rc"; fi
	MANPATH=$tmp/inst/usr/share/man man -w vfio-pilot >/dev/null 2>&1 && ok "man finds vfio-pilot(8) in the package" || bad "man does not find vfio-pilot(8) in the package"
else
	bad "no .deb built"
fi
finish
