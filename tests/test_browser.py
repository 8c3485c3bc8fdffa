"""The site in a real browser: Debian's chromium driven by Playwright, against an instance
started exactly as `python -m scripts serve` starts it (on a free port of 127.0.0.1).

Every page a test visits must answer 200, load every resource without an HTTP error, and log
no JavaScript error to the console.
"""

import hashlib
import json
import sqlite3
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from scripts.build import built_zip_name
from scripts.publishing import charts
from tests.helpers import REPO, Tab, enough_to_draw, fetch_json, plottable, svg_marks

# chromium against a real Datasette process: left out of `make test-fast`
pytestmark = [pytest.mark.browser, pytest.mark.server]

QUERIES = sorted(yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))["databases"]["longlist"]["queries"])
CHARTED = charts.charted_queries(REPO)


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
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
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
    """The live chart as SVG: site/static/chart.js draws it with Vega's SVG renderer, inline."""
    page.wait_for_selector("#chart .chart-area[data-drawn] svg.marks")
    return page.evaluate("() => new XMLSerializer().serializeToString(document.querySelector('#chart .chart-area svg.marks'))")


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_query_page_draws_a_mark_for_every_row_or_says_why_not(tab, query):
    rows = fetch_json(tab.base, f"/longlist/{query.name}.json?_shape=array")
    tab.goto(f"/longlist/{query.name}")
    if charts.draws_nothing(rows, query.chart):  # nothing to draw: the page says why instead of linking to empty axes
        assert tab.page.locator("a.chart-link").count() == 0 and tab.page.locator("#chart").count() == 0
        assert query.empty_reason and query.empty_reason in tab.page.locator("p.chart-empty").inner_text()
        tab.check()
        return
    assert tab.page.locator("a.chart-link").get_attribute("href").endswith("#chart")
    svg = chart_svg(tab.page)
    box = tab.page.locator("#chart .chart-area svg.marks").bounding_box()
    assert box["width"] > 300 and box["height"] > 50
    assert svg_marks(svg) == len(plottable(rows, query.chart))
    assert enough_to_draw(rows, query.chart, query.empty_reason), query.name
    tab.check()


def test_a_live_chart_draws_long_text_cut(tab):
    """Issue 20: chart text is cut for display in the images; the live chart cuts it too (its
    rows come from the page's query: here one label is made 24,000 characters long)."""
    import json as json_module
    import re

    from scripts.core import sizes

    rows = fetch_json(tab.base, "/longlist/arguments_per_theory.json?_shape=array")
    long_label = "T" * 24_000
    rows[0]["theory"] = long_label

    def long_rows(route):
        route.fulfill(status=200, content_type="application/json", body=json_module.dumps(rows))

    tab.page.route(re.compile(r".*/arguments_per_theory\.json.*"), long_rows)
    tab.goto("/longlist/arguments_per_theory")
    svg = chart_svg(tab.page)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    cut = [t for t in texts if t.startswith("TTT")]
    assert cut and all(t == "T" * (sizes.CHART_TEXT_CHARS - 1) + "…" for t in cut), cut[:1]
    assert max(len(t) for t in texts) <= sizes.CHART_TEXT_CHARS and len(svg) < 200_000
    tab.check()


def test_chart_links_on_the_index_page_open_drawn(tab):
    tab.goto("/")
    links = tab.page.locator("ul.start-with a[href$='#chart']")
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
    with zipfile.ZipFile(saved) as archive:  # flat: the package at the root of the archive
        assert archive.read("datapackage.json") == built.package_path.read_bytes()
        for resource in descriptor["resources"]:
            assert archive.read(resource["path"]) == (built.root / resource["path"]).read_bytes()
        assert archive.read(f"data/raw/{built.raw_path.name}") == built.raw_path.read_bytes()
    tab.check()


ARGUMENT_MAP_PAGES = {
    # page: words a reader needs to see there
    "/longlist/annotation_agreement_figures": [
        *("first-vs-second", "cohen_kappa", "stance"),
        *("map-0.2.0-vs-longlist-thread-2026-12", "krippendorff_alpha", "ci_low"),
        *("critique-first-vs-second", "critique-published-vs-reading"),
    ],
    "/longlist/adjudication_log": [
        *("qualifies + supports", "second", "c01", "unmatched", "published_now", "a03/r03"),
        *("critique-first-vs-second", "critique_type", "ca09", "k24/r37"),
    ],
    "/longlist/comments_mentioning?mention=elk": ["c01", "c10", "c14"],
    "/longlist/theory_relations_stated": ["Similar to auditing", "overlaps_with", "Cultural shift 2"],
    "/longlist/arguments_per_theory": ["writers_stated", "03 Auditing"],
    "/longlist/theory_argument_summary": ["own_supports", "comments_supporting"],
}


