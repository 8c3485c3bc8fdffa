"""Requests a public instance must answer cheaply and clearly before Datasette sees them (the
outermost layer of request_pipeline.py; docs/robustness.md says what each rule answered before):
GET and HEAD only; a bounded path, query string, parameter count, value sizes (sizes.py) and
words in a search or filter value; at most MAX_FACETS facets, a bound on the weight of their
links, one value for each parameter that takes one; repeated parameters redirected (302) to
the query string without repeats. Each refusal is one short text (JSON for a .json path)."""

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
# Words as SQLite's full-text tokenizer reads them: "a,a,a" is as many terms as "a a a".
WORD = re.compile(r"\w+")
SQL_PARAMS = ("sql", "_where")  # brought-in SQL: its own limit, and words are not search terms
REASONS = {302: "Found", 400: "Bad Request", 405: "Method Not Allowed", 414: "URI Too Long"}


class Refused(Exception):
    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


def check(scope):
    """Raises Refused (a 4xx, or a 302 without repeated parameters) for a request Datasette must not see."""
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
    """Each facet value is a link repeating the query string: a 400 if they would weigh more
    than sizes.MAX_FACET_LINK_BYTES (`_facet_size=max` counts as the rows a page may show)."""
    values = DEFAULT_FACET_SIZE if facet_size is None else min(int(facet_size), sizes.MAX_PAGE_ROWS) if facet_size.isdigit() else sizes.MAX_PAGE_ROWS
    weight = facets * values * query_bytes
    if weight > sizes.MAX_FACET_LINK_BYTES:
        raise Refused(
            400,
            f"{facets} facets of {values} values, each a link repeating this {query_bytes:,}-byte query string, "
            f"would make a page of {weight / 1e6:,.0f} MB; at most {sizes.MAX_FACET_LINK_BYTES / 1e6:,.0f} MB "
            "(fewer facets, a smaller _facet_size or a shorter query)",
        )


def same_site(path):
    """The path as a redirect to this site: one leading slash, the others kept encoded, so that
    `/%2Fevil.example/x` never becomes a Location a browser reads as another host."""
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
    async def guarded(scope, receive, send):
        try:
            if scope["type"] == "http":
                check(scope)
        except Refused as refused:
            return await answer(scope, send, refused)
        return await app(scope, receive, send)

    return guarded
