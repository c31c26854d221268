#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Latchmail's demo, from a fresh clone: installs what is missing, builds the app, starts a
# private mail stack on 127.0.0.1 (Dovecot and Postfix with a demo certificate authority),
# fills alice@example.test's INBOX with a few dozen messages, creates a demo profile whose
# account "demo" is alice's (password in a private keyring), then opens Latchmail on it.
# Running it again reuses all of that: a running stack, the messages, the account.
#
# Usage: packaging/run-demo.sh [--no-gui | --stop]
#   --no-gui  prepare everything, print the details, but do not open the window
#   --stop    stop the demo mail stack
# LATCHMAIL_DEMO_DIR (default: build/demo in the source tree) holds the profile, the keyring
# and the mail stack. Needs root (install-deps.sh and the private mail servers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
src=$PWD
demo=${LATCHMAIL_DEMO_DIR:-$src/build/demo}
stack_script=$src/tests/support/mailstack/mailstack.sh
build=$src/build

gui=1
case ${1:-} in
"") ;;
--no-gui) gui=0 ;;
--stop)
    if [[ -d $demo/mail-stack ]]; then
        bash "$stack_script" stop "$(bash "$stack_script" root "$demo/mail-stack")"
    fi
    echo "run-demo: the demo mail stack is stopped"
    exit 0
    ;;
*)
    sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

say() {
    echo "run-demo: $*"
}

random_secret() {
    tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 || true
}

# Writes a secret to file $1 once; later runs reuse it.
ensure_secret_file() {
    if [[ ! -s $1 ]]; then
        (umask 077 && random_secret >"$1")
    fi
}

bash packaging/install-deps.sh

mkdir -p "$demo"
ensure_secret_file "$demo/alice-password"
ensure_secret_file "$demo/bob-password"
ensure_secret_file "$demo/keyring-password"
(umask 077 && printf 'alice:%s\nbob:%s\n' "$(cat "$demo/alice-password")" \
    "$(cat "$demo/bob-password")" >"$demo/users")

# --- the mail stack --------------------------------------------------------------------------

stack=$(bash "$stack_script" root "$demo/mail-stack")
say "starting the demo mail stack in $stack"
bash "$stack_script" start "$stack" --postfix --users-file "$demo/users" --reuse-ports >/dev/null
# shellcheck disable=SC1091
source "$stack/stack.env"

