#!/bin/sh
# Generates throwaway test certificates with openssl into DIR (P-256 keys, valid 2 days):
#   ca.pem, ca.key          a CA ("conformance test CA")
#   server.pem, server.key  signed by it, for DNS:localhost and IP:127.0.0.1 (serverAuth)
#   client.pem, client.key  signed by it, CN conformance-client (clientAuth)
# For local test brokers only: never use these keys for anything else.
set -eu
dir=${1:?usage: gen-certs.sh DIR}
command -v openssl >/dev/null 2>&1 || {
    echo "openssl is not installed: apt-get install -y openssl" >&2
    exit 127
}
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj "/CN=conformance test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() { # leaf NAME CN EXTENSIONS
    key "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
    printf '%b\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days 2 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
leaf server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth"
leaf client conformance-client "subjectAltName=DNS:conformance-client\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 600 ./*.key
