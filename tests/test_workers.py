"""The site served by several worker processes (scripts/serve/workers.py): every worker warms
its cache before /-/warm says done, connections reach every worker, a cookie signed by one is
valid in the others, a worker that stops is replaced, and the launcher fails clearly or stops
cleanly."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

from scripts.serve import instance, workers
from tests.helpers import free_port, get, start_server, stop_server

WORKERS = 2


def warm_status(base):
    return json.loads(get(base + "/-/warm")[2])


def wait_until_warm(base, seconds=60, without=()):
    """/-/warm once every worker is done (and none of the pids `without` is among them)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = warm_status(base)
            if status["state"] == "done" and not {w["pid"] for w in status["workers"]} & set(without):
                return status
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the workers were not all warm within {seconds}s")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


SECRET = "a secret the test knows"


@pytest.fixture(scope="module")
def several(built, tmp_path_factory):
    log = tmp_path_factory.mktemp("workers") / "server.log"
    os.environ["DATASETTE_SECRET"] = SECRET  # as a deployment sets it; else the launcher makes one for all its workers
    try:
        process, base = start_server(built, log, workers=WORKERS)
    finally:
        del os.environ["DATASETTE_SECRET"]
    try:
        yield process, base, wait_until_warm(base), log
    finally:
        stop_server(process)


def on_each_worker(base, then):
    """{worker pid: the answer to `then` (method, path, headers), asked on a connection that
    worker holds}, for every worker: one connection after another, until each was met."""
    url = urllib.parse.urlsplit(base)
    expected = {w["pid"] for w in warm_status(base)["workers"]}
    answers = {}
    for _ in range(200):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request("GET", "/-/warm")
            pid = json.loads(connection.getresponse().read())["worker"]["pid"]
            method, path, *headers = then
            connection.request(method, path, headers=headers[0] if headers else {})  # the same connection: the same worker
            response = connection.getresponse()
            answers[pid] = (response.status, response.read())
        finally:
            connection.close()
        if set(answers) == expected:
            return answers
    pytest.fail(f"new connections reached only workers {sorted(answers)} of {sorted(expected)}")


@pytest.mark.server
def test_warm_means_every_worker_is_warm(several):
    _, base, status, _ = several
    assert len({w["pid"] for w in status["workers"]}) == WORKERS and all(w["state"] == "done" for w in status["workers"])
    assert len({w["pages"] for w in status["workers"]}) == 1 and status["pages"] > 200
    # so a canonical page is served from the cache by each worker
    for path in ["/", "/longlist/theories", "/longlist/theories/9", "/longlist/theories_by_group_rank"]:
        answers = on_each_worker(base, ("HEAD", path))
        assert {status for status, _ in answers.values()} == {200}, path
    for path in ["/", "/longlist/theories", "/longlist/theories/9"]:
        code, headers, _ = get(base + path)
        assert (code, headers.get("x-longlist-cache")) == (200, "HIT"), path


@pytest.mark.server
def test_new_connections_reach_every_worker(several):
    """The kernel spreads connections over the workers' sockets (SO_REUSEPORT): forty new
    connections in a row do not all land on one worker."""
    _, base, status, _ = several
    answered = [warm_status(base)["worker"]["pid"] for _ in range(40)]
    assert set(answered) == {w["pid"] for w in status["workers"]}


@pytest.mark.server
def test_a_cookie_signed_by_one_worker_is_valid_in_the_others(several):
    """The workers share one secret: an actor cookie signed with it is read by each worker."""
    from itsdangerous import URLSafeSerializer

    _, base, _, _ = several
    cookie = URLSafeSerializer(SECRET, "actor").dumps({"a": {"id": "reader"}})
    answers = on_each_worker(base, ("GET", "/-/actor.json", {"Cookie": f"ds_actor={cookie}"}))
    assert len(answers) == WORKERS
    for status, body in answers.values():
        assert status == 200 and json.loads(body) == {"actor": {"id": "reader"}}


@pytest.mark.server
def test_a_worker_that_stops_is_replaced(built, tmp_path):
    process, base = start_server(built, tmp_path / "server.log", workers=WORKERS)
    try:
        status = wait_until_warm(base)
        time.sleep(workers.START_GRACE_S + 0.5)  # past the start, where a stop means a broken start
        killed = status["workers"][0]["pid"]
        os.kill(killed, signal.SIGKILL)
        replaced = wait_until_warm(base, without=[killed])
        assert len(replaced["workers"]) == WORKERS and process.poll() is None
        assert "starting another" in (tmp_path / "server.log").read_text()
        assert all(get(base + "/longlist/theories")[0] == 200 for _ in range(6))
    finally:
        stop_server(process)


@pytest.mark.server
def test_stopping_the_launcher_stops_every_worker_and_frees_the_port(built, tmp_path):
    process, base = start_server(built, tmp_path / "server.log", workers=WORKERS)
    pids = [w["pid"] for w in wait_until_warm(base)["workers"]]
    stop_server(process)
    assert process.returncode == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(ConnectionRefusedError):  # nothing listens any more
        socket.create_connection((instance.HOST, urllib.parse.urlsplit(base).port), timeout=5).close()


@pytest.mark.server
def test_a_port_in_use_stops_the_launcher_with_the_reason(built):
    """Even a port held by another server's SO_REUSEPORT workers: two `serve` never share a port."""
    port = free_port()
    for reuse_port in (False, True):
        with socket.socket() as holder:
            if reuse_port:
                holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            holder.bind((instance.HOST, port))
            holder.listen()
            done = subprocess.run(instance.command(built, port, workers=WORKERS), capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert f"cannot listen on {instance.HOST}:{port}: Address already in use" in done.stderr


@pytest.mark.server
def test_a_worker_that_cannot_start_stops_the_launcher(fresh_copy, tmp_path):
    (fresh_copy.site_dir / "plugins" / "broken.py").write_text("raise RuntimeError('a plugin that cannot load')\n", encoding="utf-8")
    done = subprocess.run(instance.command(fresh_copy, free_port(), workers=WORKERS), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "a plugin that cannot load" in done.stderr and "stopped at start" in done.stderr


def test_the_launcher_refuses_bad_arguments_as_datasette_serve_does(built):
    args = [sys.executable, "-m", "scripts.serve.workers", "--workers", "0", "--", *instance.serve_arguments(built, free_port())]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "--workers must be at least 1, got 0" in done.stderr
    args = [sys.executable, "-m", "scripts.serve.workers", "--", "--setting", "no_such_setting", "1"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: datasette serve: Invalid value for '--setting': no_such_setting is not a valid option (--help-settings to see all)"


def test_one_worker_per_core_by_default(built):
    args = instance.command(built, 8123)
    assert args[args.index("--workers") + 1] == str(min(workers.cores(), workers.MAX_DEFAULT_WORKERS))
    assert args[args.index("--") + 1 :] == instance.serve_arguments(built, 8123)
