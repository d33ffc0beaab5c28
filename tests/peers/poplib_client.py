#!/usr/bin/env python3
"""Python's poplib against a POP3 server, for the mailwire interop tests.

Reads a JSON spec on stdin:
  {"host", "port", "tls": "stls"|"ssl", "cafile", "user", "password",
   "dele": [msg numbers], "top": [msg, lines] or null}
and prints one JSON object: the capabilities before and after TLS, STAT,
LIST, UIDL, every message by RETR (hex, CRLF line endings restored), the
TOP answer (hex) and the QUIT answer. Any failure raises (non-zero exit).
"""
import json
import poplib
import ssl
import sys


def main():
    spec = json.load(sys.stdin)
    ctx = ssl.create_default_context(cafile=spec["cafile"])
    ctx.check_hostname = True
    out = {}
    if spec["tls"] == "ssl":
        pop = poplib.POP3_SSL(spec["host"], spec["port"], context=ctx, timeout=30)
        out["capa_before"] = None
    else:
        pop = poplib.POP3(spec["host"], spec["port"], timeout=30)
        out["capa_before"] = sorted(pop.capa().keys())
        pop.stls(ctx)
    out["capa"] = {k: v for k, v in pop.capa().items()}
    pop.user(spec["user"])
    pop.pass_(spec["password"])
    out["stat"] = list(pop.stat())
    out["list"] = [line.decode() for line in pop.list()[1]]
    out["uidl"] = [line.decode() for line in pop.uidl()[1]]
    messages = []
    for i in range(1, out["stat"][0] + 1):
        _, lines, _ = pop.retr(i)
        messages.append((b"\r\n".join(lines) + b"\r\n").hex())
    out["retr_hex"] = messages
    if spec.get("top"):
        _, lines, _ = pop.top(spec["top"][0], spec["top"][1])
        out["top_hex"] = (b"\r\n".join(lines) + b"\r\n").hex()
    for n in spec.get("dele", []):
        pop.dele(n)
    out["stat_after_dele"] = list(pop.stat())
    out["quit"] = pop.quit().decode()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
