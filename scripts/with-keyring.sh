#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (Secret Service),
# in a fresh XDG_DATA_HOME so no old keyring is reused. Usage: scripts/with-keyring.sh CMD...
set -euo pipefail
export XDG_DATA_HOME
XDG_DATA_HOME=$(mktemp -d)
export NO_AT_BRIDGE=1
exec dbus-run-session -- bash -c 'printf %s courier-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "$@"' bash "$@"
