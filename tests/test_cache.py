"""The page cache (site/plugins/cache.py): canonical pages warmed at start and served from the
first request, a bound that counts keys as well as bodies, canonical pages that cheap unique
requests cannot evict, and never a page for brought-in SQL or a logged-in visitor. Also the
inspect file (row counts never computed at request time) and the schema memo
(site/plugins/immutable_schema.py) that must not weaken permissions."""

import csv
import json
import subprocess
import time
import urllib.parse

import pytest

from scripts.serve import instance
from tests.helpers import DatasetteClient, free_port, get, plugin, without_timing

DATABASE = "longlist"


def loaded_plugin(datasette, name):
    """The plugin module Datasette itself loaded from site/plugins/ (not a second copy)."""
    from datasette.plugins import pm

    return next(p for p in pm.get_plugins() if getattr(p, "__file__", "") and p.__file__.endswith(f"site/plugins/{name}.py"))


def expected_canonical_pages(project):
    """What a reader can reach without typing a URL, from the package's own files (not from
    the cache's code): index, database page, each table and its JSON, each row, each saved
    query, each download, robots.txt."""
    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    pages = {"/", f"/{DATABASE}", "/robots.txt"}
    for resource in descriptor["resources"]:
        name = resource["name"]
        pages |= {f"/{DATABASE}/{name}", f"/{DATABASE}/{name}.json"}
        keys = resource["schema"]["primaryKey"]
        keys = [keys] if isinstance(keys, str) else keys
        with open(project.root / resource["path"], newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                pages.add(f"/{DATABASE}/{name}/" + ",".join(tilde(row[key]) for key in keys))
    pages |= {f"/{DATABASE}/{path.stem}" for path in (project.root / "sql" / "queries").glob("*.sql")}
    pages |= {f"/downloads/{path.name}" for path in (project.build_dir / "downloads").iterdir()}
    return pages


def tilde(value):
    from datasette.utils import tilde_encode

    return tilde_encode(value)


def warm_in_process(client):
    cache = loaded_plugin(client.datasette, "cache")
    return client.loop.run_until_complete(cache.warm(client.datasette))


@pytest.fixture(scope="module")
def warm_client(built):
    client = DatasetteClient(built)
    status = warm_in_process(client)
    yield client, status
    client.close()


# Warm-up ----------------------------------------------------------------------------------


def test_warm_up_covers_every_canonical_page(warm_client, built):
    _, status = warm_client
    assert status["state"] == "done" and status["not_kept"] == {"failed": [], "too_big": [], "canonical_share_full": False}
    missing = expected_canonical_pages(built) - set(status["paths"])
    assert not missing, sorted(missing)[:10]


def test_warm_up_follows_the_front_doors_links(warm_client):
    _, status = warm_client
    paths = set(status["paths"])
    assert any(p.endswith("?_chart=1") for p in paths), "the charts linked from the index page"
    assert any(".csv?" in p for p in paths) and any(".json?_shape=array" in p for p in paths), "the CSV and JSON downloads"
    assert not [p for p in paths if "sql=" in p or p.startswith("/-/")]


def test_warmed_pages_answer_from_the_cache_on_their_first_request(warm_client, built):
    client, _ = warm_client
    for path in sorted(expected_canonical_pages(built)):
        response = client.get(path)
        assert response.status_code == 200 and response.headers.get("x-longlist-cache") == "HIT", path


def test_a_warmed_page_names_the_askers_own_address():
    cache = plugin("cache")
    body = b'<link rel="alternate" href="http://' + cache.WARM_HOST + b'/longlist/theories.json">'
    headers = [(b"link", b"http://" + cache.WARM_HOST + b"/longlist/theories.json; rel=alternate"), (b"content-length", str(len(body)).encode())]
    store = cache.ResponseCache()
    assert store.put_canonical(("", "/longlist/theories", b""), 200, headers, body)
    status, headers, served, _, _ = store.get(None, ("", "/longlist/theories", b""), (b"https", b"data.example.org:8443"))
    assert served == b'<link rel="alternate" href="https://data.example.org:8443/longlist/theories.json">'
    assert dict(headers)[b"content-length"] == str(len(served)).encode()
    assert dict(headers)[b"link"].startswith(b"https://data.example.org:8443/")
    # a Host that Datasette would have to escape is never written in: the page is rendered afresh
    assert store.get(None, ("", "/longlist/theories", b""), (b"http", b'evil"><script>')) is None


@pytest.mark.server
def test_a_started_server_serves_canonical_pages_from_the_first_request(built):
    port = free_port()
    process = subprocess.Popen(instance.command(built, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = json.loads(get(base + "/-/warm")[2])
                if status["state"] == "done":
                    break
            except (OSError, ValueError):
                assert process.poll() is None, "the server did not start"
            time.sleep(0.2)
        assert status and status["state"] == "done", status
        assert get(base + "/-/warm")[1].get("x-longlist-cache") is None  # the status itself is never cached
        firsts = ["/", "/longlist", "/longlist/theories", "/longlist/theories.json", "/longlist/theories/9", "/longlist/comments/c07"]
        firsts += ["/longlist/theories_by_group_rank", "/robots.txt"] + [p for p in status["paths"] if p.startswith("/downloads/")]
        for path in firsts:
            code, headers, body = get(base + path)
            assert (code, headers.get("x-longlist-cache")) == (200, "HIT"), path
            if path.endswith(".zip"):
                assert body == (built.build_dir / "downloads" / path.rsplit("/", 1)[1]).read_bytes()
        code, headers, body = get(base + "/longlist/theories")
        assert f"http://127.0.0.1:{port}/longlist/theories.json".encode() in body  # its own address, not the warm-up's
        # a logged-in visitor or brought-in SQL never gets a stored page, canonical or not
        for path, extra in [("/longlist/theories", {"Cookie": "ds_actor=someone"}), ("/", {"Authorization": "Bearer x"}), ("/longlist.json?sql=select+1", {})]:
            for _ in range(2):
                code, headers, _ = get(base + path, extra)
                assert code == 200 and "x-longlist-cache" not in headers, path
    finally:
        process.terminate()
        process.wait(10)


# The bound ---------------------------------------------------------------------------------


def test_the_bound_counts_the_bytes_of_keys():
    cache = plugin("cache")
    short, long = ("http", b"h", "", "/t", b""), ("http", b"h", "", "/t", b"q" * 3000)
    assert cache.entry_bytes(long, [], b"x") - cache.entry_bytes(short, [], b"x") == 3000
    store = cache.ResponseCache()
    store.put(long, 200, [(b"content-type", b"text/html")], b"body")
    assert store.total_bytes == cache.entry_bytes(long, [(b"content-type", b"text/html")], b"body") > 3000


def test_urls_longer_than_the_key_limit_are_answered_but_never_stored():
    cache = plugin("cache")
    scope = {"type": "http", "method": "GET", "path": "/longlist/theories", "headers": [(b"host", b"h")]}
    assert cache.cache_key(dict(scope, query_string=b"_x=" + b"q" * 100)) is not None
    assert cache.cache_key(dict(scope, query_string=b"_x=" + b"q" * cache.MAX_KEY_BYTES)) is None


def test_unique_cheap_requests_cannot_evict_canonical_pages(monkeypatch):
    cache = plugin("cache")
    monkeypatch.setattr(cache, "MAX_TOTAL_BYTES", 200_000)
    store = cache.ResponseCache()
    for number in range(20):
        assert store.put_canonical(("", f"/longlist/theories/{number}", b""), 200, [], b"c" * 2_000)
    for number in range(5_000):  # 5,000 requests with unique 1 kB query strings
        store.put(("http", b"h", "", "/longlist/theories", f"_u={number}&".encode() + b"q" * 1_000), 200, [], b"o" * 500)
        assert store.total_bytes + store.canonical_bytes <= cache.MAX_TOTAL_BYTES
    assert len(store.canonical) == 20
    assert all(store.get(None, ("", f"/longlist/theories/{n}", b"")) for n in range(20))
    assert 0 < len(store.entries) < 5_000


def test_canonical_pages_stop_at_their_own_share(monkeypatch):
    cache = plugin("cache")
    size = cache.entry_bytes(("", "/p0", b""), [], b"c" * 3_000)
    monkeypatch.setattr(cache, "MAX_CANONICAL_BYTES", 3 * size + 10)
    store = cache.ResponseCache()
    kept = [store.put_canonical(("", f"/p{n}", b""), 200, [], b"c" * 3_000) for n in range(5)]
    assert kept == [True, True, True, False, False] and store.canonical_bytes == 3 * size


def test_answers_that_set_a_cookie_are_not_stored():
    cache = plugin("cache")
    assert cache.storable({"status": 200}, [(b"content-type", b"text/html")])
    assert not cache.storable({"status": 200}, [(b"Set-Cookie", b"ds_csrftoken=x")])
    assert not cache.storable({"status": 404}, [])


@pytest.mark.parametrize(
    "query, headers",
    [(b"sql=select+1", []), (b"_where=1", []), (b"", [(b"cookie", b"ds_actor=x")]), (b"", [(b"authorization", b"Bearer x")])],
)
def test_personal_or_live_requests_get_no_canonical_page(query, headers):
    cache = plugin("cache")
    scope = {"type": "http", "method": "GET", "path": "/longlist/theories", "query_string": query, "headers": [(b"host", b"h")] + headers}
    assert cache.canonical_key(scope) is None and cache.cache_key(scope) is None


@pytest.mark.slow  # seconds of work: the full suite runs it, `make test-fast` does not
def test_a_flood_of_unique_requests_leaves_the_warmed_pages_in_place(built, monkeypatch):
    client = DatasetteClient(built)
    try:
        cache = loaded_plugin(client.datasette, "cache")
        client.loop.run_until_complete(cache.warm(client.datasette))
        store = client.datasette.longlist_cache
        monkeypatch.setattr(cache, "MAX_TOTAL_BYTES", store.canonical_bytes + 300_000)  # room for a few dozen other pages
        warmed = dict(store.canonical)
        for number in range(300):
            assert client.get(f"/longlist/theory_points?_u={number}&pad={'p' * 2000}").status_code == 200
        assert store.canonical == warmed and 0 < len(store.entries) < 300
        assert store.total_bytes + store.canonical_bytes <= cache.MAX_TOTAL_BYTES
        assert client.get("/longlist/theories").headers["x-longlist-cache"] == "HIT"
    finally:
        client.close()


# Counts and schema ---------------------------------------------------------------------------


def test_the_inspect_file_is_what_datasette_inspect_writes(built, tmp_path):
    written = tmp_path / "inspect.json"
    datasette = instance.datasette_executable()
    subprocess.run([datasette, "inspect", built.rel(built.db_path), "--inspect-file", str(written)], cwd=built.root, check=True)
    assert instance.inspect_path(built).read_bytes() == written.read_bytes()


def test_table_counts_come_from_the_inspect_file(built):
    """Counts are never computed at request time: a count changed in the inspect data is
    the count the pages show."""
    client = DatasetteClient(built)
    try:
        counts = client.datasette.inspect_data[DATABASE]["tables"]
        assert counts["theories"]["count"] == 20
        counts["theories"]["count"] = 12345
        client.datasette.get_database(DATABASE)._cached_table_counts = None
        assert "12,345 rows" in client.get("/longlist/theories").text
        assert json.loads(client.get("/longlist/theories.json?_size=1").text)["filtered_table_rows_count"] == 12345
    finally:
        client.close()


def test_remembered_schema_keeps_table_permissions_and_hands_out_copies(built):
    metadata = json.loads(json.dumps(instance.app(built).metadata()))
    metadata["databases"][DATABASE]["tables"]["participants"]["allow"] = {"id": "alice"}
    client = DatasetteClient(built, metadata)
    alice = {"ds_actor": client.datasette.sign({"a": {"id": "alice"}}, "actor")}
    try:
        for _ in range(2):  # the second time from memory
            assert client.get("/longlist/participants").status_code == 403
            assert client.get("/longlist/theories").status_code == 200
            # what the anonymous visitor may not see, the allowed actor still sees
            assert client.loop.run_until_complete(client.datasette.client.get("/longlist/participants", cookies=alice)).status_code == 200
            listed = [table["name"] for table in client.get("/longlist.json").json()["tables"]]
            assert "participants" not in listed and "theories" in listed
        db = client.datasette.get_database(DATABASE)
        columns = client.loop.run_until_complete(db.table_columns("theories"))
        columns.append("not a column")
        assert "not a column" not in client.loop.run_until_complete(db.table_columns("theories"))
    finally:
        client.close()


def test_site_options_give_serve_the_inspect_file(built):
    options = instance.site_options(built)
    assert options[options.index("--inspect-file") + 1] == str(instance.inspect_path(built))


def test_a_served_page_is_the_same_from_the_cache_and_rendered(warm_client, built):
    client, status = warm_client
    for path in sorted(expected_canonical_pages(built)):
        served = client.get(path)
        assert served.headers["x-longlist-cache"] == "HIT"
        # a Datasette cookie makes the request personal: rendered now, never from the cache
        fresh = client.loop.run_until_complete(client.datasette.client.get(path, cookies={"ds_nobody": "1"}))
        assert "x-longlist-cache" not in fresh.headers
        assert without_timing(fresh.content) == without_timing(served.content), path
        assert fresh.headers.get("link") == served.headers.get("link"), path


def test_status_lists_only_answers_of_200(warm_client):
    _, status = warm_client
    assert status["pages"] == len(status["paths"]) == len(set(status["paths"]))
    assert all(urllib.parse.urlsplit(p).path.startswith("/") for p in status["paths"])
