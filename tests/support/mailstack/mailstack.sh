#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One private mail stack for Latchmail's integration tests and demo: Dovecot (IMAP with STARTTLS
# and implicit TLS) and optionally Postfix (message submission with STARTTLS and implicit TLS,
# SASL through Dovecot, DSN, delivery into Dovecot's maildirs), on 127.0.0.1, on ports picked at
# run time, with certificates generated per run, everything under one directory. Needs root.
#
# Usage:
#   mailstack.sh run DIR [OPTIONS]    start, print "READY" once every server greets, then
#                                     supervise: stop everything when standard input reaches EOF
#                                     (the owning process ended, however it ended) or on
#                                     SIGTERM/SIGINT/SIGHUP
#   mailstack.sh start DIR [OPTIONS]  the same, detached from the caller (for the demo); returns
#                                     once the stack is ready
#   mailstack.sh stop DIR             stop a stack and wait until every process of it is gone
#   mailstack.sh status DIR           exit 0 and print stack.env when the stack is up
#   mailstack.sh reap RUN_DIR         stop every stack and openssl s_server under RUN_DIR whose
#                                     owning process is gone (see "Cleanup" below)
#   mailstack.sh root RUN_DIR         print the directory under which stacks for RUN_DIR live
#   mailstack.sh prepare RUN_DIR      the setup step of the CTest fixture: check that everything
#                                     the stacks need is installed, reap, generate this run's
#                                     certificates (RUN_ROOT/certs-current), drop day-old leftovers
#
# Options:
#   --postfix             also start Postfix
#   --tls12-only          the servers offer at most TLS 1.2
#   --cipher-list LIST    OpenSSL cipher list for TLS 1.2 and below (e.g. AES128-SHA)
#   --no-ssl              no TLS at all: no STARTTLS, no implicit-TLS listeners
#   --no-dsn              Postfix's submission listeners do not announce DSN (RFC 3461)
#   --sent-mailbox NAME   the mailbox marked \Sent is NAME; "Sent" then exists without it
#   --cert VARIANT        ca-signed (default), self-signed, expired or wrong-host (certs.sh)
#   --certs DIR           copy the certificates from DIR (certs.sh layout) instead of generating
#   --users-file FILE     lines "name:password"; default: alice and bob with random passwords
#   --owner PID           the process the stack belongs to; 0 = none (never reaped); default:
#                         the parent process
#   --reuse-ports         (start) listen on the ports of the previous start when still free
#
# DIR/stack.env then holds IMAP_PORT, IMAPS_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT (0 = not
# running), CA_FILE, MAIL_DIR, USERS_FILE, DOMAIN and the special recipients BOUNCE_RCPT (a pipe
# that exits 67: failure report) and DEFER_RCPT (exits 75: delay report).
#
# Cleanup. The supervisor runs as process 1 of its own PID namespace (unshare), so it reaps every
# orphaned server process (an init that reaps nothing would collect them as zombies), and when it
# ends for any reason, even SIGKILL, the kernel kills every process left in the namespace.
# Without namespaces (no CAP_SYS_ADMIN) the servers' pid files are used instead. The supervisor
# stops the stack when its standard input (a pipe from the owning test) closes; "reap", run by
# CTest as the cleanup fixture of every test that requires the "mailstack" fixture, is the last
# line of defence for a supervisor that is itself stuck.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$here/mailstack.sh"

die() {
    echo "mailstack: $*" >&2
    exit 1
}

# --- ports -----------------------------------------------------------------------------------

declare -A taken_ports=()

