#!/usr/bin/env bash
# Makes, in DIR, a test CA (ca.crt), an unrelated CA (other-ca.crt) and a server certificate for localhost and
# 127.0.0.1 signed by the first (server.crt, server.key): what postgres-start.sh needs with PG_TLS_DIR=DIR.
set -euo pipefail
DIR=$1
cd "$DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=swift-migrate test CA' -keyout ca.key -out ca.crt 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=unrelated CA' -keyout other-ca.key -out other-ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.crt 2>/dev/null
