"""Limits Datasette's own settings do not set, for a public instance that runs any SQL
(docs/robustness.md, "Hostile queries"): SQLite's length limits on every connection (one
`zeroblob(1000000000)` step is not interrupted by the time limit), printf/format answering
NULL at once for a width SQLite would spin on, and brought-in SQL run one query at a time,
each client address holding at most OWN_SQL_PER_CLIENT places in the queue (a layer of
request_pipeline.py)."""

import asyncio
import gc
import re
import runpy
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

from datasette import hookimpl

# sizes.py beside this file, read by path (the plugins folder is on no import path); the build reads it too
sizes = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("sizes.py"))))
MAX_VALUE_BYTES = sizes.MAX_VALUE_BYTES
MAX_SQL_BYTES = sizes.MAX_SQL_BYTES
MAX_LIKE_PATTERN_BYTES = 1_000  # LIKE costs the pattern's length times the value's
# A printf width or precision (%N.Mc repeats a character M times). Possessive runs read a long
# run of zeros after a % once (a greedy run took 8.7 s for 8,000 of them).
PRINTF_SPEC = re.compile(r"%[-+ 0#!,]*+(\*|\d++)?(?:\.(\*|\d++))?(?:ll|l)?([a-zA-Z%])")
# Brought-in SQL (?sql=, ?_where=) runs one query at a time, so num_sql_threads - 1 threads stay
# free for everyone else's pages; a longer queue is answered 429 at once; each client address
# holds at most OWN_SQL_PER_CLIENT places (behind deploy/'s proxy, uvicorn reads the client's
# address from X-Forwarded-For, and nginx limits each address before it arrives).
OWN_SQL_PARAMS = {"sql", "_where"}
OWN_SQL_AT_ONCE = 1
OWN_SQL_QUEUE = 20
OWN_SQL_PER_CLIENT = 2


def within_limits(fmt, args):
    """False if a width or precision (literal, or `*` from the arguments) is over MAX_VALUE_BYTES."""
    position = 0
    for spec in PRINTF_SPEC.finditer(str(fmt or "")):
        for part in spec.group(1, 2):
            if part == "*":
                part, position = (args[position] if position < len(args) else 0), position + 1
            try:
                if abs(int(part or 0)) > MAX_VALUE_BYTES:
                    return False
            except (TypeError, ValueError):
                pass
        if spec.group(3) != "%":
            position += 1
    return True


def safe_printf(helper):
    """printf that gives NULL at once for an oversized width (SQLite's gives NULL after a long loop)
    and otherwise lets SQLite's own do the work, on `helper`."""

    def printf(fmt=None, *args):
        if not within_limits(fmt, args):
            return None
        return helper.execute(f"select printf({', '.join('?' * (1 + len(args)))})", (fmt, *args)).fetchone()[0]

    return printf


def limit(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN_BYTES)


@hookimpl
def prepare_connection(conn):
    limit(conn)
    # each of Datasette's threads has its own connection, and the helper lives and dies with it
    helper = sqlite3.connect(":memory:", check_same_thread=False)
    limit(helper)
    for name in ("printf", "format"):
        conn.create_function(name, -1, safe_printf(helper), deterministic=True)


async def too_many(send, message=b"other SQL queries are waiting; try again in a few seconds."):
    body = b"429 Too Many Requests: " + message + b"\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def own_sql_one_at_a_time(app):
    gate = asyncio.Semaphore(OWN_SQL_AT_ONCE)
    held = {}  # client address -> its requests running or waiting
    queued = 0

    async def one_own_query_at_a_time(scope, receive, send):
        nonlocal queued
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if scope["type"] != "http" or OWN_SQL_PARAMS.isdisjoint(query):
            return await app(scope, receive, send)
        client = (scope.get("client") or ("unknown",))[0]
        if held.get(client, 0) >= OWN_SQL_PER_CLIENT:
            return await too_many(send, b"your earlier SQL queries are still running or waiting; send the next when one has answered.")
        if queued >= OWN_SQL_QUEUE:
            return await too_many(send)
        held[client] = held.get(client, 0) + 1
        queued += 1
        status = None

        async def note_status(message):
            nonlocal status
            status = message.get("status", status)
            await send(message)

        try:
            try:
                await gate.acquire()
            finally:
                queued -= 1
            try:
                await app(scope, receive, note_status)
            finally:
                if status != 200:
                    # A failed query's cursor sits in a reference cycle; freed later by the collector,
                    # on the event loop, it would wait for its connection's next long query. Freed
                    # before the next brought-in query may start.
                    gc.collect()
                gate.release()
        finally:
            held[client] -= 1
            if not held[client]:
                del held[client]

    return one_own_query_at_a_time


@hookimpl
def startup(datasette):
    # what exists once Datasette has started lives as long as the server: out of the collector's
    # way, a collection costs a fraction of a millisecond instead of ~15 ms
    gc.freeze()