# Marks every TCP port somebody on this machine uses now (any state, IPv4 and IPv6).
scan_used_ports() {
    local _ local_address
    while read -r _ local_address _; do
        [[ $local_address == *:* ]] || continue
        taken_ports[$((16#${local_address##*:}))]=1
    done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
}

# Sets variable $1 to a port nobody uses now (preferably $2), below the kernel's ephemeral range
# so that outgoing connections never take it in the meantime. Another process may still pick
# the same one: callers retry when a server reports "Address already in use".
# shellcheck disable=SC2034 # port_ref is a name reference: assigning it sets the caller's variable
pick_port() {
    local -n port_ref=$1
    local port tries=0 preferred=${2:-0}
    scan_used_ports
    if ((preferred != 0)) && [[ -z ${taken_ports[$preferred]:-} ]]; then
        taken_ports[$preferred]=1
        port_ref=$preferred
        return 0
    fi
    while ((tries++ < 1000)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        if [[ -z ${taken_ports[$port]:-} ]]; then
            taken_ports[$port]=1
            port_ref=$port
            return 0
        fi
    done
    die "no free TCP port found"
}

# --- small helpers ---------------------------------------------------------------------------

# Succeeds when a line starting with PREFIX arrives on 127.0.0.1:PORT within two seconds.
greets() {
    local port=$1 prefix=$2 fd line rc=0
    { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    read -r -t 2 -u "$fd" line || rc=$?
    exec {fd}>&-
    [[ $rc -eq 0 && $line == "$prefix"* ]]
}

# Replaces @NAME@ placeholders in template $1 with the values of the shell variables NAME given
# as the remaining arguments and writes the result to standard output.
fill_template() {
    local template=$1 expr=(-e '') name value
    shift
    for name in "$@"; do
        value=${!name}
        value=${value//\\/\\\\}
        value=${value//&/\\&}
        value=${value//|/\\|}
        expr+=(-e "s|@${name}@|${value}|g")
    done
    sed "${expr[@]}" "$template"
}

random_password() {
    tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20 || true
}

# Prints the outer process id of this shell, also inside a PID namespace (/proc is the host's).
outer_pid() {
    local stat
    read -r -a stat </proc/self/stat
    echo "${stat[0]}"
}

alive() {
    [[ -n ${1:-} && $1 != 0 ]] && kill -0 "$1" 2>/dev/null
}

# Prints the start time (clock ticks since boot) of process $1: with the pid it identifies the
# process even after its pid was reused.
start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    read -r -a stat <<<"$stat"
    echo "${stat[19]}"
}

# Succeeds while the process recorded as "PID START_TIME" in file $1 still runs.
owner_alive() {
    local pid started
    read -r pid started <"$1" 2>/dev/null || return 1
    alive "$pid" && [[ -z $started || $(start_time "$pid") == "$started" ]]
}

# Waits up to $2 tenths of a second for process $1 (not necessarily our child) to end.
wait_gone() {
    local pid=$1 tenths=$2
    while alive "$pid" && ((tenths-- > 0)); do
        sleep 0.1
    done
    ! alive "$pid"
}

# Succeeds when process $1 still is the one this stack started (guards against pid reuse).
pid_belongs_to() {
    local pid=$1 dir=$2
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dir" && return 0
    tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qF "$dir"
}

# --- run directory ---------------------------------------------------------------------------

# Dovecot's mail processes (uid 5000) and Postfix's (user postfix) must traverse every parent
# directory of a stack. A run directory below a private directory (such as /root) is therefore
# mirrored to a world-traversable place under /tmp.
cmd_root() {
    local run_dir=${1:?usage: mailstack.sh root RUN_DIR} path
    mkdir -p "$run_dir"
    run_dir=$(cd "$run_dir" && pwd -P)
    path=$run_dir
    while [[ $path != / ]]; do
        if [[ $(stat -c %A "$path") != ?????????[xt] ]]; then
            local mirror=/tmp/latchmail-stacks${run_dir//\//_}
            mkdir -p "$mirror"
            chmod 0755 /tmp/latchmail-stacks* "$mirror" 2>/dev/null || true
            echo "$mirror"
            return 0
        fi
        path=$(dirname "$path")
    done
    echo "$run_dir"
}

# --- options ---------------------------------------------------------------------------------

opt_postfix=0
opt_tls12=0
opt_ciphers=""
opt_ssl=1
opt_dsn=1
opt_sent_mailbox=Sent
opt_cert=ca-signed
opt_certs=""
opt_users=""
opt_owner=$PPID
opt_detach=0
opt_reuse_ports=0

parse_options() {
    while (($#)); do
        case $1 in
        --postfix) opt_postfix=1 ;;
        --tls12-only) opt_tls12=1 ;;
        --cipher-list) opt_ciphers=${2:?--cipher-list needs a value}; shift ;;
        --no-ssl) opt_ssl=0 ;;
        --no-dsn) opt_dsn=0 ;;
        --sent-mailbox) opt_sent_mailbox=${2:?--sent-mailbox needs a name}; shift ;;
        --cert) opt_cert=${2:?--cert needs a value}; shift ;;
        --certs) opt_certs=${2:?--certs needs a directory}; shift ;;
        --users-file) opt_users=${2:?--users-file needs a file}; shift ;;
        --owner) opt_owner=${2:?--owner needs a pid}; shift ;;
        --detach) opt_detach=1 ;;
        --reuse-ports) opt_reuse_ports=1 ;;
        *) die "unknown option: $1" ;;
        esac
        shift
    done
    [[ $opt_sent_mailbox =~ ^[A-Za-z0-9][A-Za-z0-9\ _-]*$ ]] ||
        die "--sent-mailbox: letters, digits, spaces, '_' and '-' only: $opt_sent_mailbox"
    case $opt_cert in
    ca-signed | self-signed | expired | wrong-host) ;;
    *) die "unknown certificate variant: $opt_cert" ;;
    esac
}

