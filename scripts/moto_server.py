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

Finally, moto's TransactWriteItems deep-copies every table it touches before it starts,
so its cost grows with the table (and, since the table has a stream, with the stream's
records): a few hundred reports in, each submission copies all of them four times and
concurrent clients start timing out. Under the lock the launcher instead keeps a copy of
just the items the transaction names (and the stream's length) and restores those if the
transaction fails: the same all-or-nothing result, at a cost that does not grow.

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

import copy as _copy

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


def install_item_level_rollback():
    """TransactWriteItems rolls back the items it names instead of whole-table copies."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items

    class TablesAreNotCopied:
        """`copy` as moto's module sees it during a transaction: tables are not copied
        (the launcher restores the named items instead); anything else is."""

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else _copy.deepcopy(value, memo)

    def key_of(table, op_type, op):
        attrs = op.get("Item") if op_type == "Put" else op.get("Key")
        if not isinstance(attrs, dict) or table.hash_key_attr not in attrs:
            return None
        h = DynamoType(attrs[table.hash_key_attr])
        r = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                return None
            r = DynamoType(attrs[table.range_key_attr])
        return h, r

    def restore(table, h, r, item):
        if r is None:
            if item is None:
                table.items.pop(h, None)
            else:
                table.items[h] = item
            return
        partition = table.items[h]
        if item is None:
            partition.pop(r, None)
            if not partition:
                table.items.pop(h, None)
        else:
            partition[r] = item

    def transact_write_items(self, transact_items):
        saved, streams = [], {}
        for entry in transact_items if isinstance(transact_items, list) else []:
            if not isinstance(entry, dict) or len(entry) != 1:
                continue
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            key = key_of(table, op_type, op) if table is not None else None
            if key is None:
                continue
            h, r = key
            current = table.items.get(h, {}).get(r) if r is not None else table.items.get(h)
            saved.append((table, h, r, _copy.deepcopy(current)))
            if table.stream_shard is not None:
                streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        models.copy = TablesAreNotCopied
        try:
            return original(self, transact_items)
        except Exception:
            for table, h, r, item in reversed(saved):
                restore(table, h, r, item)
            for shard, length in streams.values():
                del shard.items[length:]
            raise
        finally:
            models.copy = _copy

    models.DynamoDBBackend.transact_write_items = transact_write_items


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    install_item_level_rollback()
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
