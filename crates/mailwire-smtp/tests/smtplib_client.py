"""Python's smtplib against the mailwire server machine (driven by
tests/smtplib_interop.rs): three sessions, one per SASL mechanism, each
sending a message whose lines start with dots and whose body is 8-bit."""
import smtplib
import sys

port = int(sys.argv[1])
MESSAGE = (
    b"From: alice@example.org\r\n"
    b"To: bob@mx.test\r\n"
    b"Subject: interop\r\n"
    b"\r\n"
    b".leading dot\r\n"
    b"..two dots\r\n"
    b".\r\n"
    b"caf\xc3\xa9 \xff\xfe 8-bit\r\n"
    b"last line\r\n"
)

def session(mechanism):
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
    s.ehlo()
    assert s.has_extn("8bitmime"), s.esmtp_features
    if mechanism == "login()":
        # smtplib picks the strongest it knows: CRAM-MD5 when offered.
        s.login("alice", "wonderland")
    else:
        s.user, s.password = "alice", "wonderland"
        method = getattr(s, "auth_" + mechanism.lower().replace("-", "_"))
        s.auth(mechanism, method, initial_response_ok=(mechanism != "LOGIN"))
    refused = s.sendmail(
        "alice@example.org",
        ["bob@mx.test", "carol@mx.test"],
        MESSAGE,
        mail_options=["BODY=8BITMIME"],
    )
    assert refused == {}, refused
    s.quit()

for mech in ["login()", "PLAIN", "LOGIN"]:
    session(mech)
print("smtplib: ok")
