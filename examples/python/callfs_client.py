#!/usr/bin/env python3
"""A small CallFS client in Python, generated from proto/ alone: every FileService call.

Generate the stubs first (see README.md in this folder), put them on PYTHONPATH, then:

    callfs_client.py --addr 127.0.0.1:9441 --key KEY stat /docs/a.txt
    callfs_client.py ... write /docs/a.txt < a.txt      (--create-only: fail if it exists)
    callfs_client.py ... read /docs/a.txt > copy.txt
    callfs_client.py ... mkdir /docs
    callfs_client.py ... ls /docs [--recursive] [--max-depth N] [--limit N] [--cursor C]
    callfs_client.py ... mv /docs/a.txt --name b.txt    (or --destination /other/b.txt)
    callfs_client.py ... rm /docs [--recursive]
    callfs_client.py ... watch /docs [--recursive] [--since REV] [--count N]

Results are printed as JSON (read writes the bytes to stdout; watch prints one JSON line per
event as it arrives, the "ready" event first, and ends after --count changes). A failed call exits 1 and
prints {"status": "<gRPC status>", "code": "<x-callfs-code>", "retry_after": ...} to stderr.
"""
import argparse
import json
import queue
import sys

import grpc

from callfs.v1 import files_pb2 as pb
from callfs.v1 import files_pb2_grpc as pb_grpc

# Large transfers: chunks are up to 4 MiB (the node's Ready says which size it wants), and no
# total deadline, so a slow multi-gigabyte transfer is never cut; keepalive detects a dead peer.
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 8 * 1024 * 1024),
    ("grpc.max_send_message_length", 8 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
]
UNARY_DEADLINE_S = 30
READY_DEADLINE_S = 30
WRITE_QUEUE = 8


class CallfsError(Exception):
    """A failed call: the gRPC status and the API's code from the x-callfs-code trailer."""

    def __init__(self, err: grpc.RpcError):
        trailers = dict(err.trailing_metadata() or ())
        self.status = err.code().name
        self.code = trailers.get("x-callfs-code")
        self.retry_after = trailers.get("x-callfs-retry-after")
        self.instance_id = trailers.get("x-callfs-instance-id")
        self.existing_type = trailers.get("x-callfs-existing-type")  # ALREADY_EXISTS elsewhere
        super().__init__(f"{self.status} {self.code}: {err.details()}")

    def as_json(self):
        return {
            "status": self.status,
            "code": self.code,
            "retry_after": self.retry_after,
            "instance_id": self.instance_id,
            "existing_type": self.existing_type,
        }


def info_json(info):
    return {
        "path": info.path,
        "name": info.name,
        "type": pb.FileType.Name(info.type),
        "size": info.size,
        "mode": info.mode,
        "owner": info.owner,
        "mtime_ms": info.mtime_ms,
        "instance_id": info.instance_id,
        "backend_type": info.backend_type,
    }


