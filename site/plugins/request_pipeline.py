"""The one request pipeline: the site's only `asgi_wrapper`, whose layers run in the order
`pipeline` writes them, outermost first, whatever order Datasette loads the plugin files in.

1. guard (requests_guard.py): only GET and HEAD, bounded paths, query strings, parameters,
   facets; it answers before any other layer parses the query string.
2. own SQL (limits.py): requests that bring their own SQL run one at a time, a full queue is
   answered 429.
3. HEAD (cheap_head, below): a HEAD is answered as its GET would be, without rendering rows
   or facets nobody receives.
4. compression: gzip for clients that accept it, by Starlette's GZipMiddleware (adds
   `Vary: Accept-Encoding`; bodies under 500 bytes stay as they are).
5. cache headers (below): what a shared cache (the nginx site in deploy/, a CDN) may keep.
6. streamed CSV (bounded_stream.py): at most sizes.MAX_STREAM_SECONDS in all, and an answer
   cut short (no end of body) rather than one ending in an error's text; it reads the rows
   as Datasette writes them, so it sits inside compression.
7. the database files' media type (database_type.py): `application/vnd.sqlite3`.

Then Datasette. A later layer goes into `pipeline` at its place: per-client limits right
after the guard, before anything costs (the own-SQL gate keeps each address's share).
"""

import hashlib
import runpy
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, urlencode

from datasette import hookimpl
from starlette.middleware.gzip import GZipMiddleware

HERE = Path(__file__).parent
# The sibling plugin files, read by path: Datasette puts the plugins folder on no import path.
guard = runpy.run_path(str(HERE / "requests_guard.py"))["guard"]
own_sql_one_at_a_time = runpy.run_path(str(HERE / "limits.py"))["own_sql_one_at_a_time"]
_stream_layer = runpy.run_path(str(HERE / "bounded_stream.py"))
bounded_stream, streams = _stream_layer["bounded_stream"], _stream_layer["streams"]
sqlite_type = runpy.run_path(str(HERE / "database_type.py"))["sqlite_type"]

GZIP_MIN_BYTES = 500
GZIP_LEVEL = 6  # about zlib's default: most of the gain at a fraction of level 9's cost
MAX_ETAG_BODY = 4_000_000  # a larger body (a CSV stream) gets no ETag: it is not buffered
LIVE_PARAMS = {"sql", "_where", "_trace"}  # a request's own SQL (random() may differ) or a trace
STATIC = ("/-/static/", "/-/static-plugins/")
IMMUTABLE = b"public, max-age=31536000, immutable"
PERSONAL = b"private, no-store"


def personal_or_live(scope):
    """True for requests whose answer may vary with who asks, or that run SQL of their own."""
    query = scope.get("query_string", b"").decode("latin-1")
    if query and not LIVE_PARAMS.isdisjoint(parse_qs(query, keep_blank_values=True)):
        return True
    headers = dict(scope.get("headers") or [])
    return b"authorization" in headers or b"ds_" in headers.get(b"cookie", b"")


def versioned_static(scope):
    """Datasette's static files whose URL changes with their content: its own stylesheet is
    linked as app.css?<hash of the file>, plugins' bundles carry a hash in their names
    (datasette-vega's main.08f5d3d8.js)."""
    path = scope.get("path", "")
    if not path.startswith(STATIC):
        return False
    if path.startswith("/-/static/"):
        return bool(scope.get("query_string"))
    name = path.rsplit("/", 1)[-1].split(".")
    return len(name) >= 3 and len(name[-2]) >= 8 and all(c in "0123456789abcdef" for c in name[-2])


def cache_control(scope, status, headers, ttl):
    """The Cache-Control a response leaves with."""
    if personal_or_live(scope) or (scope["path"].startswith("/-/") and not scope["path"].startswith(STATIC)):
        return PERSONAL  # Datasette's own /-/ pages and anything personal: never a shared copy
    if status != 200:
        return None  # errors keep Datasette's own (none): a proxy keeps them briefly at most
    if versioned_static(scope):
        return IMMUTABLE
    given = headers.get(b"cache-control")
    if given and (b"no-" in given or b"private" in given or b"public" in given):
        return given
    return b"public, " + (given or b"max-age=%d" % ttl)


