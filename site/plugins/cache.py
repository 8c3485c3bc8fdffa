"""Whole responses kept in memory and served again: the database is served immutable, so a
page's bytes depend only on its URL and the address (scheme and Host) it was asked for.

Datasette renders each page in Python, 5 to 40 ms of one core even for these small tables
(bench/serve_load.py), while a crawler, a shared link or the first reader after a deploy asks
for pages nobody asked for yet. So the cache has two parts:

- **Canonical pages**, rendered when the server starts (in the background: the server answers
  at once, and each page as soon as it is ready): the index page, each database page, each
  table and view page and its JSON, each row page, each saved query with its default
  parameters, every page the index and database pages link to (charts, CSV/JSON downloads,
  the package zip), every static download, and the extra paths listed under `warm` in
  site/instance.yml (reading pages that plugins add). They are kept for the life of the
  server in their own part of the cache, which ordinary requests never evict. They are
  rendered for a made-up host (WARM_HOST): Datasette writes the absolute URL of a page's
  JSON into its HTML and its Link header, from the request's scheme and Host, so that host is
  replaced by the asking request's own where it appears (only for a Host made of letters,
  digits, dots, dashes and a port; for any other, Datasette renders the page as before).
  GET /-/warm tells how far the warm-up is (JSON); the server's log gets one line when it ends.
  Served by several worker processes (scripts/serve/workers.py), each worker warms its own
  cache and reports to the launcher's run folder; /-/warm's `state` is then "done" only when
  every worker is, and `workers` lists each one.
- **Other pages** (a filter, a sort, a facet, a search): kept after their first successful
  answer, least recently used first out.

One bound holds for both: the bytes of keys, headers and bodies together (plus an estimate of
Python's own per-entry overhead) stay under MAX_TOTAL_BYTES, canonical pages taking at most
MAX_CANONICAL_BYTES of it; URLs longer than MAX_KEY_BYTES are answered but never stored, so
requests with unique long query strings cost at most their share of the bound and can evict
only other such pages.

Never stored: anything but a complete 200 answer to a GET; answers that set a cookie; answers
to requests that bring their own SQL (?sql=, random() and friends may differ) or ask for a
trace; Datasette's /-/ introspection pages other than static files (the /-/ reading pages
listed under `warm` are canonical pages); answers to requests carrying the Authorization header or a Datasette
cookie (ds_actor, ds_messages, ds_csrftoken), since those pages vary with who is asking: such
requests are never answered from the cache either.
"""

import asyncio
import html
import json
import os
import re
import sys
import time
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from datasette import hookimpl
from datasette.utils import path_from_row_pks
from datasette.utils.asgi import Response

