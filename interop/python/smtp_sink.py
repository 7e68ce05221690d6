"""A real SMTP server for Latchkey's tests, on aiosmtpd: `python3 smtp_sink.py PORT`.

It listens on 127.0.0.1:PORT, prints {"ready": PORT} once it accepts connections, then one
JSON line per message received: {"to": [...], "subject": ..., "text": <the decoded text/plain
body>}. It stops when its standard input closes (or it is killed).
"""

import email
import email.policy
import json
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        print(json.dumps({"to": envelope.rcpt_tos, "subject": message["subject"], "text": text}), flush=True)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    print(json.dumps({"ready": port}), flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
