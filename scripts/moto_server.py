"""moto's server, with its DynamoDB backend serialised.

moto's DynamoDB backend is not thread-safe: TransactWriteItems snapshots the table,
applies its items one by one and restores the snapshot on failure, so two concurrent
transactions can see each other's partial writes or undo each other. Real DynamoDB
transactions are serialisable. This launcher serves moto exactly as `moto_server` does
(threaded, so SQS long polls do not block anyone) but takes one lock around each DynamoDB
request, which restores the guarantee the service code relies on.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p 4566
"""

import argparse
import signal
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


class SerialDynamoDB:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


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
