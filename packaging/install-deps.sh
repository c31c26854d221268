#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs what building, testing and running the demo of Latchmail needs on Debian 12, as root.
# Idempotent: when every package is there it exits at once without touching the network.
# The Dovecot and Postfix packages only provide the programs: tests and the demo run private
# instances (tests/support/mailstack/mailstack.sh), so no system mail daemon is started.
set -euo pipefail

packages=(
    # Build
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-tools-dev qt6-tools-dev-tools
    qt6-l10n-tools qtkeychain-qt6-dev libgmime-3.0-dev libssl-dev libsqlite3-dev
    # Fuzz and sanitizer builds (CMake preset "fuzz")
    clang libclang-rt-14-dev
    # Real servers for the integration tests and the demo
    dovecot-imapd postfix openssl ca-certificates
    # Windows without a desktop, and a keyring for QtKeychain (Secret Service)
    xvfb xauth dbus-daemon dbus-x11 gnome-keyring libsecret-tools
    # Used by the scripts: unshare/setsid (util-linux), script (bsdutils), ps (procps)
    util-linux bsdutils procps
    # Reference clients the benchmarks under tests/bench/ compare against
    curl python3
)

missing=()
# shellcheck disable=SC2016 # dpkg-query's own field syntax
format='${Package}=${db:Status-Status} '
installed=" $(dpkg-query -W -f="$format" "${packages[@]}" 2>/dev/null || true) "
for package in "${packages[@]}"; do
    [[ $installed == *" $package=installed "* ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

if [[ $(id -u) != 0 ]]; then
    echo "install-deps: missing ${missing[*]}; run this script as root" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"

# Postfix asks how to configure itself: it needs no system configuration here.
debconf-set-selections <<'SELECTIONS'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string localhost
SELECTIONS

# Keep package scripts from starting system daemons (a Dovecot on ports 143/993, say), also
# on images without such a policy.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get -o Acquire::Retries=3 update
apt-get -o Acquire::Retries=3 install -y --no-install-recommends "${missing[@]}"