# Configuration files and the servers themselves.
# shellcheck source=servers.sh
source "$here/servers.sh"

# --- commands --------------------------------------------------------------------------------

# The supervisor. Runs as PID 1 of its own PID namespace when started through cmd_run.
cmd_supervise() {
    DIR=${1:?usage: mailstack.sh run DIR [OPTIONS]}
    shift
    parse_options "$@"
    DIR=$(cd "$DIR" && pwd -P)
    outer_pid >"$DIR/supervisor.pid"
    echo "$(($$ == 1))" >"$DIR/pid-namespace"
    echo "$opt_owner $(start_time "$opt_owner")" >"$DIR/owner.pid"
    trap 'stop_all; exit 143' TERM INT HUP

    prepare_directory
    if ! start_dovecot || { ((opt_postfix)) && ! start_postfix; }; then
        stop_all
        echo "FAILED"
        exit 1
    fi
    write_stack_env
    date +%s >"$DIR/ready"
    echo "READY"

    if ((opt_detach)); then
        # Supervise until told to stop or until Dovecot ends.
        while alive "$dovecot_pid"; do
            wait -n 2>/dev/null || sleep 1
        done
    else
        # Supervise until the owner closes our standard input.
        while read -r _; do :; done
    fi
    stop_all
}

# Starts the supervisor in its own PID namespace when this machine allows one.
supervisor_command() {
    if unshare --pid --fork --kill-child=SIGTERM true 2>/dev/null; then
        echo unshare --pid --fork --kill-child=SIGTERM
    fi
}

cmd_run() {
    local dir=${1:?usage: mailstack.sh run DIR [OPTIONS]} owner=$PPID arg
    shift
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    # The owner defaults to whoever called us, not to unshare.
    for arg in "$@"; do
        if [[ $arg == --owner ]]; then
            owner=""
        fi
    done
    # shellcheck disable=SC2046
    exec $(supervisor_command) bash "$script" supervise "$dir" "$@" ${owner:+--owner "$owner"}
}

cmd_start() {
    local dir=${1:?usage: mailstack.sh start DIR [OPTIONS]}
    shift
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    if cmd_status "$dir" >/dev/null 2>&1; then
        cat "$dir/stack.env"
        return 0
    fi
    rm -f "$dir/ready"
    if [[ -f $dir/stack.env ]]; then
        mv -f "$dir/stack.env" "$dir/stack.env.previous"
    fi
    # shellcheck disable=SC2046
    setsid $(supervisor_command) bash "$script" supervise "$dir" "$@" --detach --owner 0 \
        </dev/null >"$dir/supervisor.log" 2>&1 &
    local tenths=600
    while ((tenths-- > 0)); do
        if [[ -f $dir/ready ]]; then
            cat "$dir/stack.env"
            return 0
        fi
        if grep -q '^FAILED' "$dir/supervisor.log" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    cat "$dir/supervisor.log" >&2
    die "the mail stack in $dir did not start"
}

cmd_status() {
    local dir=${1:?usage: mailstack.sh status DIR} IMAP_PORT=0
    [[ -f $dir/ready && -f $dir/stack.env ]] || return 1
    alive "$(cat "$dir/supervisor.pid" 2>/dev/null)" || return 1
    # shellcheck disable=SC1091
    source "$dir/stack.env"
    greets "$IMAP_PORT" "* OK" || return 1
    cat "$dir/stack.env"
}

