#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Generates the certificates one test run uses, into OUT_DIR (created if missing):
#   ca.pem / ca.key                   test certificate authority
#   ca-signed.pem / ca-signed.key     server certificate signed by the CA for DNS:localhost and
#                                     IP:127.0.0.1 (the "valid" variant)
#   self-signed.pem / self-signed.key self-signed certificate for the same names
#   expired.pem / expired.key         CA-signed for the same names, valid only in January 2020
#   wrong-host.pem / wrong-host.key   CA-signed, valid, but only for DNS:mail.example.net
#   dh.pem                            RFC 7919 ffdhe2048 group for DHE suites
# The file names of the server variants are the tokens CertVariant maps to in the C++ support.
# Every key is RSA so that RSA key exchange (AES128-SHA) and DHE-RSA suites work.
#
# Usage: certs.sh OUT_DIR
set -euo pipefail

out=${1:?usage: certs.sh OUT_DIR}
mkdir -p "$out"
cd "$out"
umask 022

work=$(mktemp -d "$PWD/.certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

newkey() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

newkey "$work/ca.key"
openssl req -x509 -key "$work/ca.key" -out "$work/ca.pem" -days 3650 -sha256 \
    -subj "/O=Latchmail tests/CN=Latchmail Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null

# The CA-signed variants share one key: the tests tell certificates apart, not keys.
newkey "$work/server.key"
newkey "$work/self-signed.key"

mkdir -p "$work/db"
: >"$work/db/index.txt"
cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $work/db/index.txt
new_certs_dir = $work/db
rand_serial = yes
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
[ any_policy ]
commonName = supplied
[ localhost_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid
[ wrong_host_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mail.example.net
authorityKeyIdentifier = keyid
CNF

# sign NAME COMMON_NAME EXTENSIONS [openssl ca validity options…]
sign() {
    local name=$1 cn=$2 ext=$3
    shift 3
    openssl req -new -key "$work/server.key" -subj "/CN=$cn" -out "$work/$name.csr" 2>/dev/null
    openssl ca -batch -notext -config "$work/ca.cnf" -cert "$work/ca.pem" \
        -keyfile "$work/ca.key" -in "$work/$name.csr" -out "$work/$name.pem" \
        -extensions "$ext" "$@" 2>/dev/null
    cp "$work/server.key" "$work/$name.key"
}

sign ca-signed localhost localhost_ext -days 825
# openssl 3.0's x509/req commands cannot back-date a certificate; "openssl ca" can.
sign expired localhost localhost_ext -startdate 20200101000000Z -enddate 20200201000000Z
sign wrong-host mail.example.net wrong_host_ext -days 825

openssl req -x509 -key "$work/self-signed.key" -out "$work/self-signed.pem" -days 825 -sha256 \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -addext "extendedKeyUsage=serverAuth" 2>/dev/null

# A named RFC 7919 group is instant, unlike "openssl dhparam".
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$work/dh.pem"

for f in ca.pem ca.key ca-signed.pem ca-signed.key self-signed.pem self-signed.key \
    expired.pem expired.key wrong-host.pem wrong-host.key dh.pem; do
    mv -f "$work/$f" "$f"
done
# Keys are readable by the unprivileged server processes (Postfix reads its key as root, Dovecot
# too, openssl s_server runs as the test user): test keys only, generated per run.
chmod 0644 ./*.pem ./*.key
chmod 0600 ca.key
