"""Limits that Datasette's own settings do not set, for a public instance that runs any SQL.
Each answers something tests/test_hostile_sql.py and bench/serve_load.py send:

- sql_time_limit_ms interrupts a query between SQLite steps, but one step can be a single
  function call: `select zeroblob(1000000000)` got the server killed for lack of memory.
  SQLite's own length limits, set on every connection, refuse such values at once.
- `printf('%.*c', 2000000000, 'x')` spins for seconds in SQLite 3.40 before it answers
  NULL; printf and format now answer NULL at once for such a width.
- Requests that bring their own SQL run one at a time, so hostile ones hold one SQL thread,
  and each client address holds at most OWN_SQL_PER_CLIENT places in their queue.
- A failed query's cursor is freed before the next brought-in query starts (see
  collect_failed_cursors).

The one-at-a-time gate is a layer of the one request pipeline (request_pipeline.py).
"""

import asyncio
import gc
import re
import runpy
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

from datasette import hookimpl

# The sizes live in sizes.py, which the build reads too (it refuses longer contributed values),
# read by path (Datasette puts the plugins folder on no import path).
# No honest query needs a longer string or blob; SQLite refuses one with "string or blob too
# big". max_returned_rows (200) of it make about 5 MB, which Datasette renders in ~60 ms of the
# event loop (50 kB values took twice that).
sizes = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("sizes.py"))))
MAX_VALUE_BYTES = sizes.MAX_VALUE_BYTES
MAX_SQL_BYTES = sizes.MAX_SQL_BYTES
# LIKE costs the pattern's length times the value's; Datasette's filters need short ones.
MAX_LIKE_PATTERN_BYTES = 1_000
# A printf width or precision: %N.Mc repeats a character M times, one at a time. Possessive
# runs: the flags may not give back a zero to the width, nor the width a digit, so a long run
# of zeros after a % is read once (a greedy run took 8.7 s for 8,000 of them).
PRINTF_SPEC = re.compile(r"%[-+ 0#!,]*+(\*|\d++)?(?:\.(\*|\d++))?(?:ll|l)?([a-zA-Z%])")

# Requests that bring their own SQL (?sql=, ?_where=) run one at a time, so that however
# many arrive, num_sql_threads - 1 threads stay free for the pages everyone else reads. A
# queue longer than this is answered 429 at once rather than left to grow.
OWN_SQL_PARAMS = {"sql", "_where"}
OWN_SQL_AT_ONCE = 1
OWN_SQL_QUEUE = 20
# Each client address may hold this many of the places (running or waiting): fifty loops of
# 1 s SQL from one address filled the queue and everyone else's ?sql= got 429. Behind the
# proxy in deploy/, the address is the client's (uvicorn reads X-Forwarded-For from it), and
# nginx limits each address's brought-in SQL before it arrives.
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
    """printf/format that gives NULL for an oversized width at once, as SQLite's own printf
    does for an oversized result after its long loop, and otherwise lets SQLite's do the work."""

    def printf(fmt=None, *args):
        if not within_limits(fmt, args):
            return None
        placeholders = ", ".join("?" * (1 + len(args)))
        return helper.execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]

    return printf


def limit(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN_BYTES)


@hookimpl
def prepare_connection(conn):
    limit(conn)
    # A private connection for the real printf: Datasette gives each thread its own
    # connection, and this one lives and dies with it.
    helper = sqlite3.connect(":memory:", check_same_thread=False)
    limit(helper)
    for name in ("printf", "format"):
        conn.create_function(name, -1, safe_printf(helper), deterministic=True)


def collect_failed_cursors():
    """A query that failed leaves its cursor in a reference cycle (exception, traceback,
    frame). Python's collector frees it later, on whichever thread allocates, mostly the
    event loop's: freeing it resets the statement, which waits for its connection, and if a
    worker is running a long query on that connection (an endless CTE, up to the time limit),
    every request waits for it. Freed here, before the next brought-in query may start."""
    gc.collect()


def brings_own_sql(scope):
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return scope["type"] == "http" and not OWN_SQL_PARAMS.isdisjoint(query)


def client_of(scope):
    return (scope.get("client") or ("unknown",))[0]


async def too_many(send, message=b"other SQL queries are waiting; try again in a few seconds."):
    body = b"429 Too Many Requests: " + message + b"\n"
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def own_sql_one_at_a_time(app):
    """The gate as an ASGI layer (composed by request_pipeline.py)."""
    gate = asyncio.Semaphore(OWN_SQL_AT_ONCE)
    queued = 0
    held = {}  # client address -> its requests running or waiting

    async def one_own_query_at_a_time(scope, receive, send):
        nonlocal queued
        if not brings_own_sql(scope):
            return await app(scope, receive, send)
        client = client_of(scope)
        if held.get(client, 0) >= OWN_SQL_PER_CLIENT:
            return await too_many(send, b"your earlier SQL queries are still running or waiting; send the next when one has answered.")
        if queued >= OWN_SQL_QUEUE:
            return await too_many(send)
        held[client] = held.get(client, 0) + 1
        try:
            return await run_in_turn(scope, receive, send)
        finally:
            held[client] -= 1
            if not held[client]:
                del held[client]

    async def run_in_turn(scope, receive, send):
        nonlocal queued
        queued += 1
        try:
            await gate.acquire()
        finally:
            queued -= 1
        status = None

        async def note_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            return await app(scope, receive, note_status)
        finally:
            if status != 200:
                collect_failed_cursors()
            gate.release()

    return one_own_query_at_a_time


@hookimpl
def startup(datasette):
    # What exists once Datasette has started lives as long as the server: kept out of the
    # collections above, which then cost a fraction of a millisecond instead of ~15 ms.
    gc.freeze()
