#!/bin/sh
# coturn with time-limited credentials from the secret Leitstand shares (VIDEO_TURN_SECRET: the
# "REST API" scheme, use-auth-secret): Leitstand hands each participant a user "<expiry>:<id>" and
# its HMAC, coturn checks them without a user database. Relays only to public addresses.
set -eu
: "${VIDEO_TURN_SECRET:?set VIDEO_TURN_SECRET}"
exec turnserver -n --log-file=stdout --no-cli --fingerprint --lt-cred-mech \
  --use-auth-secret --static-auth-secret="$VIDEO_TURN_SECRET" \
  --realm="${TURN_REALM:-leitstand}" \
  --listening-port=3478 --min-port="${TURN_MIN_PORT:-49160}" --max-port="${TURN_MAX_PORT:-49200}" \
  ${TURN_EXTERNAL_IP:+--external-ip="$TURN_EXTERNAL_IP"} \
  --no-multicast-peers --no-loopback-peers \
  --denied-peer-ip=10.0.0.0-10.255.255.255 --denied-peer-ip=172.16.0.0-172.31.255.255 \
  --denied-peer-ip=192.168.0.0-192.168.255.255 --denied-peer-ip=169.254.0.0-169.254.255.255 \
  --denied-peer-ip=100.64.0.0-100.127.255.255 --denied-peer-ip=0.0.0.0-0.255.255.255
