#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command with a private, unlocked Secret Service, so keyring tests never touch a real
# keyring:
#
#   tests/support/with-keyring.sh COMMAND [ARGUMENT]...
#
# A throwaway directory holds HOME, the XDG directories and a 0700 XDG_RUNTIME_DIR. Inside a
# private D-Bus session bus (dbus-run-session), gnome-keyring-daemon runs with only its secrets
# component and a login keyring unlocked by a throwaway password read from standard input.
# Whatever NAME=VALUE lines the daemon prints are exported. The command sees
# LATCHMAIL_TEST_KEYRING_HOME (the throwaway HOME) and its exit status is returned. On exit the
# daemon is stopped and the directory removed.
#
# The command runs as a child of the session shell rather than replacing it, so that the daemon
# (a child of that shell too) is stopped and reaped afterwards even where PID 1 reaps nothing.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGUMENT]..." >&2
    exit 2
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is not installed" >&2
        exit 1
    fi
done

base=$(mktemp -d "${TMPDIR:-/tmp}/latchmail-keyring.XXXXXX")
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    # Normally the session shell has stopped the daemon already; this covers interruptions.
    if [ -s "$base/daemon.pid" ]; then
        kill "$(cat "$base/daemon.pid")" 2>/dev/null || true
    fi
    rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

export HOME="$base/home"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$base/run"
export LATCHMAIL_TEST_KEYRING_HOME="$HOME"
export LATCHMAIL_KEYRING_BASE="$base"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 0700 "$base" "$XDG_RUNTIME_DIR"
# Nothing may reach a desktop session's bus or keyring.
unset DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL SSH_AUTH_SOCK XDG_CURRENT_DESKTOP

status=0
# shellcheck disable=SC2016 # the session shell expands these variables itself
dbus-run-session -- sh -c '
    set -eu
    base=$LATCHMAIL_KEYRING_BASE
    unset LATCHMAIL_KEYRING_BASE

    printf "%s" "throwaway-keyring-password" |
        gnome-keyring-daemon --foreground --unlock --components=secrets \
            >"$base/keyring.env" 2>"$base/keyring.log" &
    daemon=$!
    echo "$daemon" >"$base/daemon.pid"
    stop() {
        kill "$daemon" 2>/dev/null || true
        wait "$daemon" 2>/dev/null || true
    }

    # Ready once the daemon itself owns the Secret Service name; asking the bus for the owner
    # never triggers D-Bus activation of a second, locked daemon.
    owner() {
        dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
            string:org.freedesktop.secrets 2>/dev/null | awk "{ print \$2 }"
    }
    tries=0
    until [ "$(owner)" = "$daemon" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 200 ] || ! kill -0 "$daemon" 2>/dev/null; then
            echo "with-keyring.sh: gnome-keyring-daemon did not start:" >&2
            cat "$base/keyring.log" >&2
            stop
            exit 1
        fi
        sleep 0.05
    done
    while IFS= read -r line; do
        case $line in
        [A-Za-z_]*=*) export "$line" ;;
        esac
    done <"$base/keyring.env"

    status=0
    "$@" || status=$?
    stop
    exit "$status"
' with-keyring "$@" || status=$?
exit "$status"