MAX_ENTRIES = 2_000  # ordinary pages
MAX_BODY_BYTES = 1_000_000
MAX_TOTAL_BYTES = 64_000_000  # keys + headers + bodies of every entry, canonical pages included
MAX_CANONICAL_BYTES = 32_000_000  # the warm-up stops adding pages beyond this
MAX_KEY_BYTES = 4_096  # a longer path + query string is answered, never stored
ENTRY_OVERHEAD = 400  # Python's objects around an entry (tuples, bytes headers, dict slots), estimated
MAX_ROW_PAGES = 20_000  # row pages warmed at most, over all tables (the real data has ~260)
LIVE_PARAMS = {"sql", "_where", "_trace"}
HEADER = "x-longlist-cache"  # HIT or MISS, so a test or a person can tell
PLUGIN = "longlist-cache"  # metadata.yml: plugins: longlist-cache: warm: [extra paths]
STATUS_PATH = "/-/warm"
# set by scripts/serve/workers.py when several worker processes serve the site
RUN_DIR_ENV, WORKERS_ENV = "LONGLIST_RUN_DIR", "LONGLIST_WORKERS"
WARM_HOST = b"longlist-warm.invalid"  # a host no visitor uses, replaced by the visitor's when served
SAFE_HOST = re.compile(rb"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
HREF = re.compile(rb"""href=["']([^"'#]*)""")


def personal_or_live(scope):
    """True for requests whose answer may vary with who asks or run SQL of their own."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return True
    query = scope.get("query_string", b"")
    if query and not LIVE_PARAMS.isdisjoint(parse_qs(query.decode("latin-1"), keep_blank_values=True)):
        return True
    headers = dict(scope["headers"])
    return b"authorization" in headers or b"ds_" in headers.get(b"cookie", b"")


def canonical_key(scope):
    """The key a warmed canonical page is kept under (Host-independent), or None."""
    if personal_or_live(scope):
        return None
    return (scope.get("root_path", ""), scope["path"], scope.get("query_string", b""))


def cache_key(scope):
    """The key of a request whose answer may be stored as an ordinary page, or None."""
    if personal_or_live(scope):
        return None
    path = scope["path"]
    if path.startswith("/-/") and not path.startswith(("/-/static/", "/-/static-plugins/")):
        return None
    query = scope.get("query_string", b"")
    if len(path.encode("utf-8", "surrogatepass")) + len(query) > MAX_KEY_BYTES:
        return None
    headers = dict(scope["headers"])
    return (scope.get("scheme"), headers.get(b"host"), scope.get("root_path", ""), path, query)


def key_bytes(key):
    return sum(len(part) if isinstance(part, (bytes, str)) else 8 for part in key)


def entry_bytes(key, headers, body):
    return key_bytes(key) + sum(len(name) + len(value) for name, value in headers) + len(body) + ENTRY_OVERHEAD


class ResponseCache:
    def __init__(self):
        # key -> (status, headers, body, size, templated): templated if WARM_HOST is to be replaced
        self.entries = OrderedDict()  # ordinary pages
        self.canonical = {}  # warmed pages, by canonical key
        self.total_bytes = 0  # ordinary entries
        self.canonical_bytes = 0

    def get(self, key, canonical=None, host=None):
        """The entry for a request: its canonical page (with `host` written in where the
        page names its own address), else an ordinary one."""
        if canonical is not None:
            entry = self.canonical.get(canonical)
            if entry is not None:
                if not entry[4]:
                    return entry
                if host is not None and SAFE_HOST.match(host[1]):
                    return for_host(entry, *host)
        if key is None:
            return None
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key, status, headers, body):
        """Keep an ordinary page, evicting the least recently used ordinary ones to make room;
        never a canonical one."""
        size = entry_bytes(key, headers, body)
        if key in self.entries or len(body) > MAX_BODY_BYTES or size > MAX_TOTAL_BYTES - self.canonical_bytes:
            return False
        self.entries[key] = (status, headers, body, size, False)
        self.total_bytes += size
        self.evict()
        return True

    def put_canonical(self, key, status, headers, body):
        """Keep a warmed page for the life of the server, within MAX_CANONICAL_BYTES."""
        size = entry_bytes(key, headers, body)
        if key in self.canonical or len(body) > MAX_BODY_BYTES or self.canonical_bytes + size > MAX_CANONICAL_BYTES:
            return False
        templated = WARM_HOST in body or any(WARM_HOST in value for _, value in headers)
        self.canonical[key] = (status, headers, body, size, templated)
        self.canonical_bytes += size
        self.evict()
        return True

    def evict(self):
        while self.entries and (len(self.entries) > MAX_ENTRIES or self.total_bytes + self.canonical_bytes > MAX_TOTAL_BYTES):
            _, (_, _, _, size, _) = self.entries.popitem(last=False)
            self.total_bytes -= size


def for_host(entry, scheme, host):
    """A canonical page as Datasette renders it for `scheme`://`host`."""
    status, headers, body, size, _ = entry

    def swap(value):
        return value.replace(b"http://" + WARM_HOST, scheme + b"://" + host).replace(b"https://" + WARM_HOST, b"https://" + host)

    body = swap(body)
    headers = [(name, str(len(body)).encode() if name == b"content-length" else swap(value)) for name, value in headers]
    return status, headers, body, size, False


async def replay(entry, send):
    status, headers, body = entry[:3]
    await send({"type": "http.response.start", "status": status, "headers": headers + [(HEADER.encode(), b"HIT")]})
    await send({"type": "http.response.body", "body": body})


def storable(start, headers):
    return start is not None and start["status"] == 200 and not any(name.lower() == b"set-cookie" for name, _ in headers)


def stored_headers(start, body):
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"transfer-encoding")]
    return headers + [(b"content-length", str(len(body)).encode())]


# The warm-up ----------------------------------------------------------------------------


class TooBig(Exception):
    pass