def etag_of(body):
    # weak: the gzip layer outside may re-encode the body, which a weak validator allows
    return b'W/"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def cache_headers(app, ttl):
    """Cache-Control on every answer, and an ETag on whole bodies (a revalidating proxy asks with
    If-None-Match and gets a 304 without the body)."""

    async def with_cache_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        start = None
        chunks = None if streams(scope) else []  # a streamed CSV is passed on as it comes

        async def finish(message):
            nonlocal start, chunks
            if message["type"] == "http.response.start":
                start = message
                if chunks is None:  # no ETag: the body is not held to hash it
                    kept = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"cache-control"]
                    value = cache_control(scope, start["status"], {k.lower(): v for k, v in start.get("headers") or []}, ttl)
                    await send({**start, "headers": kept + ([(b"cache-control", value)] if value is not None else [])})
                return
            if chunks is None:
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body") and sum(len(c) for c in chunks) <= MAX_ETAG_BODY:
                return
            headers = dict(start.get("headers") or [])
            header_list = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"cache-control"]
            value = cache_control(scope, start["status"], {k.lower(): v for k, v in headers.items()}, ttl)
            if value is not None:
                header_list.append((b"cache-control", value))
            body = b"".join(chunks)
            complete = not message.get("more_body")
            if complete and start["status"] == 200 and value not in (None, PERSONAL) and scope.get("method") != "HEAD":
                tag = etag_of(body)
                header_list.append((b"etag", tag))
                asked = dict(scope.get("headers") or []).get(b"if-none-match", b"")
                if tag in [part.strip() for part in asked.split(b",")]:
                    kept = [(k, v) for k, v in header_list if k.lower() not in (b"content-length", b"content-type")]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    await send({"type": "http.response.body", "body": b""})
                    chunks = None
                    return
            await send({**start, "headers": header_list})
            await send({"type": "http.response.body", "body": body, "more_body": not complete})
            chunks = None

        await app(scope, receive, finish)

    return with_cache_headers


# What a HEAD need not render: a page's rows beyond one, facet values beyond one (each facet
# is still computed, so an unknown column is refused as the GET refuses it), its count.
HEAD_DROPS = ("_size", "_facet_size", "_nocount")
HEAD_ADDS = [("_size", "1"), ("_facet_size", "1"), ("_nocount", "1")]


def cheap_head(app):
    """A HEAD with a query string goes to Datasette as the same request with one row, one value
    per facet and no count, so it checks what the GET would check (the table, its filters and
    facets, the SQL) and
    answers its status and headers, without the work of a body nobody receives (ten facets of
    every value made a HEAD cost as much as a 31.8 MB GET). Its Content-Length, which would be
    the smaller page's, is left out."""

    async def head(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "HEAD" or not scope.get("query_string"):
            return await app(scope, receive, send)
        pairs = [pair for pair in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True) if pair[0] not in HEAD_DROPS]
        query = urlencode(pairs + HEAD_ADDS, quote_via=quote).encode("latin-1")

        async def without_length(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message.get("headers") or [] if k.lower() != b"content-length"]}
            await send(message)

        return await app({**scope, "query_string": query}, receive, without_length)

    return head


def compression(app):
    return GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)


def pipeline(app, ttl, datasette=None):
    """Datasette's application inside the layers, outermost first as written (the database
    files' media type needs the instance, to know which paths are its files)."""
    inner = sqlite_type(app, datasette) if datasette is not None else app
    return guard(own_sql_one_at_a_time(cheap_head(compression(cache_headers(bounded_stream(inner), ttl)))))


@hookimpl
def asgi_wrapper(datasette):
    ttl = int(datasette.setting("default_cache_ttl"))
    return lambda app: pipeline(app, ttl, datasette)