@pytest.mark.parametrize("width", [390, 1280])
def test_argument_map_pages_read_at_phone_and_desktop_width(browser, server, width):
    """The pages of the second-annotator work: agreement figures, adjudication log, mentions and
    theory relations, and the per-theory counts, readable without sideways scrolling."""
    shots = Path("/tmp/shots-12")
    shots.mkdir(exist_ok=True)
    tab = Tab(browser, server)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        for path, words in ARGUMENT_MAP_PAGES.items():
            tab.goto(path)
            text = tab.page.locator("body").inner_text()
            for word in words:
                assert word in text, (path, word)
            assert rows_on_page(tab.page).count() > 0, path
            # Datasette lists a saved query's SQL in a <pre> that never wraps, which alone is wider
            # than a phone (a template matter, left to the site's templates); everything else fits.
            wrapped = "() => { document.querySelectorAll('form.sql pre').forEach(p => p.style.whiteSpace = 'pre-wrap'); "
            wrapped += "return document.documentElement.scrollWidth }"
            assert tab.page.evaluate(wrapped) <= width, path
            for link in tab.page.locator("table.rows-and-columns a[href^='/']").all()[:5]:
                href = link.get_attribute("href")
                assert urllib.request.urlopen(server + href, timeout=10).status == 200, href
            name = path.split("/")[-1].split("?")[0]
            tab.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        tab.check()
    finally:
        tab.context.close()


# Table pages no proxy cache holds in advance (a filter, a facet, a sort), as Datasette renders them
UNKNOWN_TABLE_PAGES = {
    # page: (the column it is sorted by or None, words a reader needs to see)
    "/longlist/arguments?kind=claim": (None, ["claim", "a0"]),
    "/longlist/argument_targets?_facet=stance": (None, ["stance", "supports"]),
    "/longlist/comments?_sort_desc=depth": ("depth", ["c0", "parent_id"]),
}


@pytest.mark.parametrize("width", [390, 1280])
def test_fresh_table_pages_read_sort_and_link_at_phone_and_desktop_width(browser, server, width, built):
    shots = Path("/tmp/shots-15")
    shots.mkdir(exist_ok=True)
    tab = Tab(browser, server)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        for path, (sorted_by, words) in UNKNOWN_TABLE_PAGES.items():
            tab.goto(path)
            text = tab.page.locator("body").inner_text()
            assert all(word in text for word in words), path
            assert rows_on_page(tab.page).count() > 0, path
            assert tab.page.evaluate("() => document.documentElement.scrollWidth") <= width, path
            for link in tab.page.locator("table.rows-and-columns a[href^='/']").all()[:8]:  # row, label and id links
                href = link.get_attribute("href")
                assert urllib.request.urlopen(server + href, timeout=10).status == 200, href
            name = path.split("/")[-1].split("?")[0]
            tab.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
            if sorted_by:  # the sorted column says so, and its link turns the order
                header = tab.page.locator(f"th[data-column={sorted_by}] a")
                assert "▲" in header.inner_text()
        # a column's sort link, where Datasette's own would lead: rows sorted by it
        tab.goto("/longlist/comments?_sort_desc=depth")
        with sqlite3.connect(built.db_path) as db:
            expected = [row[0] for row in db.execute("select id from comments order by position limit 3")]
        link = tab.page.locator("th[data-column=position] a")
        href = link.get_attribute("href")
        assert href == "/longlist/comments?_sort=position"
        tab.goto(href)
        assert rows_on_page(tab.page).locator("td.col-id").all_inner_texts()[:3] == expected
        if width == 1280:  # Datasette's column menu (table.js) reads its column from the markup
            tab.page.locator("th[data-column=position] .dropdown-menu-icon").click()
            menu = tab.page.locator("body > .dropdown-menu")
            assert menu.is_visible() and "Sort descending" in menu.inner_text() and "Sort ascending" not in menu.inner_text()
            assert "INTEGER NOT NULL" in menu.locator(".dropdown-column-type").inner_text()  # position is required
        tab.check()
    finally:
        tab.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_index_page_links_the_package_metadata_for_tools_and_hubs(browser, server, width):
    """The downloads name datapackage.json and croissant.json, both answering with the served
    package's own files, and the list fits a phone's width."""
    shots = Path("/tmp/metadata-shots")
    shots.mkdir(exist_ok=True)
    tab = Tab(browser, server)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/")
        croissant_link = tab.page.locator("a.croissant-download")
        descriptor_link = tab.page.locator("a.package-descriptor")
        assert croissant_link.is_visible() and descriptor_link.is_visible()
        assert croissant_link.inner_text() == "croissant.json" and "Responsible-AI" in tab.page.locator(".front-door-downloads").inner_text()
        with urllib.request.urlopen(server + croissant_link.get_attribute("href"), timeout=10) as response:
            document = json.loads(response.read())
        assert document["conformsTo"] == "http://mlcommons.org/croissant/1.1" and document["recordSet"]
        with urllib.request.urlopen(server + descriptor_link.get_attribute("href"), timeout=10) as response:
            assert json.loads(response.read())["resources"]
        with urllib.request.urlopen(server + tab.page.locator("a.database-download").get_attribute("href"), timeout=10) as response:
            assert response.headers["content-type"] == "application/vnd.sqlite3", "the running server types the database download too"
        csv_links = tab.page.locator(".table-download a", has_text="CSV")
        assert csv_links.count() > 20
        for href in (csv_links.nth(i).get_attribute("href") for i in range(csv_links.count())):
            with urllib.request.urlopen(server + href, timeout=10) as response:  # the package's own file, every row
                assert response.headers["content-type"].startswith("text/csv") and response.read() == (REPO.root / href.removeprefix("/package/")).read_bytes()
        assert tab.page.evaluate("() => document.documentElement.scrollWidth") <= width
        tab.page.locator(".front-door-downloads").screenshot(path=str(shots / f"index-downloads-{width}.png"))
        tab.page.screenshot(path=str(shots / f"index-{width}.png"), full_page=True)
        tab.check()
    finally:
        tab.context.close()
