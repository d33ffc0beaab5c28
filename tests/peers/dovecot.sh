#!/usr/bin/env bash
# Starts a private Dovecot (IMAP + POP3, STARTTLS/STLS and implicit TLS) on
# 127.0.0.1 for interop tests, with its own config, state and Maildir under
# DIR. Nothing outside DIR is touched and no system service is used.
#
#   dovecot.sh start DIR IMAP_PORT POP3_PORT IMAPS_PORT POP3S_PORT USER PASSWORD
#   dovecot.sh stop DIR
#
# The certificate is DIR/tls/cert.pem (self-signed for "localhost"). Mail of
# USER lives in DIR/home/USER/Maildir. Dovecot refuses to run its login
# processes as root, so they run as dovenull/dovecot and the mail user as
# nobody, which owns DIR/home.
set -euo pipefail
cmd="$1"; dir="$(realpath -m "$2")"
case "$cmd" in
stop)
    if [ -f "$dir/dovecot.conf" ]; then
        dovecot -c "$dir/dovecot.conf" stop 2>/dev/null || true
    fi
    exit 0
    ;;
start) ;;
*) echo "usage: $0 start|stop DIR ..." >&2; exit 2 ;;
esac
imap_port="$3"; pop3_port="$4"; imaps_port="$5"; pop3s_port="$6"; user="$7"; pass="$8"
mkdir -p "$dir/tls" "$dir/run" "$dir/home/$user/Maildir"/{cur,new,tmp}
# Everything under DIR must be reachable by the unprivileged processes.
chmod 755 "$dir" "$dir/run"
if [ ! -f "$dir/tls/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
        -addext "extendedKeyUsage=serverAuth" \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
fi
uid=$(id -u nobody); gid=$(id -g nobody)
chown -R "$uid:$gid" "$dir/home"
printf '%s:{PLAIN}%s:%s:%s::%s\n' "$user" "$pass" "$uid" "$gid" "$dir/home/$user" > "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
instance_name = mailwire-test-$(basename "$dir")
default_login_user = dovenull
default_internal_user = dovecot
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login scram-sha-1 scram-sha-256 cram-md5
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3_port
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $pop3s_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
CONF
mkdir -p "$dir/state"
# The daemon must not inherit our stdout/stderr: a caller reading them
# through pipes would wait for it forever.
dovecot -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1
# Wait until the IMAP listener answers (bounded).
for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$imap_port") 2>/dev/null; then
        exit 0
    fi
    sleep 0.1
done
echo "dovecot did not start; log:" >&2
cat "$dir/dovecot.log" >&2 || true
exit 1
