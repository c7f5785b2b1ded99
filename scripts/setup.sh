# Sourced by run.sh, test.sh and bench.sh: installs what Courier needs on a fresh Debian/Ubuntu
# machine. Idempotent: only missing pieces are installed.

step() { printf '\n==> %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# C toolchain for libsecp256k1 (secp256k1-sys) and SQLite; libdbus for the Secret Service client;
# a D-Bus daemon, gnome-keyring and keyutils for the keychain tests; Node.js for the reference SDK.
apt_install build-essential pkg-config ca-certificates curl libdbus-1-dev dbus gnome-keyring keyutils
# The desktop app (Tauri v2 on WebKitGTK) and its tests in a real window (Xvfb, WebKitWebDriver).
apt_install libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev \
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev xvfb xauth webkit2gtk-driver \
  rpm2cpio cpio
# Emoji in the real-window tests and their screenshots (reactions, the emoji picker).
apt_install fonts-noto-color-emoji
# ImageMagick's `import`: scripts/run.sh saves a screenshot of the app with it (on Xvfb too).
apt_install imagemagick
# Postgres binaries for the node's Postgres backend tests (scripts/with-postgres.sh runs a
# throwaway server with initdb/pg_ctl). No system service: Debian's postinst would create and
# start a `main` cluster unless createcluster.conf says not to, so say it first.
if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed"; then
  sudo_pg=""
  [ "$(id -u)" -eq 0 ] || sudo_pg="sudo"
  $sudo_pg mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $sudo_pg tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
apt_install postgresql
# nginx (the reverse-proxy example of docs/deployment.md is tested: scripts/test-proxy.sh) and
# xxd/openssl for that test. Debian's package starts no daemon without systemd; with systemd
# the test does not need the service, and it can be disabled.
apt_install nginx-light xxd openssl
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "cargo (Rust) is required: https://rustup.rs" >&2; exit 1; }
# `cargo install` puts tools here.
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v tauri-driver >/dev/null; then
  step "cargo install tauri-driver (WebDriver for the app's end-to-end test)"
  cargo install tauri-driver --version '^2' --locked
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules ]; then
  step "npm ci (the desktop UI)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
# The app embeds ui/dist when it is compiled: build the UI before any cargo command. Only when
# its sources changed: a rebuilt dist makes cargo rebuild (and re-link, with LTO) the app.
ui_inputs=(ui/src ui/public ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json ui/package-lock.json)
if [ ! -f ui/dist/index.html ] || [ -n "$(find "${ui_inputs[@]}" -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then
  step "build the UI (ui/dist)"
  (cd ui && npm run build --silent >/dev/null)
fi

if [ ! -d tests/xmtpjs-peer/node_modules ] || [ tests/xmtpjs-peer/package-lock.json -nt tests/xmtpjs-peer/node_modules ]; then
  step "npm ci (reference SDK harness, xmtp-js 13.0.4)"
  (cd tests/xmtpjs-peer && npm ci --no-audit --no-fund --loglevel=error)
fi
