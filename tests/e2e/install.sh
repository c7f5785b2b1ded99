#!/usr/bin/env bash
# Builds the Linux bundles (.deb and .rpm), installs the .deb with dpkg, starts the installed app
# in a real window (it must show the onboarding screen), checks the .rpm's payload in a clean
# prefix, and removes the package again. AppImage, .msi/NSIS and .dmg are configured in
# src-tauri/tauri.conf.json but need their own systems (.github/workflows/release.yml).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target";; esac
# The bundles are made from the debug build: what this checks is the packaging (files, desktop
# entry, dependencies, the installed app starting), and the debug build reuses what the tests
# compiled, where the release profile (fat LTO, one codegen unit) would add ~10 minutes to CI on
# two cores. Release bundles are built by .github/workflows/release.yml.
npx --prefix ui tauri build --debug --bundles deb,rpm
deb=$(ls "$target"/debug/bundle/deb/*.deb | head -1)
rpm=$(ls "$target"/debug/bundle/rpm/*.rpm | head -1)
echo "deb: $deb ($(du -k "$deb" | cut -f1) KiB), rpm: $rpm ($(du -k "$rpm" | cut -f1) KiB)"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo dpkg -i "$deb"
trap '$sudo dpkg -r courier >/dev/null' EXIT
export COURIER_INSTALLED_APP=/usr/bin/courier-app COURIER_SCREENSHOTS="$target/e2e-screenshots" NO_AT_BRIDGE=1
xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh node --test tests/e2e/installed.test.mjs
prefix=$(mktemp -d)
# Debian's rpm2cpio exits 1 on Tauri's rpm although the archive it writes is whole;
# the extraction and the file checks below are what count.
rpm2cpio "$rpm" > "$prefix/payload.cpio" || true
(cd "$prefix" && cpio -idm --quiet < payload.cpio)
for f in usr/bin/courier-app usr/share/applications/Courier.desktop; do
  [ -e "$prefix/$f" ] || { echo "the rpm lacks $f"; exit 1; }
done
[ -x "$prefix/usr/bin/courier-app" ] || { echo "the rpm app is not executable"; exit 1; }
echo "rpm payload complete in a clean prefix"
