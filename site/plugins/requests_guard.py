"""Requests a public instance must answer cheaply and clearly, before Datasette sees them.
Each rule answers something tests/test_requests_guard.py sends:

- Only GET and HEAD: the instance is read-only (no canned write queries, no logins). POST or
  TRACE on a page made Datasette fail with a 500 and a traceback; they now get 405.
- Bounded URLs: a query string of at most MAX_QUERY_BYTES (414 beyond), at most MAX_PARAMS
  parameters, no value longer than the instance serves (sizes.py: SQL up to MAX_SQL_BYTES,
  any other value up to MAX_VALUE_BYTES; a longer filter value made SQLite fail with "string
  or blob too big", a 500), a path of at most MAX_VALUE_BYTES, and at most MAX_WORDS words in
  a search or filter value (5,000 full-text terms made a 500).
- Facets and sorts: Datasette renders every `_facet=` it is given, and each facet's links
  repeat the whole query string, so the cost grows with the square of their number (1,000 of
  them took 72 s, a 323 MB page and 2.1 GB of memory). A query string that repeats a
  parameter with the same value is redirected (302) to the one without repeats; more than
  MAX_FACETS distinct facets, or two different values of a parameter that takes one
  (`_sort`, `_sort_desc`, `_size`...), is a 400 that says so.

The rules run first in the one request pipeline (request_pipeline.py), before anything else
parses the query string. Every refusal is one short plain-text (or, for a .json path, JSON) answer, and nothing is logged
but the access line. The header timeout a public server needs is not here: uvicorn has none,
so a deployment sits behind a platform or proxy that has one (docs/publishing.md).
"""

import json
import re
import runpy
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlencode

# sizes.py beside this file, by path: Datasette puts the plugins folder on no import path
sizes = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("sizes.py"))))

METHODS = ("GET", "HEAD")
MAX_QUERY_BYTES = 3 * sizes.MAX_SQL_BYTES  # brought-in SQL, percent-encoded, is the longest honest query string
MAX_PARAMS = 100
MAX_NAME_BYTES = 200
MAX_FACETS = 10
MAX_WORDS = 200
DEFAULT_FACET_SIZE = 30  # Datasette's default_facet_size, which the instance leaves as it is
FACETS = ("_facet", "_facet_array", "_facet_date")
ONE_VALUE = ("_sort", "_sort_desc", "_size", "_facet_size", "_search", "_next", "_shape", "sql")
# Words as SQLite's full-text tokenizer reads them: letters and digits between any other
# characters, so "a,a,a..." is as many terms as "a a a..." (12,000 of them, in a saved query's
# search parameter, pushed other pages' median from 29 ms to 2.6 s).
WORD = re.compile(r"\w+")
SQL_PARAMS = ("sql", "_where")  # brought-in SQL: its own limit, and words are not search terms


class Refused(Exception):
    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


REASONS = {302: "Found", 400: "Bad Request", 405: "Method Not Allowed", 414: "URI Too Long"}


