"""The serving process as `make serve` runs it (scripts/serve/instance.py `command`): workers
killed in quick succession are replaced and the server goes on answering, and no other
process can bind its port to take a share of its connections (issue 20, item 9)."""

import errno
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from scripts.serve import instance
from tests.helpers import free_port

pytestmark = pytest.mark.server


def answers(base):
    try:
        with urllib.request.urlopen(base + "/longlist/theories/9", timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def workers(master):
    children = set()
    for task in os.listdir(f"/proc/{master}/task"):
        with open(f"/proc/{master}/task/{task}/children") as listed:
            children.update(int(pid) for pid in listed.read().split())
    return sorted(children)


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.fixture(scope="module")
def serving(built, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(instance.command(built, port, workers=2), stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(base) or process.poll() is not None)
    assert process.poll() is None, log.read_text(errors="replace")
    yield process, port, base
    process.terminate()
    process.wait(15)


def test_workers_killed_twice_in_a_second_are_replaced(serving):
    """Killing a worker twice within 1.5 s stopped the whole hand-written server; gunicorn
    replaces each worker and keeps serving."""
    process, _, base = serving
    wait_until(lambda: len(workers(process.pid)) == 2)
    first = workers(process.pid)[0]
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: first not in workers(process.pid) and len(workers(process.pid)) >= 1, 5)
    os.kill(workers(process.pid)[0], signal.SIGKILL)  # the other (or the new) one, at once
    wait_until(lambda: answers(base))
    assert process.poll() is None
    wait_until(lambda: len(workers(process.pid)) == 2)
    assert all(answers(base) for _ in range(5))


def test_another_process_cannot_bind_the_port(serving):
    """With SO_REUSEPORT on the listening socket, a same-user process bound the same port with
    the option and took a third of new connections; without it, its bind fails."""
    _, port, base = serving
    intruder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        with pytest.raises(OSError) as refused:
            intruder.bind(("127.0.0.1", port))
        assert refused.value.errno == errno.EADDRINUSE
    finally:
        intruder.close()
    assert answers(base)
