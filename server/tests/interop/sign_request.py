"""Signs a request with the http-message-signatures library (PyPI, 3.x) the way a partner would,
for okno's interop test: reads a JSON spec from the file named in argv[1] or from stdin, and
prints the Content-Digest, Signature-Input and Signature headers as a JSON object.

Spec keys:
  method, url                      e.g. "POST", "https://api.okno.test/v1/sessions?x=1"
  headers                          object of extra request headers (e.g. Content-Type)
  body | body_b64                  the raw body as text, or base64 (optional; empty if absent)
  key_id, algorithm                "hmac-sha256" or "ed25519"
  secret                           hmac-sha256: the whole secret string (its UTF-8 bytes are the key)
  private_key_pem | private_key_hex  ed25519: PKCS#8 PEM, or the raw 32-byte seed in hex
  created, expires                 unix seconds
  nonce, tag, label                strings (label defaults to "sig1", tag to "okno")
  covered                          optional list of component names
  include_alg                      optional bool (default true, as in the library)
"""

import base64
import datetime
import json
import sys

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

DEFAULT_COVERED = ["@method", "@authority", "@path", "@query", "content-digest", "content-type"]


def signing_key(spec):
    if spec["algorithm"] == "hmac-sha256":
        return algorithms.HMAC_SHA256, spec["secret"].encode("utf-8")
    if spec["algorithm"] == "ed25519":
        if "private_key_pem" in spec:
            key = load_pem_private_key(spec["private_key_pem"].encode("ascii"), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(spec["private_key_hex"]))
        return algorithms.ED25519, key
    raise SystemExit(f"unknown algorithm {spec['algorithm']!r}")


def main():
    spec = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    if "body_b64" in spec:
        body = base64.b64decode(spec["body_b64"])
    else:
        body = spec.get("body", "").encode("utf-8")

    algorithm, key = signing_key(spec)
    request = requests.Request(
        spec["method"], spec["url"], headers=spec.get("headers", {}), data=body or None
    ).prepare()

    def at(seconds):
        # Timezone-aware: the library reads a naive datetime as local time.
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)

    covered = spec.get("covered", DEFAULT_COVERED)
    if "content-type" in covered and "content-type" not in {k.lower() for k in request.headers}:
        covered = [c for c in covered if c != "content-type"]
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={spec["key_id"]: key}),
    )
    signer.sign(
        request,
        key_id=spec["key_id"],
        created=at(spec["created"]),
        expires=at(spec["expires"]),
        nonce=spec["nonce"],
        tag=spec.get("tag", "okno"),
        label=spec.get("label", "sig1"),
        include_alg=spec.get("include_alg", True),
        covered_component_ids=covered,
        # With body=, the library writes Content-Digest (sha-256) itself.
        body=body,
    )
    names = ["Content-Digest", "Signature-Input", "Signature"]
    json.dump({name: request.headers[name] for name in names}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
