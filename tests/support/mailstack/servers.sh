# SPDX-License-Identifier: GPL-3.0-or-later
#
# Part of mailstack.sh (sourced, not run): writes the configuration of one stack's Dovecot and
# Postfix from the templates beside it, and starts and stops both servers. Uses mailstack.sh's
# helpers and its DIR and opt_* variables.
# shellcheck shell=bash disable=SC2154

# --- configuration ---------------------------------------------------------------------------

prepare_directory() {
    umask 022
    mkdir -p "$DIR"/{certs,dovecot/run,dovecot/state,postfix/etc,postfix/bin,postfix/spool,mail}
    chmod 0755 "$DIR"
    chown 5000:5000 "$DIR/mail"

    if [[ -n $opt_certs ]]; then
        cp -p "$opt_certs"/*.pem "$opt_certs"/*.key "$DIR/certs/"
    elif [[ ! -f $DIR/certs/dh.pem ]]; then
        bash "$here/certs.sh" "$DIR/certs"
    fi

    if [[ -n $opt_users ]]; then
        [[ $opt_users -ef $DIR/users ]] || install -m 0600 "$opt_users" "$DIR/users"
    elif [[ ! -f $DIR/users ]]; then
        (umask 077 && printf 'alice:%s\nbob:%s\n' "$(random_password)" "$(random_password)" \
            >"$DIR/users")
    fi
}

write_dovecot_config() {
    # shellcheck disable=SC2034 # read by fill_template through indirection
    local DIR=$DIR INSTANCE IMAP_PORT=$imap_port IMAPS_PORT=$imaps_port name password
    # shellcheck disable=SC2034
    INSTANCE="latchmail-$(basename "$DIR")"
    fill_template "$here/dovecot.conf.in" DIR INSTANCE IMAP_PORT IMAPS_PORT \
        >"$DIR/dovecot/dovecot.conf"

    # passwd-file with {PLAIN} passwords, readable by the auth process only.
    : >"$DIR/dovecot/users"
    chmod 0640 "$DIR/dovecot/users"
    chgrp dovecot "$DIR/dovecot/users" 2>/dev/null || true
    while IFS=: read -r name password; do
        [[ -n $name ]] && printf '%s:{PLAIN}%s\n' "$name" "$password" >>"$DIR/dovecot/users"
    done <"$DIR/users"

    {
        echo "# TLS (and special-use mailbox) settings of this stack, written by mailstack.sh."
        if ((opt_ssl)); then
            echo "ssl = yes"
            echo "ssl_cert = <$DIR/certs/$opt_cert.pem"
            echo "ssl_key = <$DIR/certs/$opt_cert.key"
            echo "ssl_dh = <$DIR/certs/dh.pem"
            echo "ssl_min_protocol = TLSv1.2"
            echo "ssl_prefer_server_ciphers = yes"
            [[ -n $opt_ciphers ]] && echo "ssl_cipher_list = $opt_ciphers"
            if ((opt_tls12)); then
                fill_template "$here/openssl-tls12.cnf.in" >"$DIR/dovecot/openssl-tls12.cnf"
                # shellcheck disable=SC2016 # $import_environment is Dovecot's, not ours
                printf 'import_environment = $import_environment OPENSSL_CONF=%s\n' \
                    "$DIR/dovecot/openssl-tls12.cnf"
            fi
        else
            echo "ssl = no"
        fi
        if [[ $opt_sent_mailbox != Sent ]]; then
            # \Sent moves to another name; "Sent" stays, as a plain mailbox (RFC 6154 decoy).
            printf 'namespace inbox {\n  mailbox Sent {\n    special_use =\n  }\n'
            printf '  mailbox "%s" {\n    auto = create\n    special_use = \\Sent\n  }\n}\n' \
                "$opt_sent_mailbox"
        fi
    } >"$DIR/dovecot/tls.conf"
}

# Creates the queue and data directories the way "post-install create-missing" would, and asks
# postfix-script to skip its integrity checks (quick-start): those take about three seconds and
# find nothing to fix in a queue made a moment ago.
create_postfix_queue() {
    local spool=$DIR/postfix/spool
    install -d -o root -g root -m 0755 "$spool" "$spool/pid"
    install -d -o postfix -g root -m 0700 "$DIR/postfix/data" \
        "$spool"/{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace}
    install -d -o postfix -g postdrop -m 0730 "$spool/maildrop"
    install -d -o postfix -g postdrop -m 0710 "$spool/public"
    : >"$spool/quick-start"
}

write_postfix_config() {
    # shellcheck disable=SC2034 # read by fill_template through indirection
    local DIR=$DIR SUBMISSION_PORT=$submission_port SUBMISSIONS_PORT=$submissions_port
    local etc=$DIR/postfix/etc name _
    fill_template "$here/postfix-main.cf.in" DIR >"$etc/main.cf"
    fill_template "$here/postfix-master.cf.in" DIR SUBMISSION_PORT >"$etc/master.cf"
    if ((opt_ssl)); then
        fill_template "$here/postfix-master-submissions.cf.in" SUBMISSIONS_PORT >>"$etc/master.cf"
    fi

    {
        echo
        echo "# TLS settings of this stack, written by mailstack.sh."
        if ((opt_ssl)); then
            echo "smtpd_tls_security_level = may"
            echo "smtpd_tls_auth_only = yes"
            echo "smtpd_tls_cert_file = $DIR/certs/$opt_cert.pem"
            echo "smtpd_tls_key_file = $DIR/certs/$opt_cert.key"
            echo "smtpd_tls_dh1024_param_file = $DIR/certs/dh.pem"
            if ((opt_tls12)); then
                echo "smtpd_tls_protocols = >=TLSv1.2, <=TLSv1.2"
                echo "smtpd_tls_mandatory_protocols = >=TLSv1.2, <=TLSv1.2"
            fi
            if [[ -n $opt_ciphers ]]; then
                echo "tls_high_cipherlist = $opt_ciphers"
                echo "smtpd_tls_ciphers = high"
                echo "smtpd_tls_mandatory_ciphers = high"
            fi
        else
            echo "smtpd_tls_security_level = none"
            echo "smtpd_tls_auth_only = no"
        fi
        if ((!opt_dsn)); then
            echo "# The submission services do not announce DSN (RFC 3461)."
            echo "smtpd_discard_ehlo_keywords = dsn"
        fi
    } >>"$etc/main.cf"

    {
        while IFS=: read -r name _; do
            [[ -n $name ]] || continue
            echo "$name@example.test $name/Maildir/"
            echo "$name@localhost $name/Maildir/"
        done <"$DIR/users"
        echo "bounce@example.test bounce/Maildir/"
        echo "defer@example.test defer/Maildir/"
    } >"$etc/vmailbox"
    printf 'bounce@example.test fail67:\ndefer@example.test defer75:\n' >"$etc/transport"
    # Postfix waits until a configuration or table file is older than a second (it might still
    # be being written): date the fresh files back to start at once.
    touch -d "@$(($(date +%s) - 10))" "$etc"/*

    create_postfix_queue

    printf '#!/bin/sh\nexit 67\n' >"$DIR/postfix/bin/exit67"
    printf '#!/bin/sh\nexit 75\n' >"$DIR/postfix/bin/exit75"
    chmod 0755 "$DIR/postfix/bin/exit67" "$DIR/postfix/bin/exit75"
}

# --- servers ---------------------------------------------------------------------------------

dovecot_pid=""
postfix_pid=""
imap_port=0
imaps_port=0
submission_port=0
submissions_port=0

# With --reuse-ports, prints the port that variable $1 had in the previous run of this stack
# (first attempt only), so that clients configured then still find the servers; 0 otherwise.
previous_port() {
    local name=$1 attempt=$2 line
    if ((opt_reuse_ports && attempt == 1)) && [[ -f $DIR/stack.env.previous ]]; then
        line=$(grep -m1 "^$name=" "$DIR/stack.env.previous" || true)
        echo "${line#*=}"
    else
        echo 0
    fi
}

# Waits until $1 (our child) greets on port $2 with prefix $3; fails when it dies first.
await_greeting() {
    local pid=$1 port=$2 prefix=$3 tenths=300
    while ((tenths-- > 0)); do
        alive "$pid" || return 1
        greets "$port" "$prefix" && return 0
        sleep 0.05
    done
    return 1
}

# Succeeds when file $1 says a listener could not bind its port.
port_clash() {
    grep -qs 'Address already in use' "$@"
}

start_dovecot() {
    local attempt
    for attempt in 1 2 3 4 5; do
        pick_port imap_port "$(previous_port IMAP_PORT "$attempt")"
        imaps_port=0
        if ((opt_ssl)); then
            pick_port imaps_port "$(previous_port IMAPS_PORT "$attempt")"
        fi
        write_dovecot_config
        : >"$DIR/dovecot/dovecot.log"
        dovecot -F -c "$DIR/dovecot/dovecot.conf" </dev/null >"$DIR/dovecot/stderr.log" 2>&1 &
        dovecot_pid=$!
        echo "$dovecot_pid" >"$DIR/dovecot/supervised.pid"
        if await_greeting "$dovecot_pid" "$imap_port" "* OK"; then
            return 0
        fi
        stop_child dovecot_pid
        port_clash "$DIR/dovecot/stderr.log" "$DIR/dovecot/dovecot.log" || break
    done
    echo "mailstack: Dovecot did not start; its log:" >&2
    tail -n 20 "$DIR/dovecot/stderr.log" "$DIR/dovecot/dovecot.log" >&2 || true
    return 1
}

start_postfix() {
    local attempt
    for attempt in 1 2 3 4 5; do
        pick_port submission_port "$(previous_port SUBMISSION_PORT "$attempt")"
        submissions_port=0
        if ((opt_ssl)); then
            pick_port submissions_port "$(previous_port SUBMISSIONS_PORT "$attempt")"
        fi
        write_postfix_config
        : >"$DIR/postfix/maillog"
        postfix -c "$DIR/postfix/etc" start-fg </dev/null >"$DIR/postfix/stderr.log" 2>&1 &
        postfix_pid=$!
        echo "$postfix_pid" >"$DIR/postfix/supervised.pid"
        if await_greeting "$postfix_pid" "$submission_port" "220 "; then
            return 0
        fi
        stop_postfix
        port_clash "$DIR/postfix/maillog" "$DIR/postfix/stderr.log" || break
    done
    echo "mailstack: Postfix did not start; its log and configuration check:" >&2
    tail -n 20 "$DIR/postfix/maillog" "$DIR/postfix/stderr.log" >&2 || true
    # The postfix command prints its complaints only to a terminal.
    script -qec "postfix -c '$DIR/postfix/etc' check" /dev/null >&2 </dev/null || true
    return 1
}

# Terminates the child whose pid is in the variable named $1 and reaps it.
stop_child() {
    local -n pid_ref=$1
    [[ -n $pid_ref ]] || return 0
    kill -TERM "$pid_ref" 2>/dev/null || true
    if ! wait_gone "$pid_ref" 100; then
        kill -KILL "$pid_ref" 2>/dev/null || true
    fi
    wait "$pid_ref" 2>/dev/null || true
    pid_ref=""
}

# Dovecot's master signals its processes at once, then sleeps a fixed second so that its log
# process can drain. A test stack is thrown away afterwards, so the supervisor of one cuts that
# second short; the demo's stack (detached) shuts down in full.
stop_dovecot() {
    [[ -n $dovecot_pid ]] || return 0
    kill -TERM "$dovecot_pid" 2>/dev/null || true
    if ((!opt_detach)) && ! wait_gone "$dovecot_pid" 2; then
        kill -KILL "$dovecot_pid" 2>/dev/null || true
    fi
    stop_child dovecot_pid
}

stop_postfix() {
    [[ -n $postfix_pid ]] || return 0
    # The master daemon is a grandchild (postfix-script runs it in the foreground).
    local master
    master=$(sed -n '1{s/ //g;p}' "$DIR/postfix/spool/pid/master.pid" 2>/dev/null || true)
    if alive "$master"; then
        kill -TERM "$master" 2>/dev/null || true
        wait_gone "$master" 100 || kill -KILL "$master" 2>/dev/null || true
    fi
    stop_child postfix_pid
}

stop_all() {
    trap '' TERM INT HUP
    stop_postfix
    stop_dovecot
    # Daemons' own children that outlived their master were re-parented to us: reap them.
    wait 2>/dev/null || true
    rm -f "$DIR/ready"
}

write_stack_env() {
    {
        echo "IMAP_PORT=$imap_port"
        echo "IMAPS_PORT=$imaps_port"
        echo "SUBMISSION_PORT=$submission_port"
        echo "SUBMISSIONS_PORT=$submissions_port"
        echo "CA_FILE=$DIR/certs/ca.pem"
        echo "MAIL_DIR=$DIR/mail"
        echo "USERS_FILE=$DIR/users"
        echo "DOMAIN=example.test"
        echo "BOUNCE_RCPT=bounce@example.test"
        echo "DEFER_RCPT=defer@example.test"
    } >"$DIR/stack.env.tmp"
    mv -f "$DIR/stack.env.tmp" "$DIR/stack.env"
}
