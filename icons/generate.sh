#!/usr/bin/env bash
# Makes every icon the bundles need from icons/courier.svg: the PNG set, icon.ico (Windows) and
# icon.icns (macOS). Needs ImageMagick with SVG support (Debian: imagemagick librsvg2-bin) and
# python3. Run after changing the SVG, and commit the results.
set -euo pipefail
cd "$(dirname "$0")"
convert=/usr/bin/convert
[ -x "$convert" ] || convert=convert
render() { rsvg-convert -w "$1" -h "$1" courier.svg -o "$2"; }
for s in 32 64 128 256 512 1024; do render "$s" "${s}x${s}.png"; done
render 256 "128x128@2x.png"
cp 512x512.png icon.png
render 16 16x16.png
render 48 48x48.png
"$convert" 16x16.png 32x32.png 48x48.png 64x64.png 128x128.png 256x256.png icon.ico
rm -f 16x16.png 48x48.png
python3 - <<'PY'
# ICNS: "icns", total length, then (type, length, PNG) entries.
import struct
entries = [(b"ic07", "128x128.png"), (b"ic08", "256x256.png"), (b"ic09", "512x512.png"),
           (b"ic10", "1024x1024.png"), (b"ic12", "64x64.png"), (b"ic13", "128x128@2x.png")]
body = b"".join(t + struct.pack(">I", 8 + len(d)) + d for t, d in ((t, open(f, "rb").read()) for t, f in entries))
open("icon.icns", "wb").write(b"icns" + struct.pack(">I", 8 + len(body)) + body)
PY
ls -1
