"""The site in a real browser: Debian's chromium driven by Playwright, against an instance
started exactly as `python -m scripts serve` starts it (on a free port of 127.0.0.1).

Every page a test visits must answer 200, load every resource without an HTTP error, and log
no JavaScript error to the console.
"""

import hashlib
import json
import socket
import sqlite3
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from scripts.publishing import charts
from scripts.serve import instance
from tests.helpers import REPO, enough_to_draw, plottable, svg_marks

# chromium against a real Datasette process: left out of `make test-fast`
pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches out to the network or updates itself.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
QUERIES = sorted(yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))["databases"]["longlist"]["queries"])
CHARTED = charts.charted_queries(REPO)


def free_port():
    with socket.socket() as probe:
        probe.bind((instance.HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "datasette.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(instance.command(built, port), stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{instance.HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"datasette exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"datasette did not answer within 30s:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """A browser page that records every HTTP error and JavaScript error it meets."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(f"console error: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        self.page.on("response", lambda response: response.status >= 400 and self.problems.append(f"HTTP {response.status}: {response.url}"))

    def goto(self, path):
        response = self.page.goto(self.base + path)
        assert response.status == 200, f"{path} answered {response.status}"
        return response

    def check(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def tab(browser, server):
    tab = Tab(browser, server)
    yield tab
    tab.context.close()
    tab.check()


def fetch_json(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


def rows_on_page(page):
    return page.locator("table.rows-and-columns tbody tr")


def test_index_page_shows_title_licence_and_downloads(tab, built, descriptor):
    metadata = yaml.safe_load(built.metadata_path.read_text(encoding="utf-8"))
    tab.goto("/")
    page = tab.page
    assert page.locator("h1").inner_text() == metadata["title"]
    assert page.locator(f'a[href="{metadata["license_url"]}"]').first.is_visible()
    assert page.locator(f'a[href="{metadata["source_url"]}"]').first.is_visible()
    assert descriptor["version"] in page.locator(".metadata-description").inner_text()
    archive = built.build_dir / "downloads" / f"{descriptor['name']}-{descriptor['version']}.zip"
    assert page.locator("a.package-download").inner_text() == archive.name
    assert page.locator("code.package-sha256").inner_text() == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert page.locator("a.database-download").get_attribute("href") == "/longlist.db"
    assert page.locator(".table-download").count() == len(descriptor["resources"])
    tab.check()


def test_index_search_box_searches_all_the_text(tab):
    tab.goto("/")
    with tab.page.expect_navigation():
        tab.page.locator("form.front-door-search input[name=q]").fill("Goodharted")
        tab.page.locator("form.front-door-search input[name=q]").press("Enter")
    assert "/longlist/search_text?q=Goodharted" in tab.page.url
    ids = rows_on_page(tab.page).locator("td.col-id").all_inner_texts()
    assert {"9.1", "9.2"} <= {i.strip() for i in ids}
    tab.check()


def test_table_page_facets(tab, built):
    with sqlite3.connect(built.db_path) as db:
        variants = db.execute("select count(*) from theory_points where kind = 'variant'").fetchone()[0]
    tab.goto("/longlist/theory_points")
    facet = tab.page.locator(".facet-info[data-column=kind]")
    assert facet.is_visible()
    with tab.page.expect_navigation():
        facet.locator("a", has_text="variant").first.click()
    assert "kind=variant" in tab.page.url
    assert rows_on_page(tab.page).count() == variants > 0
    tab.check()


def test_table_page_searches(tab, built):
    with sqlite3.connect(built.db_path) as db:
        expected = {
            row[0] for row in db.execute("select c.id from comments_fts join comments c on c.rowid = comments_fts.rowid where comments_fts match 'reporter'")
        }
    tab.goto("/longlist/comments")
    search = tab.page.locator("input[name=_search]")
    with tab.page.expect_navigation():
        search.fill("reporter")
        search.press("Enter")
    assert "_search=reporter" in tab.page.url
    found = {text.strip() for text in rows_on_page(tab.page).locator("td.col-id").all_inner_texts()}
    assert found == expected and expected
    tab.check()


def test_every_saved_query_page_answers_with_its_rows(tab):
    for name in QUERIES:
        tab.goto(f"/longlist/{name}")
        expected = len(fetch_json(tab.base, f"/longlist/{name}.json?_shape=array"))
        assert rows_on_page(tab.page).count() == expected > 0, name
    tab.check()


def chart_svg(page):
    """The drawn chart as SVG, from Vega's own export (datasette-vega draws on a canvas; its
    "Save as SVG" action renders the same scene graph as SVG)."""
    page.wait_for_selector(".vega-embed canvas")
    link = page.locator('.vega-actions a[download="visualization.svg"]')
    link.dispatch_event("mousedown")
    page.wait_for_function("() => !document.querySelector('.vega-actions a[download=\"visualization.svg\"]').href.endsWith('#')")
    return page.evaluate("async url => await (await fetch(url)).text()", link.get_attribute("href"))


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_linked_chart_draws_a_mark_for_every_row(tab, query):
    tab.goto(f"/longlist/{query.name}")
    with tab.page.expect_navigation():
        tab.page.locator("a.chart-link").click()
    assert tab.page.url.endswith("#" + charts.fragment(query.chart))
    canvas = tab.page.locator(".vega-embed canvas")
    assert canvas.bounding_box()["width"] > 100 and canvas.bounding_box()["height"] > 50
    rows = fetch_json(tab.base, f"/longlist/{query.name}.json?_shape=array")
    assert svg_marks(chart_svg(tab.page)) == len(plottable(rows, query.chart))
    assert enough_to_draw(rows, query.chart), query.name
    tab.check()


def test_chart_links_on_the_index_page_open_drawn(tab):
    tab.goto("/")
    links = tab.page.locator("ul.start-with a[href*='#g.mark=']")
    assert links.count() >= 1
    with tab.page.expect_navigation():
        links.first.click()
    assert svg_marks(chart_svg(tab.page)) >= 2
    tab.check()


def test_zip_download_is_the_package(tab, built, descriptor, tmp_path):
    tab.goto("/")
    with tab.page.expect_download() as download_info:
        tab.page.locator("a.package-download").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert hashlib.sha256(data).hexdigest() == tab.page.locator("code.package-sha256").inner_text()
    folder = saved.name.removesuffix(".zip")
    with zipfile.ZipFile(saved) as archive:
        assert archive.read(f"{folder}/datapackage.json") == built.package_path.read_bytes()
        for resource in descriptor["resources"]:
            assert archive.read(f"{folder}/{resource['path']}") == (built.root / resource["path"]).read_bytes()
        assert archive.read(f"{folder}/data/raw/{built.raw_path.name}") == built.raw_path.read_bytes()
    tab.check()
