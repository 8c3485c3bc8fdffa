"""A 400 that says what to change, through Datasette's `handle_exception` hook, where Datasette
0.65 answers 500 for the request's own fault (docs/robustness.md, "Client errors are 4xx"); and
each write to standard error cut to MAX_LOG_CHARS (Datasette logs every failed query whole)."""

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
        # SQLite's sorter packs the key and the whole row into one record, over the length limit
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
