"""Verifies one Standard Webhooks message with the reference `standardwebhooks` package.

Reads {"secret": "whsec_...", "headers": {...}, "body": "<text>"} as JSON from stdin.
Prints "ok" and exits 0 when the signature verifies, else prints the error and exits 1.
The library checks webhook-timestamp against this machine's clock (+-5 minutes).
"""

import json
import sys

from standardwebhooks.webhooks import Webhook


def main() -> int:
    try:
        message = json.load(sys.stdin)
        webhook = Webhook(message["secret"])
        # json_parse=False: only the signature is under test, not the body's shape.
        webhook.verify(message["body"], message["headers"], json_parse=False)
    except Exception as error:  # any failure is a refusal, whatever the library raised
        print(f"{type(error).__name__}: {error}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