class Client:
    def __init__(self, addr: str, key: str):
        self.channel = grpc.insecure_channel(addr, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.FileServiceStub(self.channel)
        self.md = (("authorization", f"Bearer {key}"),)

    def close(self):
        self.channel.close()

    def _unary(self, method, request):
        try:
            return method(request, metadata=self.md, timeout=UNARY_DEADLINE_S)
        except grpc.RpcError as err:
            raise CallfsError(err) from None

    def stat(self, path):
        return self._unary(self.stub.Stat, pb.StatRequest(path=path)).info

    def mkdir(self, path):
        return self._unary(self.stub.Mkdir, pb.MkdirRequest(path=path))

    def delete(self, path, recursive=False):
        self._unary(self.stub.Delete, pb.DeleteRequest(path=path, recursive=recursive))

    def move(self, source, name=None, destination=None, overwrite=False, create_parents=False):
        req = pb.MoveRequest(
            source=source,
            name=name or "",
            destination=destination or "",
            overwrite=overwrite,
            create_parents=create_parents,
        )
        return self._unary(self.stub.Move, req).info

    def list_page(self, path, limit=0, cursor="", recursive=False, max_depth=None):
        """One page: (entries, count, next_cursor). limit 0 = the whole listing."""
        req = pb.ListRequest(path=path, limit=limit, cursor=cursor, recursive=recursive)
        if max_depth is not None:
            req.max_depth = max_depth
        entries, count, next_cursor = [], None, ""
        try:
            for msg in self.stub.List(req, metadata=self.md, timeout=UNARY_DEADLINE_S):
                if msg.HasField("page"):
                    count, next_cursor = msg.page.count, msg.page.next_cursor
                elif msg.HasField("entry"):
                    entries.append(msg.entry)
        except grpc.RpcError as err:
            raise CallfsError(err) from None
        return entries, count, next_cursor

    def list_all(self, path, limit=1000, recursive=False, max_depth=None, cursor=""):
        """Every entry, page by page (each page's cursor continues the listing), from `cursor`
        when given (a previous page's next_cursor)."""
        out = []
        while True:
            entries, _, cursor = self.list_page(path, limit, cursor, recursive, max_depth)
            out.extend(entries)
            if not cursor:
                return out

    def watch(self, path, recursive=False, since=""):
        """The change feed: (call, events), events being "ready" first, then one per change.

        Cancel the call to stop. No deadline, like Read: a feed runs as long as its caller wants
        it; keepalive notices a node that died. A compacted `since` raises CallfsError
        OUT_OF_RANGE / REVISION_COMPACTED: list the path again and watch from then."""
        call = self.stub.Watch(
            pb.WatchRequest(path=path, recursive=recursive, since=since), metadata=self.md
        )

        def events():
            try:
                yield from call
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.CANCELLED:
                    raise CallfsError(err) from None

        return call, events()

    def read(self, path):
        """Yields the header (FileInfo) first, then the bytes chunk by chunk."""
        try:
            for msg in self.stub.Read(pb.ReadRequest(path=path), metadata=self.md):
                yield msg.header if msg.HasField("header") else msg.chunk
        except grpc.RpcError as err:
            raise CallfsError(err) from None

    def write(self, path, chunks, create_only=False, expected_size=-1):
        """Header → wait for Ready → chunks of Ready's size → Finish → the result."""
        mode = pb.WRITE_MODE_CREATE_ONLY if create_only else pb.WRITE_MODE_CREATE_OR_REPLACE
        outbox = queue.Queue(maxsize=WRITE_QUEUE)  # bounded: the upload keeps backpressure

        def requests():
            while True:
                item = outbox.get()
                if item is None:
                    return
                yield item

        outbox.put(pb.WriteRequest(header=pb.WriteHeader(
            path=path, write_mode=mode, expected_size=expected_size)))
        call = self.stub.Write(requests(), metadata=self.md)

        def send(item):
            while True:
                try:
                    outbox.put(item, timeout=0.5)
                    return
                except queue.Full:
                    if call.done():
                        next(call)  # raises the call's error

        try:
            first = next(call)  # Ready, or the owning node's refusal (conflict, permission, ...)
            size = first.ready.chunk_size or 1024 * 1024
            sent, pending = 0, b""
            for piece in chunks:
                pending += piece
                while len(pending) >= size:
                    send(pb.WriteRequest(chunk=pending[:size]))
                    sent += size
                    pending = pending[size:]
            if pending:
                send(pb.WriteRequest(chunk=pending))
                sent += len(pending)
            send(pb.WriteRequest(finish=pb.WriteFinish(size=sent)))
            send(None)
            for msg in call:
                if msg.HasField("result"):
                    return msg.result
            raise RuntimeError("the write stream ended without a result")
        except grpc.RpcError as err:
            raise CallfsError(err) from None


def event_json(e):
    return {
        "type": e.type,
        "path": e.path,
        "from": getattr(e, "from"),  # a Python keyword
        "entry_type": pb.FileType.Name(e.entry_type),
        "instance_id": e.instance_id,
        "backend_type": e.backend_type,
        "size": e.size,
        "owner": e.owner,
        "mtime_ms": e.mtime_ms,
        "revision": e.revision,
        "last_in_revision": e.last_in_revision,
    }


def stdin_chunks(size=1024 * 1024):
    while True:
        data = sys.stdin.buffer.read(size)
        if not data:
            return
        yield data


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--addr", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("op", choices=["stat", "read", "write", "mkdir", "ls", "mv", "rm", "watch"])
    p.add_argument("path")
    p.add_argument("--create-only", action="store_true")
    p.add_argument("--recursive", action="store_true")
    p.add_argument("--max-depth", type=int)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--cursor", default="", help="ls: continue from a page's next_cursor")
    p.add_argument("--name")
    p.add_argument("--destination")
    p.add_argument("--since", default="")
    p.add_argument("--count", type=int, help="watch: stop after this many changes")
    a = p.parse_args()
    c = Client(a.addr, a.key)
    try:
        if a.op == "stat":
            print(json.dumps(info_json(c.stat(a.path))))
        elif a.op == "read":
            out = sys.stdout.buffer
            for part in c.read(a.path):
                if isinstance(part, bytes):
                    out.write(part)
            out.flush()
        elif a.op == "write":
            r = c.write(a.path, stdin_chunks(), create_only=a.create_only)
            print(json.dumps({"created": r.created, "info": info_json(r.info)}))
        elif a.op == "mkdir":
            r = c.mkdir(a.path)
            print(json.dumps({"created": r.created, "info": info_json(r.info)}))
        elif a.op == "ls":
            entries = c.list_all(a.path, a.limit, a.recursive, a.max_depth, a.cursor)
            print(json.dumps([info_json(e) for e in entries]))
        elif a.op == "mv":
            print(json.dumps(info_json(c.move(a.path, a.name, a.destination))))
        elif a.op == "rm":
            c.delete(a.path, a.recursive)
            print(json.dumps({"deleted": a.path}))
        elif a.op == "watch":
            call, events = c.watch(a.path, a.recursive, a.since)
            changes = 0
            for e in events:
                print(json.dumps(event_json(e)), flush=True)
                if e.type != "ready":
                    changes += 1
                if a.count is not None and changes >= a.count:
                    call.cancel()
                    break
    except CallfsError as e:
        print(json.dumps(e.as_json()), file=sys.stderr)
        sys.exit(1)
    finally:
        c.close()


if __name__ == "__main__":
    main()
