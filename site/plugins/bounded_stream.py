"""A streamed CSV (`.csv?_stream=1`) bounded in total time, with a clean end (issue 20).

Datasette streams a CSV one page of rows at a time, each page's query under the time limit,
so a stream of a slow filter ran for 64 s; and a page that fails (interrupted, too big) ends a
200 answer with the error's text as if it were the file's last line. This layer, in the one
request pipeline (request_pipeline.py), stops a stream after sizes.MAX_STREAM_SECONDS and drops
such a last line: in both cases the answer ends without HTTP's end of body, so a client sees a
transfer cut short (curl: "transfer closed", Python: IncompleteRead), never a complete-looking
file. Every row Datasette's csv writer writes ends with a line break; its error text does not,
which is how the last line is told apart. The whole file of any table streams in well under a second.
"""

import runpy
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

sizes = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("sizes.py"))))
FALSE = ("", "0", "off", "false")


class StreamCut(BaseException):
    """Raised through Datasette's stream (which catches Exception to write it into the body)."""


def streams(scope):
    if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
        return False
    values = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True).get("_stream", [])
    return any(value.lower() not in FALSE for value in values)


def bounded_stream(app, seconds=None):
    """The layer: other requests pass untouched."""

    async def bounded(scope, receive, send):
        if not streams(scope):
            return await app(scope, receive, send)
        limit = sizes.MAX_STREAM_SECONDS if seconds is None else seconds
        deadline = time.monotonic() + limit
        held = None  # the last body chunk, sent on only once the next shows it was a row

        async def send_bounded(message):
            nonlocal held
            if message["type"] != "http.response.body":
                return await send(message)
            if time.monotonic() > deadline:
                raise StreamCut
            body, more = message.get("body", b""), message.get("more_body", False)
            if more:
                if held:
                    await send({"type": "http.response.body", "body": held, "more_body": True})
                held = body
                return
            last = (held or b"") + body
            if last and not last.endswith(b"\n"):
                raise StreamCut  # Datasette's error text as the last line: not part of the file
            await send({**message, "body": last})

        try:
            await app(scope, receive, send_bounded)
        except StreamCut:
            return  # the answer stays without its end of body; the server closes the connection

    return bounded
