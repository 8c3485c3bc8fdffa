"""The one request pipeline (site/plugins/request_pipeline.py): its layers in their written
order, compression, and the headers a shared cache goes by."""

import asyncio
import gzip

import pytest

from tests.helpers import plugin

pipeline_module = plugin("request_pipeline")


def call(app, path="/longlist/theories", query=b"", method="GET", headers=()):
    """(status, headers, body) of one request to an ASGI app."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query, "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, b"".join(m.get("body", b"") for m in sent[1:])


def page(body=b"<p>" + b"a theory of impact " * 100 + b"</p>", headers=()):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html"), *headers]})
        await send({"type": "http.response.body", "body": body})

    return app


def test_each_layer_refuses_in_the_written_order():
    """A request that every layer would refuse is answered by the outermost: the guard (a POST
    bringing SQL is a 405 before the SQL gate counts it); a GET bringing SQL while the gate's
    queue is full (each from its own address) is the gate's 429 before Datasette runs anything."""
    reached = []

    async def datasette(scope, receive, send):
        reached.append(scope["query_string"])
        await asyncio.sleep(0.05)
        await page()(scope, receive, send)

    app = pipeline_module.pipeline(datasette, 3600)
    assert call(app, path="/longlist.json", query=b"sql=select+1", method="POST")[0] == 405
    assert reached == []

    async def flood():
        sent = []

        async def one(number):
            messages = []

            async def send(message):
                messages.append(message)

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            scope = {
                "type": "http",
                "method": "GET",
                "path": "/longlist.json",
                "raw_path": b"/longlist.json",
                "query_string": b"sql=select+1",
                "headers": [],
                "client": (f"10.0.0.{number}", 50000),
            }
            await app(scope, receive, send)
            sent.append(messages[0]["status"])

        await asyncio.gather(*[one(number) for number in range(pipeline_module.own_sql_one_at_a_time.__globals__["OWN_SQL_QUEUE"] + 3)])
        return sent

    statuses = asyncio.run(flood())
    assert statuses.count(429) == 2 and len(reached) == statuses.count(200)


def test_the_pipeline_is_the_only_asgi_wrapper():
    from tests.helpers import REPO

    wrappers = [path.name for path in sorted((REPO.site_dir / "plugins").glob("*.py")) if "def asgi_wrapper" in path.read_text(encoding="utf-8")]
    assert wrappers == ["request_pipeline.py"]


def test_pages_are_compressed_for_clients_that_accept_gzip():
    app = pipeline_module.pipeline(page(), 3600)
    status, headers, body = call(app, headers=[(b"accept-encoding", b"gzip, br")])
    assert status == 200 and headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body).startswith(b"<p>a theory of impact")
    status, headers, body = call(app)
    assert "content-encoding" not in headers and body.startswith(b"<p>")


def test_a_public_page_is_shareable_and_revalidates_with_its_etag():
    app = pipeline_module.pipeline(page(headers=[(b"cache-control", b"max-age=3600")]), 3600)
    _, headers, body = call(app)
    assert headers["cache-control"] == "public, max-age=3600" and headers["etag"].startswith('W/"')
    status, again, body = call(app, headers=[(b"if-none-match", headers["etag"].encode())])
    assert (status, body, again["etag"]) == (304, b"", headers["etag"])


@pytest.mark.parametrize(
    "path, query, headers",
    [
        ("/longlist.json", b"sql=select+random()", []),
        ("/longlist/theories", b"_where=number%3C3", []),
        ("/longlist/theories", b"", [(b"cookie", b"ds_actor=someone")]),
        ("/longlist/theories", b"", [(b"authorization", b"Bearer x")]),
        ("/-/threads.json", b"", []),
    ],
)
def test_live_and_personal_answers_are_never_shared(path, query, headers):
    _, answer, _ = call(pipeline_module.pipeline(page(headers=[(b"cache-control", b"max-age=3600")]), 3600), path=path, query=query, headers=headers)
    assert answer["cache-control"] == "private, no-store" and "etag" not in answer


@pytest.mark.parametrize(
    "path, query, immutable",
    [
        ("/-/static/app.css", b"d59929", True),  # Datasette links its stylesheet with the file's hash
        ("/-/static/table.js", b"", False),  # no version in the URL: the ordinary lifetime
        ("/assets/rate.js", b"", False),
    ],
)
def test_versioned_static_files_live_a_year(path, query, immutable):
    _, headers, _ = call(pipeline_module.pipeline(page(), 3600), path=path, query=query)
    assert (headers["cache-control"] == "public, max-age=31536000, immutable") is immutable
    if not immutable:
        assert headers["cache-control"] == "public, max-age=3600"


def test_a_head_asks_for_one_row_one_value_per_facet_and_no_count():
    """Issue 20, item 3: a HEAD rendered everything its GET would and received nothing."""
    seen = []

    async def datasette(scope, receive, send):
        seen.append((scope["method"], scope["query_string"]))
        await page(headers=[(b"content-length", b"1234")])(scope, receive, send)

    app = pipeline_module.pipeline(datasette, 3600)
    query = b"_facet=kind&_facet=credit&_facet_size=max&_size=max&title__contains=a+b"
    status, headers, body = call(app, query=query, method="HEAD")
    assert status == 200 and "content-length" not in headers
    assert seen[-1] == ("HEAD", b"_facet=kind&_facet=credit&title__contains=a%20b&_size=1&_facet_size=1&_nocount=1")
    assert call(app, query=query)[0] == 200 and seen[-1] == ("GET", query)  # a GET as asked
    call(app, method="HEAD")
    assert seen[-1] == ("HEAD", b"")  # a plain HEAD as asked
