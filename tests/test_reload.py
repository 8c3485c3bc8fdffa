"""After a build, a running `serve` of the same checkout serves the new database: the build sends
gunicorn SIGHUP (scripts/serve/reload.py), which starts fresh workers on the new files."""

import json
import shutil
import time

import pytest

from scripts.build import build
from scripts.serve import instance
from tests.helpers import REPO, get, start_server, stop_server

pytestmark = [pytest.mark.server, pytest.mark.slow]


def rating_sets(base):
    return json.loads(get(base + "/longlist/rating_sets.json?_shape=array")[2])


def test_a_build_reloads_the_running_server(fresh_copy, remembered_charts, tmp_path):
    process, base = start_server(fresh_copy, tmp_path / "serve.log", workers=1)
    try:
        before = rating_sets(base)
        shutil.copy(REPO.root / "tests" / "fixtures" / "ratings" / "fixture-rater-a.csv", fresh_copy.contrib_ratings_dir / "fixture-rater-a.csv")
        said = []
        build(fresh_copy, progress=said.append)
        assert any(f"port {base.rsplit(':', 1)[1]}" in line and "fresh workers on the new database" in line for line in said), said
        deadline = time.monotonic() + 30
        while len(rating_sets(base)) == len(before):
            assert time.monotonic() < deadline, "the server still serves the old database"
            time.sleep(0.3)
        assert len(rating_sets(base)) == len(before) + 1
        assert process.poll() is None  # the same server, with fresh workers
    finally:
        stop_server(process)
    assert not instance.pid_path(fresh_copy, int(base.rsplit(":", 1)[1])).exists()  # gunicorn removes its file when it stops


def test_a_build_with_no_server_running_says_nothing_about_one(fresh_copy, remembered_charts):
    said = []
    build(fresh_copy, progress=said.append)
    assert not [line for line in said if "server" in line]
