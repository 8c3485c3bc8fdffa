"""The site's only `asgi_wrapper`: its layers run in the order `pipeline` writes them,
outermost first, whatever order Datasette loads the plugin files in (docs/robustness.md,
"One request pipeline"): the guard (requests_guard.py), the one-at-a-time gate for brought-in
SQL (limits.py), a cheap HEAD, gzip, cache headers and the database files' media type
(database_type.py)."""

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
sqlite_type = runpy.run_path(str(HERE / "database_type.py"))["sqlite_type"]

GZIP_MIN_BYTES = 500
GZIP_LEVEL = 6  # most of level 9's gain at a fraction of its cost
MAX_ETAG_BODY = 4_000_000  # a larger body is passed on as it comes, without an ETag
LIVE_PARAMS = {"sql", "_where", "_trace"}  # the request's own SQL (random() may differ) or a trace
IMMUTABLE = b"public, max-age=31536000, immutable"
PERSONAL = b"private, no-store"


def personal_or_live(scope):
    """True for requests whose answer may vary with who asks, or that run SQL of their own."""
    query = scope.get("query_string", b"").decode("latin-1")
    if query and not LIVE_PARAMS.isdisjoint(parse_qs(query, keep_blank_values=True)):
        return True
    headers = dict(scope.get("headers") or [])
    return b"authorization" in headers or b"ds_" in headers.get(b"cookie", b"")


def cache_control(scope, status, given, ttl):
    """The Cache-Control a response leaves with (`given`: Datasette's own, or None)."""
    path = scope["path"]
    if personal_or_live(scope) or (path.startswith("/-/") and not path.startswith("/-/static/")):
        return PERSONAL  # Datasette's own /-/ pages and anything personal: never a shared copy
    if status != 200:
        return None  # errors keep Datasette's own (none)
    if path.startswith("/-/static/") and scope.get("query_string"):
        return IMMUTABLE  # Datasette links its static files with their hash: app.css?d59929
    if given and (b"no-" in given or b"private" in given or b"public" in given):
        return given
    return b"public, " + (given or b"max-age=%d" % ttl)


def etag_of(body):
    # weak: the gzip layer outside may re-encode the body, which a weak validator allows
    return b'W/"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def cache_headers(app, ttl):
    """Cache-Control on every answer, and an ETag on whole bodies: a revalidating cache asks
    with If-None-Match and gets a 304 without the body."""

    async def with_cache_headers(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        start, chunks, holding = None, [], True

        def start_headers():
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"cache-control"]
            value = cache_control(scope, start["status"], dict((k.lower(), v) for k, v in start.get("headers") or []).get(b"cache-control"), ttl)
            return headers + ([(b"cache-control", value)] if value else []), value

        async def hold(message):
            nonlocal start, holding
            if message["type"] == "http.response.start":
                start = message
                return None if holding else await send({**start, "headers": start_headers()[0]})
            if not holding:
                return await send(message)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
            if more and sum(map(len, chunks)) <= MAX_ETAG_BODY:
                return
            holding = False
            headers, value = start_headers()
            body = b"".join(chunks)
            if not more and start["status"] == 200 and value not in (None, PERSONAL) and scope.get("method") != "HEAD":
                headers.append((b"etag", etag_of(body)))
                asked = dict(scope.get("headers") or []).get(b"if-none-match", b"")
                if etag_of(body) in [part.strip() for part in asked.split(b",")]:
                    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    return await send({"type": "http.response.body", "body": b""})
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": more})

        await app(scope, receive, hold)

    return with_cache_headers


# What a HEAD need not render: rows beyond one, facet values beyond one, the count. Each facet
# is still computed, so an unknown column is refused as the GET refuses it.
HEAD_ADDS = [("_size", "1"), ("_facet_size", "1"), ("_nocount", "1")]


def cheap_head(app):
    """A HEAD with a query string goes to Datasette as that GET with one row, one value per
    facet and no count: the GET's status and headers without the work of a body nobody
    receives. Its Content-Length, the smaller page's, is left out."""

    async def head(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "HEAD" or not scope.get("query_string"):
            return await app(scope, receive, send)
        pairs = [pair for pair in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True) if pair[0] not in dict(HEAD_ADDS)]
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
    """Datasette's application inside the layers, outermost first as written (the media type
    layer needs the instance, to know which paths are its database files)."""
    inner = sqlite_type(app, datasette) if datasette is not None else app
    return guard(own_sql_one_at_a_time(cheap_head(compression(cache_headers(inner, ttl)))))


@hookimpl
def asgi_wrapper(datasette):
    ttl = int(datasette.setting("default_cache_ttl"))
    return lambda app: pipeline(app, ttl, datasette)