# Stops the stack in $1: the supervisor first (it stops the servers in order), then whatever
# pid files say is still running (only when the servers ran outside a PID namespace).
cmd_stop() {
    local dir=${1:?usage: mailstack.sh stop DIR} supervisor pidfile pid
    supervisor=$(cat "$dir/supervisor.pid" 2>/dev/null || true)
    if alive "$supervisor" && pid_belongs_to "$supervisor" "$dir"; then
        kill -TERM "$supervisor" 2>/dev/null || true
        wait_gone "$supervisor" 150 || kill -KILL "$supervisor" 2>/dev/null || true
        wait_gone "$supervisor" 50 || true
    fi
    rm -f "$dir/ready"
    # Pid files written inside a PID namespace hold that namespace's numbers: useless here, and
    # the namespace is gone with its supervisor anyway.
    if [[ $(cat "$dir/pid-namespace" 2>/dev/null) == 1 ]]; then
        return 0
    fi
    for pidfile in "$dir/postfix/spool/pid/master.pid" "$dir/dovecot/run/master.pid"; do
        [[ -f $pidfile ]] || continue
        pid=$(tr -d ' \n' <"$pidfile" || true)
        if alive "$pid" && pid_belongs_to "$pid" "$dir"; then
            kill -TERM "$pid" 2>/dev/null || true
            wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

cmd_reap() {
    local root pidfile dir owner pid
    root=$(cmd_root "${1:?usage: mailstack.sh reap RUN_DIR}")
    for pidfile in "$root"/stacks/*/supervisor.pid; do
        [[ -f $pidfile ]] || continue
        dir=$(dirname "$pidfile")
        read -r owner _ <"$dir/owner.pid" 2>/dev/null || owner=""
        # Owner 0 marks a stack nobody owns (the demo's); a living owner still needs its stack.
        if [[ $owner == 0 ]] || owner_alive "$dir/owner.pid"; then
            continue
        fi
        if [[ -f $dir/ready ]] || alive "$(cat "$pidfile")"; then
            echo "mailstack: stopping leftover stack $dir (owner $owner is gone)"
            cmd_stop "$dir"
        fi
    done
    # openssl s_server instances record "PID OWNER" in sserver/<pid>.
    for pidfile in "$root"/sserver/*; do
        [[ -f $pidfile ]] || continue
        read -r pid owner <"$pidfile" || true
        if ! alive "$owner"; then
            if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 's_server'; then
                echo "mailstack: stopping leftover openssl s_server $pid (owner $owner is gone)"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            rm -f "$pidfile"
        fi
    done
}

# The setup step of the CTest fixture: fails with a clear message when something the stacks
# need is missing, then clears what crashed runs left behind.
cmd_prepare() {
    local run_dir=${1:?usage: mailstack.sh prepare RUN_DIR} tool missing=()
    [[ $(id -u) == 0 ]] ||
        die "the test mail stacks need root (Dovecot and Postfix switch to their own users)"
    for tool in dovecot postfix openssl unshare script install; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run packaging/install-deps.sh"
    getent passwd postfix >/dev/null || die "no postfix user: run packaging/install-deps.sh"
    getent passwd dovenull >/dev/null || die "no dovenull user: run packaging/install-deps.sh"
    cmd_reap "$run_dir"

    # One certificate set for every test of this run (TestCertificates::shared() picks it up);
    # the link is swapped atomically, so a parallel run keeps the set it resolved.
    local root fresh
    root=$(cmd_root "$run_dir")
    fresh=$(mktemp -d "$root/certs-run-XXXXXX")
    chmod 0755 "$fresh"
    bash "$here/certs.sh" "$fresh"
    ln -sfn "$(basename "$fresh")" "$root/certs-current.new"
    mv -Tf "$root/certs-current.new" "$root/certs-current"

    # What earlier runs left: certificate sets, and stacks kept after failed tests.
    find "$root" -mindepth 1 -maxdepth 1 -name 'certs-*' -type d -mmin +1440 \
        -exec rm -rf {} + 2>/dev/null || true
    find "$root/stacks" -mindepth 1 -maxdepth 1 -type d -mmin +1440 \
        -exec rm -rf {} + 2>/dev/null || true
    echo "mailstack: ready; stacks live under $root"
}

command=${1:-}
shift || true
case $command in
run) cmd_run "$@" ;;
supervise) cmd_supervise "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
reap) cmd_reap "$@" ;;
prepare) cmd_prepare "$@" ;;
root) cmd_root "$@" ;;
*)
    sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
