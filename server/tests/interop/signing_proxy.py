"""A partner's signing client as a local proxy, for running schemathesis against okno's Partner
API: every request it receives is signed with http-message-signatures (RFC 9421, okno's profile)
and forwarded to okno; okno's answer is passed back unchanged.

Usage: signing_proxy.py <listen port> <okno base URL> <key id> <secret key>
"""

import datetime
import http.server
import secrets
import sys
import time

import requests
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

PORT, UPSTREAM, KEY_ID, SECRET = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]
SIGNER = HTTPMessageSigner(
    signature_algorithm=algorithms.HMAC_SHA256,
    key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: SECRET.encode()}),
)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}
SESSION = requests.Session()


def at(seconds):
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        request = requests.Request(self.command, UPSTREAM + self.path, headers=headers, data=body or None).prepare()
        covered = ["@method", "@authority", "@path", "@query", "content-digest"]
        if "content-type" in {k.lower() for k in request.headers}:
            covered.append("content-type")
        now = int(time.time())
        SIGNER.sign(request, key_id=KEY_ID, created=at(now), expires=at(now + 60), nonce=secrets.token_hex(16),
                    tag="okno", label="sig1", covered_component_ids=covered, body=body)
        answer = SESSION.send(request, allow_redirects=False)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def __getattr__(self, name):
        # Every method (TRACE, QUERY, …) goes to okno: its answer is what is under test.
        if name.startswith("do_"):
            return self.forward
        raise AttributeError(name)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
