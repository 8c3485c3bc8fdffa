"""Hostile requests (not SQL: methods, long and repeated parameters) against the instance served
as `make serve` serves it, each with the answer it must get (site/plugins/requests_guard.py),
and a server log without tracebacks afterwards."""

import http.client
import importlib.util
import json
import subprocess
import time
import urllib.parse

import pytest

from scripts.serve import instance
from tests.helpers import REPO, free_port

W = "+".join(["w"] * 5000)
# Issue 20, item 3: ten facets of every value, padded: a 31.8 MB page from a 65 kB URL.
AMPLIFIED = (
    "&".join(f"_facet={c}" for c in ["number", "title", "description", "credit", "start", "end", "rowid", "kind", "a", "b"])
    + "&_facet_size=max&_size=max&title__not="
    + "x" * 20_000
)
FACETS_1000 = "&".join(f"_facet={c}" for c in ["number", "title", "description", "credit", "start", "end"] * 167)[: 14 * 1000]


def guard_module():
    spec = importlib.util.spec_from_file_location("requests_guard_under_test", REPO.site_dir / "plugins" / "requests_guard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


guard = guard_module()


@pytest.fixture(scope="module")
def served(built, tmp_path_factory):
    log = tmp_path_factory.mktemp("guard") / "server.log"
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(instance.command(built, port), stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if request(port, "GET", "/")[0] == 200:
                break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "the server did not start"
            time.sleep(0.2)
    yield port, log
    process.terminate()
    process.wait(10)


def request(port, method, target, timeout=30):
    """(status, headers, body) of one request, sent as is."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, target)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


HOSTILE = [
    # (method, target, status, what the answer must say)
    ("POST", "/longlist/theories", 405, "POST is not allowed: this instance is read-only and answers GET and HEAD"),
    ("TRACE", "/longlist/theories", 405, "TRACE is not allowed"),
    ("PUT", "/", 405, "PUT is not allowed"),
    ("DELETE", "/longlist/theories/1", 405, "DELETE is not allowed"),
    ("PATCH", "/longlist", 405, "PATCH is not allowed"),
    ("OPTIONS", "/", 405, "OPTIONS is not allowed"),
    ("GET", "/longlist/theories?title__contains=" + "a" * 26_000, 400, "the value of title__contains is 26,000 bytes; at most 25,000"),
    ("GET", "/longlist/theories?title=" + "a" * 26_000, 400, "the value of title is 26,000 bytes; at most 25,000"),
    ("GET", "/longlist/theories?_search=" + W, 400, "the value of _search has 5,000 words; at most 200 in a search or filter"),
    ("GET", "/longlist/search_text?q=" + W, 400, "the value of q has 5,000 words; at most 200"),
    ("GET", "/longlist/search_text?q=" + ",".join(["deception"] * 2_400), 400, "the value of q has 2,400 words; at most 200"),
    ("GET", "/longlist/search_text?q=" + "-".join(["a"] * 12_000), 400, "the value of q has 12,000 words; at most 200"),
    ("GET", "/longlist/theories?" + FACETS_1000, 400, "more than 100 parameters; give each parameter once"),
    ("GET", "/longlist/theories?" + "&".join(f"_facet=c{i}" for i in range(11)), 400, "11 facets; at most 10 (_facet, _facet_array and _facet_date together)"),
    ("GET", "/longlist/theories?_facet_array=a&_facet_date=b&" + "&".join(f"_facet=c{i}" for i in range(9)), 400, "11 facets; at most 10"),
    ("GET", "/longlist/theories?_sort=title&_sort=number", 400, "_sort is given 2 different values; give it once"),
    ("GET", "/longlist/theories?_sort_desc=title&_sort_desc=credit", 400, "_sort_desc is given 2 different values"),
    ("GET", "/longlist/theories?_size=1&_size=2", 400, "_size is given 2 different values"),
    ("GET", "/longlist/theories/" + "9" * 26_000, 414, "the path is 26,019 bytes; at most 25,000 are read"),
    ("GET", "/longlist.json?sql=" + urllib.parse.quote("select '" + "x" * 50_100 + "'"), 400, "the value of sql is 50,109 bytes; at most 50,000"),
    ("GET", "/longlist/theories?" + "x" * 300 + "=1", 400, "a parameter name of 300 bytes; at most 200"),
    ("GET", "/longlist/theories?" + AMPLIFIED, 400, "10 facets of 200 values, each a link repeating this"),
    ("HEAD", "/longlist/theories?" + AMPLIFIED, 400, ""),
    ("GET", "/longlist/theories.json?_sort=nosuch", 400, "Cannot sort table by nosuch: sort by one of the table's columns"),
    ("GET", "/longlist/theories.json?_sort_desc=nosuch", 400, "Cannot sort table by nosuch"),
]


@pytest.mark.server
@pytest.mark.parametrize("method, target, status, message", HOSTILE, ids=[f"{m} {t[:60]}" for m, t, _, _ in HOSTILE])
def test_a_hostile_request_gets_a_clear_4xx(served, method, target, status, message):
    port, _ = served
    started = time.monotonic()
    got, headers, body = request(port, method, target)
    assert time.monotonic() - started < 2
    assert got == status, body[:300]
    text = body.decode("utf-8")
    assert message in text and len(body) < 400
    if status == 405:
        assert headers["allow"] == "GET, HEAD"


@pytest.mark.server
def test_a_refusal_of_a_json_path_is_json(served):
    port, _ = served
    status, headers, body = request(port, "GET", "/longlist/theories.json?title=" + "a" * 26_000)
    assert status == 400 and headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"ok": False, "status": 400, "error": "the value of title is 26,000 bytes; at most 25,000 (the instance serves no longer value)"}


@pytest.mark.server
def test_repeated_facets_redirect_to_one_each(served):
    port, _ = served
    status, headers, _ = request(port, "GET", "/longlist/theory_points?" + "&".join(["_facet=kind"] * 50) + "&_sort=id&_sort=id")
    assert status == 302 and headers["location"] == "/longlist/theory_points?_facet=kind&_sort=id"
    status, _, body = request(port, "GET", headers["location"])
    assert status == 200 and b"kind" in body


@pytest.mark.server
@pytest.mark.parametrize(
    "target",
    [
        "/longlist/theory_points?_facet=kind&_facet=theory_number&_sort_desc=position",
        "/longlist/arguments?_facet=kind&_facet=comment_id&_size=5",
        "/longlist/theories?_search=" + "+".join(["deception"] * 200),
        "/longlist/search_text?q=interpretability+deception",
        "/longlist.json?sql=" + urllib.parse.quote("select '" + "x" * 24_000 + "' as long"),
        "/longlist/theories?title=" + "a" * 24_000,
    ],
)
def test_honest_requests_still_answer(served, target):
    port, _ = served
    assert request(port, "GET", target)[0] == 200
    assert request(port, "HEAD", target.split("?")[0])[0] == 200


@pytest.mark.server
def test_no_traceback_reaches_the_log(served):
    port, log = served
    for method, target, _, _ in HOSTILE:
        request(port, method, target)
    try:  # longer than uvicorn reads at once: its parser answers 400 or closes the connection, or the guard answers 414
        assert request(port, "GET", "/longlist?" + "a=b&" * 40_000)[0] in (400, 414)
    except ConnectionError:
        pass
    time.sleep(0.5)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "ERROR" not in text and " 500 " not in text


@pytest.mark.parametrize(
    "path, location",
    [
        ("//evil.example/x", b"/%2Fevil.example/x?a=1"),  # what /%2Fevil.example/x decodes to
        ("///evil.example/x", b"/%2F%2Fevil.example/x?a=1"),
        ("/\\evil.example/x", b"/%5Cevil.example/x?a=1"),
        ("/longlist/a b", b"/longlist/a%20b?a=1"),
    ],
)
def test_the_repeat_redirect_stays_on_this_site(path, location):
    """Issue 20, item 2: `GET /%2Fevil.example/x?a=1&a=1` was sent to //evil.example/x."""
    with pytest.raises(guard.Refused) as refused:
        guard.check({"type": "http", "method": "GET", "path": path, "query_string": b"a=1&a=1"})
    got = dict(refused.value.headers)[b"location"]
    assert refused.value.status == 302 and got == location
    assert got.startswith(b"/") and not got.startswith((b"//", b"/\\")) and b"://" not in got


@pytest.mark.server
def test_the_encoded_slash_redirect_is_to_a_path_here(served):
    port, _ = served
    status, headers, _ = request(port, "GET", "/%2Fevil.example/x?a=1&a=1")
    assert status == 302 and headers["location"] == "/%2Fevil.example/x?a=1"


@pytest.mark.server
@pytest.mark.parametrize(
    "target, status",
    [
        ("/longlist/arguments?" + "&".join(f"_facet={c}" for c in ("kind", "comment_id", "id")) + "&_facet_size=max&_size=max", 200),
        ("/longlist/arguments?nosuchcolumn__exact=1&_size=max", 200),  # Datasette ignores an unknown filter on GET too
        ("/longlist/arguments?_facet=kind&_facet=nosuchcolumn&_facet_size=max", 400),
        ("/longlist/nosuchtable?_size=max", 404),
        ("/longlist.json?sql=select+nonsense&_size=max", 400),
    ],
)
def test_a_head_answers_as_its_get_without_the_body(served, target, status):
    # after test_no_traceback_reaches_the_log: invalid SQL writes its ERROR line
    port, _ = served
    got, headers, body = request(port, "HEAD", target)
    assert (got, body) == (status, b"") and request(port, "GET", target)[0] == status


@pytest.mark.server
def test_invalid_sql_is_logged_cut_short(served):
    """Issue 20, item 9: 16 kB of invalid SQL was written to the log in full each time."""
    port, log = served
    before = log.stat().st_size
    sql = urllib.parse.quote("select " + "x," * 8_000 + " from nowhere")
    for _ in range(5):
        assert request(port, "GET", "/longlist.json?sql=" + sql)[0] == 400
    time.sleep(0.5)
    with open(log, "rb") as text:
        text.seek(before)
        errors = [line for line in text.read().decode("utf-8", "replace").splitlines() if line.startswith("ERROR")]
    # (the access line keeps the URL, as any server's access log does)
    assert len(errors) == 5
    assert all(len(line) < 2_100 and line.endswith("more characters not logged]") for line in errors)


def set_longest(project, label, note):
    import sqlite3

    connection = sqlite3.connect(project.db_path)
    with connection:
        connection.execute("update rating_sets set label = ?, note = ? where rowid = (select min(rowid) from rating_sets)", (label, note))
    connection.close()


SORTS = [f"{sort}={column}" for column in ("label", "note", "kind", "id", "date", "source") for sort in ("_sort", "_sort_desc")]


def test_sorting_filtering_and_faceting_values_the_gate_admits_answer_200(fresh_copy):
    """Issue 20, item 4: a rating set whose label and note were near the gate's limit (then
    24 kB) made its column-header sort links answer 500. The build's gate now admits a label of
    MAX_LABEL_BYTES and a note of MAX_NOTE_BYTES: at those lengths every sort, filter and facet is a 200."""
    from scripts.core import sizes as build_sizes
    from tests.helpers import DatasetteClient

    label, note = "L" * build_sizes.MAX_LABEL_BYTES, "N" * build_sizes.MAX_NOTE_BYTES
    set_longest(fresh_copy, label, note)
    client = DatasetteClient(fresh_copy)
    try:
        for query in SORTS + ["_facet=label", "_facet=note", f"label={label}", f"note__contains={note[:900]}", f"label__not={label}"]:
            assert client.get(f"/longlist/rating_sets.json?{query}").status_code == 200, query[:40]
            assert client.get(f"/longlist/rating_sets?{query}").status_code == 200, query[:40]
    finally:
        client.close()


def test_sorting_rows_of_values_at_the_instance_limit_is_a_clear_400(fresh_copy):
    """Values at the instance's own limit (a database built by other means): SQLite's sorter
    packs the key and the whole row into one record, over the limit, and the answer is a 400
    that says so, not a 500."""
    from tests.helpers import DatasetteClient

    sizes = guard.sizes
    set_longest(fresh_copy, "L" * sizes.MAX_TEXT_BYTES, "N" * sizes.MAX_TEXT_BYTES)
    client = DatasetteClient(fresh_copy)
    try:
        assert client.get("/longlist/rating_sets").status_code == 200
        for column in ("label", "note", "kind", "id"):
            for sort in ("_sort", "_sort_desc"):
                response = client.get(f"/longlist/rating_sets.json?{sort}={column}")
                assert response.status_code in (200, 400), (column, sort, response.text[:200])
                if response.status_code == 400:
                    assert "too long to sort by this column" in response.json()["error"]
        assert client.get("/longlist/rating_sets?_sort=label").status_code == 400
        assert client.get("/longlist/rating_sets?label__contains=" + "L" * 200).status_code == 200
        assert client.get("/longlist/rating_sets?_facet=label").status_code == 200
    finally:
        client.close()


def test_facet_links_are_bounded_by_their_weight():
    """Facets x values x query string stays under the bound: the honest largest passes, the
    amplified one and anything heavier are refused, whatever _facet_size says."""

    def weight_refused(query):
        try:
            guard.check({"type": "http", "method": "GET", "path": "/longlist/theories", "query_string": query.encode()})
        except guard.Refused as refused:
            return refused.status
        return None

    ten = "&".join(f"_facet=c{i}" for i in range(10))
    assert weight_refused(ten + "&_facet_size=max") is None  # every value of ten facets, a short URL
    assert weight_refused(ten + "&_facet_size=30&q=" + "x" * 5_000) is None
    assert weight_refused(AMPLIFIED) == 400
    assert weight_refused(ten + "&_facet_size=100000&q=" + "x" * 2_500) == 400  # counted as max
    assert weight_refused(ten + "&_facet_size=nonsense&q=" + "x" * 2_500) == 400
    assert guard.sizes.MAX_PAGE_ROWS == instance.SETTINGS["max_returned_rows"]


def test_the_check_alone():
    """The rules without a server: what passes, what is redirected, what is refused."""

    def scope(query, method="GET", path="/longlist/theories"):
        return {"type": "http", "method": method, "path": path, "query_string": query.encode("latin-1")}

    assert guard.check(scope("_facet=kind&_facet=credit&_sort=title")) is None
    assert guard.check(scope("")) is None
    with pytest.raises(guard.Refused) as refused:
        guard.check(scope("_facet=kind&title=a%20b&_facet=kind&title=a%20b"))
    assert refused.value.status == 302 and dict(refused.value.headers)[b"location"] == b"/longlist/theories?_facet=kind&title=a%20b"
    with pytest.raises(guard.Refused) as refused:
        guard.check(scope("", method="POST"))
    assert refused.value.status == 405
    with pytest.raises(guard.Refused) as refused:  # (uvicorn itself resets most requests this long)
        guard.check(scope("a=b&" * 40_000))
    assert (refused.value.status, refused.value.message) == (414, "the query string is 160,000 bytes; at most 150,000 are read")
    assert guard.MAX_QUERY_BYTES >= 3 * guard.sizes.MAX_SQL_BYTES  # a brought-in query of the longest SQL, percent-encoded, fits
