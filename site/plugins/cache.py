"""Whole responses kept in memory and served again: the database is served immutable, so a
page's bytes depend only on its URL (and the Host it was asked for).

Datasette renders each page in Python, 5 to 25 ms of one core even for these small tables
(bench/serve_load.py), while a crawler or a busy link asks for the same pages again and
again. A page is stored after its first successful answer and served from memory after
that, within a bounded number of entries and bytes (least recently used go first).

Never stored: anything but a complete 200 answer to a GET; answers to requests that bring
their own SQL (?sql=, random() and friends may differ) or ask for a trace; Datasette's
/-/ introspection pages other than static files; answers to requests carrying the
Authorization header or a Datasette cookie (ds_actor, ds_messages, ds_csrftoken), since
those pages vary with who is asking.
"""

from collections import OrderedDict
from urllib.parse import parse_qs

from datasette import hookimpl

MAX_ENTRIES = 2_000
MAX_BODY_BYTES = 1_000_000
MAX_TOTAL_BYTES = 64_000_000
LIVE_PARAMS = {"sql", "_where", "_trace"}
HEADER = "x-longlist-cache"  # HIT or MISS, so a test or a person can tell


def cache_key(scope):
    """The key of a cacheable request, or None."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path = scope["path"]
    if path.startswith("/-/") and not path.startswith(("/-/static/", "/-/static-plugins/")):
        return None
    query = scope.get("query_string", b"")
    if query and not LIVE_PARAMS.isdisjoint(parse_qs(query.decode("latin-1"), keep_blank_values=True)):
        return None
    headers = dict(scope["headers"])
    if b"authorization" in headers or b"ds_" in headers.get(b"cookie", b""):
        return None
    return (scope.get("scheme"), headers.get(b"host"), scope.get("root_path", ""), path, query)


class ResponseCache:
    def __init__(self):
        self.entries = OrderedDict()  # key -> (status, headers, body)
        self.total_bytes = 0

    def get(self, key):
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key, status, headers, body):
        if key in self.entries or len(body) > MAX_BODY_BYTES:
            return
        self.entries[key] = (status, headers, body)
        self.total_bytes += len(body)
        while len(self.entries) > MAX_ENTRIES or self.total_bytes > MAX_TOTAL_BYTES:
            _, (_, _, evicted) = self.entries.popitem(last=False)
            self.total_bytes -= len(evicted)


async def replay(entry, send):
    status, headers, body = entry
    await send({"type": "http.response.start", "status": status, "headers": headers + [(HEADER.encode(), b"HIT")]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        cache = ResponseCache()

        async def cached(scope, receive, send):
            key = cache_key(scope)
            if key is None:
                return await app(scope, receive, send)
            entry = cache.get(key)
            if entry is not None:
                return await replay(entry, send)
            start, chunks, size = None, [], 0

            async def record(message):
                nonlocal start, chunks, size
                if message["type"] == "http.response.start":
                    start = message
                    message = dict(message, headers=list(message.get("headers", [])) + [(HEADER.encode(), b"MISS")])
                elif message["type"] == "http.response.body" and chunks is not None:
                    size += len(message.get("body", b""))
                    if size > MAX_BODY_BYTES:
                        chunks = None  # too big to keep: passed on, not stored
                    else:
                        chunks.append(message.get("body", b""))
                await send(message)

            await app(scope, receive, record)
            if start is not None and start["status"] == 200 and chunks is not None:
                body = b"".join(chunks)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"transfer-encoding")]
                cache.put(key, 200, headers + [(b"content-length", str(len(body)).encode())], body)

        return cached

    return wrap
