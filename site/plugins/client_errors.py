"""Client errors are 4xx, never 500 (issue 20): what Datasette 0.65 answers with a 500 although
the request, not the server, is at fault, answered through its documented `handle_exception`
hook with a 400 that says what to change.

- `_sort=nosuch` (a column the table does not have): Datasette raises "Cannot sort table by
  nosuch" with status 500.
- Sorting a table whose row holds values near the instance's length limit (sizes.py): SQLite's
  sorter packs the sort key and the whole row into one record, which may exceed the limit
  every connection has (limits.py), and the query fails with "string or blob too big".
- A table's CSV whose query (a slow `_where`) is interrupted at the time limit: the HTML and
  JSON pages answer 400 "SQL query took too long", the CSV answered 500 with a traceback.

And the log stays readable: Datasette writes every failed query to standard error in full
("ERROR: conn=..., sql = ..."), so 16 kB of invalid SQL sent in a loop wrote 12.9 MB in 4 s.
Each write to standard error is cut to MAX_LOG_CHARS (startup, below).
"""

import sys

from datasette import Response, hookimpl

TOO_BIG = "string or blob too big"
MAX_LOG_CHARS = 2_000


class CutLines:
    """A text stream that passes each write on cut to `limit` characters, saying how much was left out."""

    def __init__(self, stream, limit=MAX_LOG_CHARS):
        self.stream, self.limit = stream, limit

    def write(self, text):
        if len(text) > self.limit:
            text = f"{text[: self.limit]}... [{len(text) - self.limit:,} more characters not logged]\n"
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


@hookimpl
def startup(datasette):
    if not isinstance(sys.stderr, CutLines):
        sys.stderr = CutLines(sys.stderr)


def client_error(request, exception):
    """The message of a 400 for an exception the request caused, or None."""
    message = str(getattr(exception, "message", None) or exception)
    if message.startswith("Cannot sort table by "):
        return message + ": sort by one of the table's columns"
    if TOO_BIG in message and ("_sort" in request.args or "_sort_desc" in request.args):
        return "the rows are too long to sort by this column within the instance's limits; open the table unsorted or sort by its key"
    if type(exception).__name__ == "QueryInterrupted":  # a table's CSV whose first page took too long
        return "SQL query took too long: the query was interrupted at the instance's time limit"
    if TOO_BIG in message:
        return "a value this request reads or makes is longer than the instance serves (" + TOO_BIG + ")"
    return None


@hookimpl
def handle_exception(datasette, request, exception):
    message = client_error(request, exception)
    if message is None:
        return None
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": message, "status": 400, "title": None}, status=400)

    async def page():
        context = {"ok": False, "error": message, "status": 400, "title": "Bad request"}
        return Response.html(await datasette.render_template(["400.html", "error.html"], context, request=request), status=400)

    return page
