"""The database download (/longlist.db) as `application/vnd.sqlite3`, its registered media type
(Datasette 0.65 says `application/octet-stream`, with no hook to change it), as the index
page's JSON-LD and croissant.json name it: a layer of request_pipeline.py."""

SQLITE_TYPE = b"application/vnd.sqlite3"


def sqlite_type(app, datasette):
    async def typed_download(scope, receive, send):
        files = {f"{datasette.urls.database(name)}.db" for name, db in datasette.databases.items() if name != "_internal" and db.path}
        if scope.get("type") != "http" or scope.get("path") not in files:
            return await app(scope, receive, send)

        async def typed_send(message):
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message = {**message, "headers": [(k, SQLITE_TYPE if k.lower() == b"content-type" else v) for k, v in message.get("headers", [])]}
            await send(message)

        await app(scope, receive, typed_send)

    return typed_download
