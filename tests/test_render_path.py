"""site/plugins/fast_render.py makes Datasette's render path cheaper without changing a page:
the tables and facet values it writes in Python are what Datasette's own `_table.html` and
`_facet_results.html` write, the absolute URLs are Datasette's, and a template name with no
template stays without one."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from jinja2 import DictLoader, Environment, TemplateNotFound

from tests.helpers import DatasetteClient, copy_project, plugin

# a filter with labels of foreign keys, facets (with labels, a selected value, cut short), a
# sort each way, sort links carrying a query string to escape, full-text search, a view, a
# generic row page, no rows, a second page
PAGES = [
    "/longlist/arguments?kind=claim",
    "/longlist/argument_targets?_facet=stance",
    "/longlist/argument_targets?_facet=stance&stance=supports&theory_number=9",
    "/longlist/comments?_facet_size=2",
    "/longlist/comments?_sort_desc=depth",
    "/longlist/comments?_sort=depth&_x=%3Cb%3E%26%22%27",
    "/longlist/arguments?_search=deception",
    "/longlist/theory_overview",
    "/longlist/arguments/a07",
    "/longlist/theories?number=999",
    "/longlist/theory_points?_size=5&_next=5",
]


class Structure(HTMLParser):
    """A page as its tags, attributes and words, whitespace between them aside."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.items.append((">", tag))

    def handle_data(self, data):
        words = " ".join(re.sub(r"Queries took [0-9.]+ms", "", data).split())  # the one part that varies
        if words:
            self.items.append(("text", words))


def structure(page):
    parser = Structure()
    parser.feed(page)
    return parser.items


@pytest.fixture(scope="module")
def with_and_without(built, tmp_path_factory):
    """The site, and the same site with Datasette's own _table.html and _facet_results.html."""
    plain = copy_project(built.root, tmp_path_factory.mktemp("plain") / "project")
    for name in ("_table.html", "_facet_results.html"):
        (plain.site_dir / "templates" / name).unlink()
    ours, datasettes = DatasetteClient(built), DatasetteClient(plain)
    yield ours, datasettes
    ours.close()
    datasettes.close()


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_the_page_datasettes_own_table_template_makes(with_and_without, path):
    ours, datasettes = with_and_without
    mine, its = ours.get(path), datasettes.get(path)
    assert mine.status_code == its.status_code == 200
    assert structure(mine.text) == structure(its.text)


def test_the_pages_compared_show_tables_with_rows_and_facets(with_and_without):
    ours, _ = with_and_without
    selected = ours.get("/longlist/argument_targets?_facet=stance&stance=supports&theory_number=9").text
    assert "&middot;" in selected and 'class="facet-truncated"' in ours.get("/longlist/comments?_facet_size=2").text
    cells = {path: ours.get(path).text.count("<td class=") for path in PAGES}
    assert cells.pop("/longlist/theories?number=999") == 0
    assert "0 records" in ours.get("/longlist/theories?number=999").text
    assert all(count > 0 for count in cells.values()), cells


def test_sort_links_keep_the_query_and_escape_it(client):
    page = client.get("/longlist/comments?_sort=depth&_x=%3Cb%3E%26%22%27").text
    assert 'href="/longlist/comments?_x=%3Cb%3E%26%22%27&amp;_sort_desc=depth"' in page  # the sorted column turns
    assert 'href="/longlist/comments?_x=%3Cb%3E%26%22%27&amp;_sort=position"' in page


def test_absolute_urls_are_the_ones_datasette_makes(client):
    from datasette.app import Datasette
    from datasette.utils.asgi import Request

    datasette = client.datasette
    assert getattr(datasette.absolute_url, "plain_path", False), "fast_render's startup hook did not run"
    request = Request.fake("/longlist/comments?_facet=depth&x=%3C%22")
    paths = [datasette.urls.path("/longlist/comments?depth=1&_facet=depth"), datasette.urls.table("longlist", "comments"), "/a b?c=d", "relative?x=1"]
    for path in paths:
        assert datasette.absolute_url(request, path) == Datasette.absolute_url(datasette, request, path)


def test_a_name_without_template_is_looked_for_once():
    fast_render = plugin("fast_render")
    asked = Counter()

    class Counting(DictLoader):
        def get_source(self, environment, template):
            asked[template] += 1
            return super().get_source(environment, template)

    loader = fast_render.RememberingLoader(Counting({"table.html": "the table"}))
    environment = Environment(loader=loader)
    for _ in range(3):
        with pytest.raises(TemplateNotFound):
            environment.get_template("table-longlist-theories.html")
        assert environment.get_template("table.html").render() == "the table"
    assert asked == {"table-longlist-theories.html": 1, "table.html": 1}
