"""Cache-Control on every successful GET that lacks one, as Datasette already sets it on its
data pages (default_cache_ttl seconds): so a CDN can also carry the index page, /robots.txt and
the downloads. The database is immutable, so a response only changes with a new release."""

from datasette import hookimpl


def header_value(ttl):
    return "no-cache" if int(ttl) == 0 else f"max-age={int(ttl)}"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_cache_headers(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)

            async def send_with_header(message):
                if message["type"] == "http.response.start" and message["status"] == 200:
                    headers = list(message.get("headers") or [])
                    if not any(name.lower() == b"cache-control" for name, _ in headers):
                        value = header_value(datasette.setting("default_cache_ttl"))
                        message = {**message, "headers": headers + [(b"cache-control", value.encode())]}
                await send(message)

            await app(scope, receive, send_with_header)

        return with_cache_headers

    return wrap
