"""deploy/nginx-longlist.conf in front of the instance as `serve` runs it: once `longlist warm`
has asked for them, the canonical pages come from the proxy cache, the same bytes the instance
renders; a request's own SQL and personal requests never do."""

import gzip
import time

import pytest

from scripts.serve import warm
from tests.helpers import free_port, get, nginx, start_proxy, start_server, stop_server, without_timing

pytestmark = [pytest.mark.server, pytest.mark.skipif(nginx() is None, reason="nginx is not installed (apt-get install -y nginx-light)")]


@pytest.fixture(scope="module")
def proxied(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxy")
    process, base = start_server(built, folder / "serve.log", workers=1)
    port = free_port()
    nginx = start_proxy(folder / "nginx", f"127.0.0.1:{port}", base.removeprefix("http://"))
    front = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if get(front + "/-/versions.json", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline and nginx.poll() is None, (folder / "nginx" / "error.log").read_text(errors="replace")
        time.sleep(0.2)
    try:
        yield front, base
    finally:
        nginx.terminate()
        nginx.wait(10)
        stop_server(process)


def test_canonical_pages_come_from_the_proxy_cache_after_warm(proxied, built):
    front, base = proxied
    assert warm.warm(built, front + "/", say=lambda line: None) == []
    paths = warm.pages(built, front)
    expected = {"/", "/longlist", "/longlist/theories", "/longlist/theories/9", "/thread", "/longlist/theories_by_group_rank"}
    assert expected | {"/package/data/theories.csv"} <= set(paths)
    for path in paths:
        status, headers, body = get(front + path)
        assert (status, headers["x-cache-status"]) == (200, "HIT"), path
    for path in ("/", "/longlist/theories", "/longlist/theories/9", "/thread"):  # what the instance itself renders
        assert without_timing(get(front + path)[2]) == without_timing(get(base + path, headers={"Host": front.removeprefix("http://")})[2]), path


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/longlist.json?sql=select+random()", {}),
        ("/longlist/theories?_where=number%3C3", {}),
        ("/longlist/theories", {"Cookie": "ds_actor=someone"}),
        ("/longlist/theories", {"Cookie": "theme=dark; ds_csrftoken=x"}),
        ("/longlist/theories", {"Authorization": "Bearer x"}),
    ],
)
def test_own_sql_and_personal_requests_never_come_from_the_cache(proxied, path, headers):
    front, _ = proxied
    get(front + path.split("?")[0])  # the page itself may well be kept
    for _ in range(2):
        status, answer, _ = get(front + path, headers)
        assert status == 200 and answer["x-cache-status"] in ("MISS", "BYPASS", "EXPIRED"), (path, answer["x-cache-status"])


def test_a_page_nobody_asked_for_is_kept_after_its_first_answer(proxied):
    front, _ = proxied
    path = "/longlist/arguments?kind=claim&_sort=id"
    assert [get(front + path)[1]["x-cache-status"] for _ in range(2)] == ["MISS", "HIT"]


def test_one_kept_copy_serves_every_client_compressed_or_not(proxied):
    front, _ = proxied
    path = "/longlist/theories/9"
    get(front + path)
    answers = [get(front + path, headers) for headers in ({}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip, deflate, br"})]
    assert [headers["x-cache-status"] for _, headers, _ in answers] == ["HIT"] * 3
    assert "content-encoding" not in answers[0][1] and answers[1][1]["content-encoding"] == "gzip"
    assert gzip.decompress(answers[1][2]) == answers[0][2]


def test_one_client_s_brought_in_sql_is_limited_and_pages_are_not(proxied):
    """Issue 20, item 7: the proxy shares ?sql= between client addresses (limit_req and
    limit_conn per address); a client sending thirty at once gets 429 for most, pages still answer."""
    import concurrent.futures

    front, _ = proxied
    slow = "/longlist.json?sql=" + "with+recursive+c(x)+as+(select+1+union+all+select+x%2B1+from+c)+select+count(*)+from+c"
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda i: get(f"{front}{slow}+--{i}", timeout=30)[0], range(30)))
    assert statuses.count(429) >= 20 and set(statuses) <= {200, 400, 429}
    assert all(get(front + path)[0] == 200 for path in ("/longlist/theories", "/longlist/theories?_sort=title&_size=3"))