# Seeds alice's INBOX once, through Postfix's own sendmail, as mail from several senders over
# the last weeks would arrive.
seed_inbox() {
    local senders=(
        "Bob Example <bob@example.test>"
        "Carol Lindqvist <carol@lists.example.org>"
        "Dev Team <dev-team@example.org>"
        "Travel Desk <bookings@travel.example.com>"
        "Dana Okafor <dana@example.net>"
        "Build Robot <ci@build.example.org>"
    )
    local subjects=(
        "Lunch on Thursday?"
        "Minutes of the weekly planning meeting"
        "[dev] Release 0.3 branch is open"
        "Your booking confirmation AX7QZ"
        "Photos from the weekend"
        "Build #1482 passed"
        "Re: Question about the quarterly report"
        "Invitation: design review"
        "Reminder: library books due"
        "[dev] Flaky test in the sync engine"
        "Holiday schedule"
        "Re: Re: Offsite venue options"
    )
    local bodies=(
        "Hi Alice,

are you free for lunch on Thursday? The new place around the corner has
a lunch menu that looks good.

Bob"
        "Hello all,

below are the minutes of this week's planning meeting.

1. Release dates confirmed.
2. Hiring: two interviews next week.
3. Next meeting as usual.

Carol"
        "The release branch is open. Please only merge bug fixes from now on.

-- 
The dev team"
        "Dear Alice,

thank you for your booking. Your reference is AX7QZ.
Departure: 08:15, platform 4.

Safe travels!"
        "Hi!

I finally sorted the photos from the weekend - the lake ones came out great.
I will share the album tonight.

Dana"
        "Build #1482 of main passed: 412 tests, 0 failures.
Duration: 6 min 12 s."
    )
    local i count=36 sender address date
    for ((i = 0; i < count; i++)); do
        sender=${senders[i % ${#senders[@]}]}
        address=${sender##*<}
        address=${address%>}
        date=$(date -R -d "-$(((count - i) * 17)) hours")
        {
            echo "From: $sender"
            echo "To: Alice Demo <alice@example.test>"
            echo "Subject: ${subjects[i % ${#subjects[@]}]}"
            echo "Date: $date"
            echo "Message-ID: <demo-$i.$(date +%s)@example.test>"
            echo "MIME-Version: 1.0"
            echo "Content-Type: text/plain; charset=utf-8"
            echo
            echo "${bodies[i % ${#bodies[@]}]}"
        } | sendmail -C "$stack/postfix/etc" -f "$address" alice@example.test
    done
    say "waiting for Postfix to deliver $count messages"
    local tries=0
    while (($(find "$MAIL_DIR/alice/Maildir/new" "$MAIL_DIR/alice/Maildir/cur" -type f \
        2>/dev/null | wc -l) < count)); do
        ((tries++ < 600)) || {
            echo "run-demo: the demo messages were not delivered; see $stack/postfix/maillog" >&2
            exit 1
        }
        sleep 0.1
    done
}
if [[ ! -f $stack/seeded ]]; then
    seed_inbox
    touch "$stack/seeded"
fi

# --- the app ---------------------------------------------------------------------------------

say "building latchmail and latchmail-cli in $build"
configure=(--preset default)
if command -v ccache >/dev/null; then
    configure+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
[[ -f $build/build.ninja ]] || cmake "${configure[@]}"
cmake --build "$build" -j 2 --target latchmail latchmail-cli

# --- profile, account and window, in a session with its own unlocked keyring ------------------

export HOME="$demo/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME="$HOME/.cache" XDG_RUNTIME_DIR="$demo/runtime"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 0700 "$HOME" "$XDG_RUNTIME_DIR"
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

export DEMO_DIR=$demo DEMO_GUI=$gui DEMO_BIN=$build/app
export DEMO_ENDPOINTS="127.0.0.1:$IMAPS_PORT 127.0.0.1:$SUBMISSIONS_PORT $CA_FILE"
# shellcheck disable=SC2016 # the session script expands its own variables
session() {
    dbus-run-session -- bash -c '
        set -euo pipefail
        cli=("$DEMO_BIN/latchmail-cli" --profile "$DEMO_DIR/profile")

        gnome-keyring-daemon --foreground --unlock --components=secrets \
            <"$DEMO_DIR/keyring-password" >"$DEMO_DIR/keyring.env" 2>"$DEMO_DIR/keyring.log" &
        daemon=$!
        trap "kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true" EXIT
        owner() {
            dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
                /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
                string:org.freedesktop.secrets 2>/dev/null | awk "{ print \$2 }"
        }
        tries=0
        until [[ $(owner) == "$daemon" ]]; do
            ((tries++ < 200)) || { cat "$DEMO_DIR/keyring.log" >&2; exit 1; }
            sleep 0.05
        done

        # The account follows the stack: re-created when the ports or the CA changed.
        read -r imap smtp ca <<<"$DEMO_ENDPOINTS"
        if [[ $(cat "$DEMO_DIR/account.endpoints" 2>/dev/null) != "$DEMO_ENDPOINTS" ]] ||
            ! "${cli[@]}" account show demo >/dev/null 2>&1; then
            "${cli[@]}" account remove demo >/dev/null 2>&1 || true
            "${cli[@]}" account add demo --email alice@example.test --display-name "Alice Demo" \
                --imap "$imap" --smtp "$smtp" --user alice --password-stdin --tls implicit \
                --ca-file "$ca" <"$DEMO_DIR/alice-password"
            echo "$DEMO_ENDPOINTS" >"$DEMO_DIR/account.endpoints"
        fi

        if ((DEMO_GUI)); then
            "$DEMO_BIN/latchmail" --profile "$DEMO_DIR/profile"
        fi
    '
}

say "IMAP 127.0.0.1:$IMAPS_PORT, submission 127.0.0.1:$SUBMISSIONS_PORT (both implicit TLS)"
say "users alice and bob, passwords in $demo/alice-password and $demo/bob-password"
say "profile $demo/profile, CA certificate $CA_FILE"
if ((gui)) && [[ -z ${DISPLAY:-} ]]; then
    say "no DISPLAY: opening Latchmail on a virtual X server (xvfb-run)"
    export -f session
    xvfb-run -a bash -c session
else
    session
fi
if ((!gui)); then
    say "ready; run packaging/run-demo.sh without --no-gui to open Latchmail"
fi
say "stop the mail stack with: packaging/run-demo.sh --stop"
