"""moto's server, with its DynamoDB backend serialised.

moto's DynamoDB backend is not thread-safe: TransactWriteItems snapshots the table,
applies its items one by one and restores the snapshot on failure, so two concurrent
transactions can see each other's partial writes or undo each other. Real DynamoDB
transactions are serialisable. This launcher serves moto exactly as `moto_server` does
(threaded, so SQS long polls do not block anyone) but takes one lock around each DynamoDB
request, which restores the guarantee the service code relies on.

It also honours TransactWriteItems' ClientRequestToken as DynamoDB does (moto ignores it):
the AWS SDK sends one with every transaction and reuses it when it retries an attempt
that timed out. On DynamoDB such a retry of a transaction that had committed succeeds
without writing again; on plain moto it runs again and fails its own conditions (the
report it wrote "already exists"), which turns a committed write into an error answer
whenever moto is slower than the SDK's attempt timeout under load. A successful answer is
kept for 10 minutes per token and replayed; the same token with another body is refused
with IdempotentParameterMismatchException.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p 4566
"""

import argparse
import hashlib
import io
import json
import signal
import sys
import threading
import time

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


TOKEN_WINDOW_SECONDS = 600


class SerialDynamoDB:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        # ClientRequestToken -> (expires, body digest, status, headers, body)
        self.tokens = {}

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            if target.endswith(".TransactWriteItems"):
                return self.transact(environ, start_response)
            return list(self.app(environ, start_response))

    def transact(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        token = body.pop("ClientRequestToken", None) if isinstance(body, dict) else None
        if not token:
            return list(self.app(environ, start_response))
        now = time.monotonic()
        for t in [t for t, v in self.tokens.items() if v[0] < now]:
            del self.tokens[t]
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        kept = self.tokens.get(token)
        if kept is not None:
            _, kept_digest, status, headers, answer = kept
            if kept_digest != digest:
                error = json.dumps({
                    "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                    "message": "The request uses the same client token as a previous, but non-identical request.",
                }).encode()
                start_response("400 Bad Request", [
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("Content-Length", str(len(error))),
                ])
                return [error]
            start_response(status, headers)
            return [answer]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, capture))
        if captured.get("status", "").startswith("200"):
            self.tokens[token] = (
                now + TOKEN_WINDOW_SECONDS, digest, captured["status"], captured["headers"],
                b"".join(chunks),
            )
        return chunks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        SerialDynamoDB(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
