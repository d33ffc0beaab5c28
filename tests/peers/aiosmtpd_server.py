#!/usr/bin/env python3
"""An SMTP server nobody here wrote (aiosmtpd), as a peer for our SMTP client
in the end-to-end tests (tests/smtp_send.rs).

  aiosmtpd_server.py --cert PEM --key PEM --out DIR
                     [--auth USER:PASSWORD] [--require-starttls | --implicit-tls]

Listens on 127.0.0.1 on a port the kernel picks and prints `port N` on
stdout once it accepts connections. STARTTLS is offered with the given
certificate, or with --implicit-tls the connection is TLS from the first
byte (RFC 8314); with --auth, AUTH (PLAIN, LOGIN) is required and only
allowed under TLS. Recipients whose local part starts with "reject" are refused with
550 5.1.1. Each message is written to DIR/N.eml (the bytes received, after
dot-unstuffing) and then DIR/N.json (the envelope), each file appearing
whole.

Exits when its stdin is closed (so it cannot outlive the test that started
it) or after 10 minutes.
"""
import argparse
import asyncio
import itertools
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

LIFETIME = 600


def write_whole(path, data):
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Handler:
    def __init__(self, out):
        self.out = out
        self.counter = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        base = os.path.join(self.out, "%06d" % n)
        write_whole(base + ".eml", envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            # The transport is the TLS one after STARTTLS and with
            # implicit TLS alike.
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode("utf-8", "replace")
            if isinstance(session.auth_data, LoginPassword)
            else None,
        }
        write_whole(base + ".json", json.dumps(meta).encode("utf-8"))
        return "250 2.0.0 Stored as %06d" % n


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode("utf-8")
            and auth_data.password == password.encode("utf-8")
        )
        # handled=False: aiosmtpd sends the 235 or 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--auth")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs = {
            "authenticator": make_authenticator(user, password),
            "auth_required": True,
            # aiosmtpd only counts STARTTLS as TLS; under implicit TLS the
            # whole connection is.
            "auth_require_tls": not args.implicit_tls,
        }
    loop = asyncio.get_running_loop()
    handler = Handler(args.out)

    def factory():
        return SMTP(
            handler,
            hostname="peer.test",
            tls_context=None if args.implicit_tls else context,
            require_starttls=args.require_starttls,
            enable_SMTPUTF8=True,
            timeout=60,
            loop=loop,
            **kwargs,
        )

    server = await loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=context if args.implicit_tls else None
    )
    port = server.sockets[0].getsockname()[1]
    print("port %d" % port, flush=True)

    done = asyncio.Event()

    def watch_stdin():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(done.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        await asyncio.wait_for(done.wait(), LIFETIME)
    except asyncio.TimeoutError:
        pass
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