class Warmer:
    """Renders the canonical pages once, in the background, into the cache's canonical part."""

    def __init__(self, datasette, cache):
        self.datasette = datasette
        self.cache = cache
        self.app = None  # the application below the cache, set by the wrapper
        self.task = None
        self.state = "waiting"  # waiting -> running -> done
        self.started = self.finished = None
        self.pages, self.failed, self.too_big = [], [], []
        self.full = False  # the canonical share is full: the rest are rendered on demand

    def start(self):
        if self.task is None and self.app is not None:
            self.task = asyncio.get_running_loop().create_task(self.run())
        return self.task

    def status(self):
        return {
            "state": self.state,
            "pages": len(self.pages),
            "bytes": self.cache.canonical_bytes,
            "seconds": round((self.finished or time.monotonic()) - self.started, 3) if self.started else None,
            "not_kept": {
                "failed": self.failed,
                "too_big": self.too_big,
                "canonical_share_full": self.full,
            },
            "paths": self.pages,
        }

    async def render(self, path):
        """(status, headers, body) of `path` as an anonymous visitor on WARM_HOST gets it."""
        raw_path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1", "replace"),
            "query_string": query.encode("latin-1", "replace"),
            "root_path": "",
            "headers": [(b"host", WARM_HOST)],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 80),
        }
        start, chunks, size = None, [], 0

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
                length = dict(message.get("headers", [])).get(b"content-length")
                if length and int(length) > MAX_BODY_BYTES:
                    raise TooBig()
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if size > MAX_BODY_BYTES:
                    raise TooBig()
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return (start or {}).get("status"), (start or {}).get("headers", []), b"".join(chunks)

    async def keep(self, path):
        """Render `path` and keep it; returns its body if kept, else None."""
        try:
            status, headers, body = await self.render(path)
        except TooBig:
            self.too_big.append(path)
            return None
        except Exception as exc:  # a page that fails is reported, never fatal to the server
            self.failed.append(f"{path}: {type(exc).__name__}")
            return None
        start = {"status": status, "headers": headers}
        if not storable(start, headers):
            self.failed.append(f"{path}: {status}")
            return None
        raw_path, _, query = path.partition("?")
        if not self.cache.put_canonical(("", unquote(raw_path), query.encode("latin-1", "replace")), 200, stored_headers(start, body), body):
            self.full = True
            return None
        self.pages.append(path)
        return body

    def report(self):
        """This worker's state, in the run folder of a several-worker server (else nothing)."""
        run_dir = os.environ.get(RUN_DIR_ENV)
        if not run_dir:
            return
        status = self.status()
        summary = {"pid": os.getpid(), **{key: status[key] for key in ("state", "pages", "bytes", "seconds")}}
        path = Path(run_dir) / f"warm-{os.getpid()}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(summary), encoding="utf-8")
        temporary.replace(path)  # a reader never sees half a file

    def all_workers(self):
        """This worker's status; with several workers, `state` is theirs together and `workers`
        lists each (a worker that has not reported yet counts as waiting)."""
        status = self.status()
        run_dir, expected = os.environ.get(RUN_DIR_ENV), int(os.environ.get(WORKERS_ENV) or 1)
        if not run_dir:
            return status
        workers = []
        for path in sorted(Path(run_dir).glob("warm-*.json")):
            try:
                summary = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if alive(summary["pid"]):  # a worker the server restarted leaves its old report behind
                workers.append(summary)
        states = [w["state"] for w in workers] + ["waiting"] * max(0, expected - len(workers))
        state = "done" if all(s == "done" for s in states) else "running" if "running" in states or "done" in states else "waiting"
        return {**status, "state": state, "worker": {"pid": os.getpid(), "state": status["state"]}, "workers": workers}

    async def run(self):
        self.state, self.started = "running", time.monotonic()
        self.report()
        try:
            done = set()
            links = []
            for path in await front_pages(self.datasette):  # first the pages whose links are followed
                body = await self.keep_once(path, done)
                if body is not None:
                    links += local_links(path, body)
            for path in links + await other_pages(self.datasette):
                if self.full:  # a very large database: its first pages are kept, the rest served as usual
                    break
                await self.keep_once(path, done)
        finally:
            self.state, self.finished = "done", time.monotonic()
            self.report()
            print(
                f"longlist cache: warmed {len(self.pages)} canonical pages ({self.cache.canonical_bytes / 1e6:.1f} MB) "
                f"in {self.finished - self.started:.1f}s; not kept: {len(self.failed)} failed, {len(self.too_big)} too big"
                + ("; stopped: the canonical share is full" if self.full else ""),
                file=sys.stderr,
                flush=True,
            )

    async def keep_once(self, path, done):
        if path in done:
            return None
        done.add(path)
        body = await self.keep(path)
        await asyncio.sleep(0)  # let waiting requests go first
        return body


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        pass
    return True


def served_databases(datasette):
    return [(name, db) for name, db in datasette.databases.items() if name != "_internal" and not db.is_memory and not db.is_mutable]


