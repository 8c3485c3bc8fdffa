"""Fixtures only; the helpers they use, and which fixture to pick, are in tests/helpers.py."""

import json
import sqlite3
from pathlib import Path

import pytest

from scripts.build import build
from scripts.publishing import charts
from tests.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    DatasetteClient,
    Tab,
    copy_inputs,
    copy_project,
    quiet,
    read_csv,
    remember_svg,
    start_server,
    stop_server,
    tree_bytes,
)

# A test that uses one of these fixtures starts a Datasette process or a browser: it gets the
# marker by itself, so `make test-fast` can never start one by accident.
MARKED_FIXTURES = {"server": "server", "browser": "browser"}


def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, marker in MARKED_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """ONE fresh build of the repository's inputs in a temporary folder, shared by every test: read only."""
    project = copy_inputs(tmp_path_factory.mktemp("built"))
    build(project, progress=quiet)
    before = tree_bytes(project.root)
    yield project
    assert tree_bytes(project.root) == before, "a test changed the shared build: use fresh_copy for a copy to change"


@pytest.fixture(scope="module")
def db(built):
    """The shared build's database, rows as sqlite3.Row (read only)."""
    connection = sqlite3.connect(built.db_path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


@pytest.fixture
def fresh_copy(built, tmp_path):
    """A private copy of `built` (inputs and outputs, copied rather than rebuilt) that a test may break."""
    return copy_project(built.root, tmp_path / "project")


@pytest.fixture
def remembered_charts(monkeypatch):
    """vl-convert (most of a build's time) renders each distinct chart spec once per session.
    For tests about something other than drawing (bad inputs, faults); a spec holds the chart's
    data, so an equal spec is an equal SVG. The tests of the charts themselves render for real."""
    monkeypatch.setattr(charts, "render_svg", remember_svg(charts.render_svg))


@pytest.fixture(scope="session")
def raw():
    return REPO.raw_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def descriptor():
    return json.loads(REPO.package_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tables():
    """The committed CSV resources as lists of dicts of strings."""
    descriptor = json.loads(REPO.package_path.read_text(encoding="utf-8"))
    return {r["name"]: read_csv(REPO, r["name"]) for r in descriptor["resources"]}


@pytest.fixture(scope="session")
def client(built):
    """Datasette's own test client on `built` (no server process)."""
    client = DatasetteClient(built)
    yield client
    client.close()


# A real Datasette process and Debian's chromium (the marker hook above marks their users) ------


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    """The base URL of a Datasette process serving the session's build, one per test module."""
    process, base = start_server(built, tmp_path_factory.mktemp("server") / "datasette.log")
    try:
        yield base
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(browser, server):
    tab = Tab(browser, server)
    yield tab
    tab.context.close()
    tab.check()
