#!/usr/bin/python3
"""A loopback HTTP receiver for the notice webhook tests.

    webhook_receiver.py PORT OUT.jsonl SECRET [--fail N]

Each POST is checked: X-Bannin-Signature-256 must be "sha256=" + HMAC-SHA256(SECRET, body)
and the body JSON. The first N requests are answered 503 (a receiver that is down), the
rest 200 when the signature is right and 401 when it is not. Every request is appended to
OUT.jsonl with its status, whether the signature verified, and the parsed body. Prints
"ready" once listening.
"""
import hashlib
import hmac
import http.server
import json
import sys
import threading

port, out, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
fail_first = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--fail" else 0
lock = threading.Lock()
seen = [0]


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        sig = self.headers.get("X-Bannin-Signature-256", "")
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(sig, want)
        with lock:
            seen[0] += 1
            status = 503 if seen[0] <= fail_first else (200 if ok else 401)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            with open(out, "a", encoding="utf-8") as f:
                f.write(json.dumps({"status": status, "signature_ok": ok, "body": doc,
                                    "notice": self.headers.get("X-Bannin-Notice")},
                                   ensure_ascii=False) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
print("ready", flush=True)
srv.serve_forever()
