"""The database download (/longlist.db) served as `application/vnd.sqlite3`, its registered
media type, where Datasette 0.65 says `application/octet-stream`: the index page's JSON-LD
and croissant.json name that type, and a client that sniffs types then knows what it got.

Datasette's download view sets the header itself and has no hook for it, so this layer of the
request pipeline (request_pipeline.py composes it; it registers no hook of its own) rewrites
that one header on the way out, for the paths of the served databases' files only.
"""

SQLITE_TYPE = b"application/vnd.sqlite3"


def database_file_paths(datasette):
    return {f"{datasette.urls.database(name)}.db" for name, db in datasette.databases.items() if name != "_internal" and db.path}


def with_sqlite_type(headers):
    """The response headers with content-type replaced by SQLITE_TYPE."""
    return [(name, SQLITE_TYPE if name.lower() == b"content-type" else value) for name, value in headers]


def sqlite_type(app, datasette):
    """The layer: `app` with the database files' content type set to SQLITE_TYPE."""

    async def typed_download(scope, receive, send):
        if scope.get("type") != "http" or scope.get("path") not in database_file_paths(datasette):
            await app(scope, receive, send)
            return

        async def typed_send(message):
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message = {**message, "headers": with_sqlite_type(message.get("headers", []))}
            await send(message)

        await app(scope, receive, typed_send)

    return typed_download