async def front_pages(datasette):
    """The index and database pages (whose links are followed), then the extra paths."""
    extra = (datasette.plugin_config(PLUGIN) or {}).get("warm") or []
    return ["/"] + [datasette.urls.database(name) for name, _ in served_databases(datasette)] + [str(p) for p in extra]


def local_links(page, body):
    """Links of a front page to this site's own pages: no other site, no brought-in SQL, no
    Datasette /-/ page, no fragment."""
    links = []
    for match in HREF.finditer(body):
        href = html.unescape(match.group(1).decode("utf-8", "replace"))
        if not href:
            continue
        url = urlsplit(urljoin(page, href))
        if url.scheme or url.netloc or not url.path.startswith("/") or url.path.startswith("/-/"):
            continue
        if url.query and not LIVE_PARAMS.isdisjoint(parse_qs(url.query, keep_blank_values=True)):
            continue
        links.append(url.path + (f"?{url.query}" if url.query else ""))
    return links


async def other_pages(datasette):
    """Table and view pages and their JSON, saved queries, static downloads, then row pages."""
    pages, rows = [], []
    for name, db in served_databases(datasette):
        hidden = set(await db.hidden_table_names())
        tables = [t for t in await db.table_names() if t not in hidden]
        for table in tables + await db.view_names():
            pages += [datasette.urls.table(name, table), datasette.urls.table(name, table, format="json")]
        for query, config in (await datasette.get_canned_queries(name, None)).items():
            pages.append(datasette.urls.query(name, query))
            if config.get("fragment"):  # drawn as a chart: its page's "Show it as a chart" link (scripts/publishing/metadata.py)
                pages.append(f"{datasette.urls.query(name, query)}?_chart=1")
        for table in tables:
            rows += await row_pages(datasette, name, db, table, MAX_ROW_PAGES - len(rows))
    for mount, directory in datasette.static_mounts:
        root = Path(directory)
        if root.is_dir():
            pages += [datasette.urls.path(f"{mount}/{p.relative_to(root).as_posix()}") for p in sorted(root.rglob("*")) if p.is_file()]
    return [str(p) for p in pages + rows]


async def row_pages(datasette, database, db, table, limit):
    if limit <= 0:
        return []
    pks = await db.primary_keys(table)
    columns = ", ".join(f"[{pk}]" for pk in pks) if pks else "rowid"
    order = columns
    result = await db.execute(f"select {columns} from [{table}] order by {order} limit {int(limit)}", custom_time_limit=10_000)
    return [datasette.urls.row(database, table, path_from_row_pks(row, pks, not pks)) for row in result.rows]


# The hooks --------------------------------------------------------------------------------


def parts(datasette):
    """The one cache and warmer of this Datasette (its app may be built more than once)."""
    if not hasattr(datasette, "longlist_cache"):
        datasette.longlist_cache = ResponseCache()
        datasette.longlist_warmer = Warmer(datasette, datasette.longlist_cache)
    return datasette.longlist_cache, datasette.longlist_warmer


async def warm(datasette):
    """Warm the cache now and wait for it (in-process use, e.g. tests; a served instance
    starts the same when the server starts)."""
    _, warmer = parts(datasette)
    if warmer.app is None:
        datasette.app()  # builds the stack, which hands the warmer its application
    await warmer.start()
    return warmer.status()


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        cache, warmer = parts(datasette)
        warmer.app = app

        async def cached(scope, receive, send):
            if scope["type"] == "lifespan":  # the server is starting: warm in the background
                warmer.start()
                return await app(scope, receive, send)
            if scope["type"] != "http":
                return await app(scope, receive, send)
            key, canonical = cache_key(scope), canonical_key(scope)
            if canonical is not None:
                host = dict(scope["headers"]).get(b"host", b"localhost")
                entry = cache.get(key, canonical, (scope.get("scheme", "http").encode("latin-1"), host))
            else:
                entry = None
            if entry is not None:
                return await replay(entry, send)
            if key is None:
                return await app(scope, receive, send)
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
            if chunks is not None and storable(start, start.get("headers", []) if start else []):
                body = b"".join(chunks)
                cache.put(key, 200, stored_headers(start, body), body)

        return cached

    return wrap


@hookimpl
def register_routes():
    return [(rf"^{re.escape(STATUS_PATH)}$", warm_status)]


async def warm_status(datasette):
    _, warmer = parts(datasette)
    return Response.json(warmer.all_workers(), headers={"cache-control": "no-store"})