def check(scope):
    """None if the request may go on to Datasette; else Refused (a 4xx, or a 302 to the same
    query string without repeated parameters)."""
    method = scope.get("method", "GET")
    if method not in METHODS:
        raise Refused(405, f"{method} is not allowed: this instance is read-only and answers GET and HEAD", [(b"allow", b"GET, HEAD")])
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    if len(path) > sizes.MAX_VALUE_BYTES:
        raise Refused(414, f"the path is {len(path):,} bytes; at most {sizes.MAX_VALUE_BYTES:,} are read")
    raw = scope.get("query_string", b"")
    if not raw:
        return
    if len(raw) > MAX_QUERY_BYTES:
        raise Refused(414, f"the query string is {len(raw):,} bytes; at most {MAX_QUERY_BYTES:,} are read")
    if raw.count(b"&") + raw.count(b";") + 1 > MAX_PARAMS:  # counted before parsing anything
        raise Refused(400, f"more than {MAX_PARAMS} parameters; give each parameter once")
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    for name, value in pairs:
        value_problem(name, value)
    unique = list(dict.fromkeys(pairs))
    facets = [value for name, value in unique if name in FACETS]
    if len(facets) > MAX_FACETS:
        raise Refused(400, f"{len(facets)} facets; at most {MAX_FACETS} (_facet, _facet_array and _facet_date together)")
    for name in ONE_VALUE:
        values = [value for key, value in unique if key == name]
        if len(values) > 1:
            raise Refused(400, f"{name} is given {len(values)} different values; give it once")
    if facets:
        facet_links_problem(len(facets), dict(unique).get("_facet_size"), len(raw))
    if len(unique) < len(pairs):
        location = same_site(scope.get("path") or "/") + "?" + urlencode(unique, quote_via=quote)
        raise Refused(302, "the same parameter was given more than once with the same value", [(b"location", location.encode("latin-1"))])


def facet_links_problem(facets, facet_size, query_bytes):
    """A 400 if the page's facet links (each repeats the query string) would weigh more than
    sizes.MAX_FACET_LINK_BYTES; `_facet_size=max` counts as the rows a page may show."""
    if facet_size is None:
        values = DEFAULT_FACET_SIZE
    elif facet_size.isdigit():
        values = min(int(facet_size), sizes.MAX_PAGE_ROWS)
    else:  # "max", or a value Datasette refuses
        values = sizes.MAX_PAGE_ROWS
    weight = facets * values * query_bytes
    if weight > sizes.MAX_FACET_LINK_BYTES:
        raise Refused(
            400,
            f"{facets} facets of {values} values, each a link repeating this {query_bytes:,}-byte query string, "
            f"would make a page of {weight / 1e6:,.0f} MB; at most {sizes.MAX_FACET_LINK_BYTES / 1e6:,.0f} MB "
            "(fewer facets, a smaller _facet_size or a shorter query)",
        )


def same_site(path):
    """The path, percent-encoded, as a redirect to this site: one leading slash. A path that
    began with several (`/%2Fevil.example/x` decodes to `//evil.example/x`) would make a
    Location a browser reads as another host: the slashes after the first stay encoded, so the
    redirect names the same path and stays here. (A backslash, which browsers read as a slash,
    is always encoded.)"""
    rest = path.lstrip("/")
    return "/" + "%2F" * max(0, len(path) - len(rest) - 1) + quote(rest, safe="/")


def value_problem(name, value):
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise Refused(400, f"a parameter name of {len(name.encode('utf-8')):,} bytes; at most {MAX_NAME_BYTES}")
    size = len(value.encode("utf-8"))
    limit = sizes.MAX_SQL_BYTES if name == "sql" else sizes.MAX_VALUE_BYTES
    if size > limit:
        raise Refused(400, f"the value of {name[:40]} is {size:,} bytes; at most {limit:,} (the instance serves no longer value)")
    if name not in SQL_PARAMS:
        words = sum(1 for _ in WORD.finditer(value))
        if words > MAX_WORDS:
            raise Refused(400, f"the value of {name[:40]} has {words:,} words; at most {MAX_WORDS} in a search or filter")


async def answer(scope, send, refused):
    if scope.get("path", "").endswith(".json"):
        body = json.dumps({"ok": False, "status": refused.status, "error": refused.message}).encode("utf-8")
        content_type = b"application/json; charset=utf-8"
    else:
        body = f"{refused.status} {REASONS.get(refused.status, '')}: {refused.message}\n".encode("utf-8")
        content_type = b"text/plain; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"), *refused.headers]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def guard(app):
    """The guard as an ASGI layer (composed by request_pipeline.py, the outermost layer)."""

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            try:
                check(scope)
            except Refused as refused:
                return await answer(scope, send, refused)
        return await app(scope, receive, send)

    return guarded
