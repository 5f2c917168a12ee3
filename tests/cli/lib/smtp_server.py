#!/usr/bin/python3
"""A real SMTP server on loopback for the notice tests (Debian python3-aiosmtpd).

    smtp_server.py PORT OUT.jsonl [--tls CERT KEY] [--auth USER:PASSWORD]

Every message accepted is appended to OUT.jsonl as one JSON object: the envelope (mail_from,
rcpt_tos), whether the session was under STARTTLS and authenticated, the decoded Subject,
headers and the decoded text body. With --tls, STARTTLS is offered and required before MAIL;
with --auth, AUTH PLAIN/LOGIN is required (and only offered under TLS). Prints "ready" when
it accepts connections; stops on SIGTERM.
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def decode_header(value):
    return str(email.header.make_header(email.header.decode_header(value)))


class Handler:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.compat32)
        body = msg.get_payload(decode=True)
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "received": time.time(),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "subject": decode_header(msg.get("Subject", "")),
            "headers": {k: str(v) for k, v in msg.items()},
            "body": body.decode("utf-8").replace("\r\n", "\n") if body is not None else "",
        }
        with self.lock, open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth")
    a = ap.parse_args()
    kwargs = {}
    if a.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(a.tls))
    ctl = Controller(Handler(a.out), hostname="127.0.0.1", port=a.port, **kwargs)
    ctl.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    ctl.stop()


if __name__ == "__main__":
    sys.exit(main())
