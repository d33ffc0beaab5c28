#!/usr/bin/env python3
"""Sends one message with Python's smtplib, as a foreign client for the
end-to-end tests of mailserver (tests/smtp_python.rs).

Reads a JSON spec on stdin and prints one JSON object with what happened on
stdout. Every socket operation has a timeout.

Spec fields:
  host, port            where to connect
  tls                   "none" | "starttls" | "implicit"
  cafile                the PEM file to trust for TLS (verification is on)
  auth                  null, or {"mechanism": "PLAIN"|"LOGIN", "user": ...,
                        "password": ..., "initial_response": bool}
  from, to              envelope sender and list of recipients
  mail_options          e.g. ["BODY=8BITMIME"], ["SMTPUTF8"]
  message_hex           the message bytes, hex

Result fields:
  features_before_tls   EHLO keywords (lower case) before TLS, or null
  features              EHLO keywords in force when the message was sent
  tls_version           the TLS version, or null
  auth                  [code, text] of the AUTH exchange, or null
  refused               {recipient: [code, text]} for refused recipients
  error                 null, or {"type": ..., "code": ..., "text": ...}
"""
import json
import smtplib
import ssl
import sys

TIMEOUT = 20


def features(client):
    return sorted(client.esmtp_features.keys())


def error_of(exc):
    code = getattr(exc, "smtp_code", None)
    text = getattr(exc, "smtp_error", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = {
            rcpt: [c, t.decode("utf-8", "replace") if isinstance(t, bytes) else t]
            for rcpt, (c, t) in exc.recipients.items()
        }
        return {"type": type(exc).__name__, "code": None, "text": None, "refused": refused}
    return {"type": type(exc).__name__, "code": code, "text": text if text else str(exc)}


def main():
    spec = json.load(sys.stdin)
    result = {
        "features_before_tls": None,
        "features": None,
        "tls_version": None,
        "auth": None,
        "refused": {},
        "error": None,
    }
    message = bytes.fromhex(spec["message_hex"])
    context = None
    if spec["tls"] != "none":
        context = ssl.create_default_context(cafile=spec["cafile"])
    client = None
    try:
        if spec["tls"] == "implicit":
            client = smtplib.SMTP_SSL(
                spec["host"], spec["port"], timeout=TIMEOUT, context=context
            )
        else:
            client = smtplib.SMTP(spec["host"], spec["port"], timeout=TIMEOUT)
        client.ehlo("client.example")
        if spec["tls"] == "starttls":
            result["features_before_tls"] = features(client)
            client.starttls(context=context)
            # smtplib forgets the capabilities after STARTTLS (RFC 3207
            # §4.2); ask again.
            client.ehlo("client.example")
        if spec["tls"] != "none":
            result["tls_version"] = client.sock.version()
        result["features"] = features(client)
        auth = spec.get("auth")
        if auth:
            client.user = auth["user"]
            client.password = auth["password"]
            mechanism = auth["mechanism"].upper()
            method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}[mechanism]
            code, text = client.auth(
                mechanism, method, initial_response_ok=auth.get("initial_response", True)
            )
            result["auth"] = [code, text.decode("utf-8", "replace")]
        refused = client.sendmail(
            spec["from"], spec["to"], message, mail_options=spec.get("mail_options", [])
        )
        result["refused"] = {
            rcpt: [c, t.decode("utf-8", "replace")] for rcpt, (c, t) in refused.items()
        }
        client.quit()
    except (smtplib.SMTPException, OSError) as exc:
        result["error"] = error_of(exc)
        if client is not None:
            try:
                client.close()
            except OSError:
                pass
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
