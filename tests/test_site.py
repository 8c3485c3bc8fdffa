"""The published site without a browser: saved queries, charts, the front door, robots,
cache headers and the publish command."""

import hashlib
import html
import re
import shlex
import sqlite3
import xml.etree.ElementTree as ET

import pytest
import yaml

from scripts.core.errors import BuildError
from scripts.pipeline.build import build
from scripts.publishing import charts, docs, queries
from scripts.serve import instance, publish
from tests.conftest import REPO, quiet

QUERY_FILES = queries.sql_files(REPO.root / "sql" / "queries")
SVG = "{http://www.w3.org/2000/svg}"


def svg_marks(svg_text):
    """Number of drawn marks (bars, points, line points) in a Vega SVG: the items of its
    role-mark groups; axes, grid and legends have other roles."""
    root = ET.fromstring(svg_text)
    return sum(len(list(group)) for group in root.iter(f"{SVG}g") if "role-mark" in group.get("class", "").split())


def plottable(rows, chart):
    return [row for row in rows if all(row.get(column) is not None for column in (chart.x, chart.y))]


def enough_to_draw(rows, chart):
    """A chart draws from at least two rows, unless nobody has given a score yet (the shipped
    data has only the group's rank order): then a chart of values derived from scores is
    honestly empty, every row lacking them."""
    from tests.conftest import REPO, read_csv

    if len(plottable(rows, chart)) >= 2:
        return True
    scored = any(r["score"] for r in read_csv(REPO, "ratings"))
    return not scored and bool(rows) and not plottable(rows, chart)


# Saved queries ---------------------------------------------------------------------------


def test_at_least_twelve_saved_queries_each_with_title_and_description():
    assert len(QUERY_FILES) >= 12
    for path in QUERY_FILES:
        header, sql = queries.read_sql(path)
        assert header.get("title") and header.get("description") and sql.strip(), path.name


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_declared_params_are_the_query_parameters(path):
    header, sql = queries.read_sql(path)
    used = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
    assert set(header.get("params", "").split()) == used, path.name


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_query_runs_with_its_defaults_and_with_odd_input(client, path):
    header, _ = queries.read_sql(path)
    assert client.get(f"/longlist/{path.stem}").status_code == 200
    for param in header.get("params", "").split():
        for value in ("", "%22", "abc", "-1", "x' or 1=1 --"):
            response = client.get(f"/longlist/{path.stem}.json?{param}={value}")
            assert response.status_code == 200, (param, value, response.text[:200])


def test_search_covers_every_full_text_table(built):
    with sqlite3.connect(built.db_path) as db:
        fts_tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%USING FTS%'")]
    search_sql = queries.read_sql(REPO.root / "sql" / "queries" / "search_text.sql")[1]
    assert fts_tables
    for table in fts_tables:
        assert f"{table} match" in search_sql, f"{table} is not searched by search_text.sql"


def test_search_finds_a_post_section(client):
    result = client.get("/longlist/search_text.json?_shape=objects&q=spreadsheet").json()["rows"]
    assert ("post section", "spreadsheet") in {(r["kind"], r["id"]) for r in result}


def test_comment_quotes_point_at_text_that_contains_the_quotation(client, built):
    rows = client.get("/longlist/comment_quotes.json?_shape=array").json()
    with sqlite3.connect(built.db_path) as db:
        quoting = db.execute("select count(*) from comments where quoted_text is not null").fetchone()[0]
        assert len(rows) == quoting
        for row in rows:
            kind, _, key = row["quotes_from"].rpartition(" ")
            passage = row["quoted_text"].removesuffix("...").rstrip()
            table, column, key_column = {
                "comment": ("comments", "body", "id"),
                "theory": ("theories", "description", "number"),
                "sub-point": ("theory_points", "text", "id"),
                "post section": ("post_sections", "text", "id"),
            }[kind]
            (text,) = db.execute(f"select {column} from {table} where {key_column} = ?", [key]).fetchone()
            assert passage in text, row["comment"]


def test_discussion_chart_counts_match_the_mentions_view(client):
    rows = client.get("/longlist/discussion_by_group_rank.json?_shape=array").json()
    mentions = client.get("/longlist/comment_theory_mentions.json?_shape=array&_size=max").json()
    for row in rows:
        comments = {m["comment_id"] for m in mentions if m["theory_number"] == row["number"]}
        assert row["comments"] == len(comments), row["theory"]
    assert [r["number"] for r in rows][:5] == [1, 4, 3, 6, 8]


# Charts ----------------------------------------------------------------------------------

CHARTED = charts.charted_queries(REPO)


def test_there_are_charts_and_each_links_from_its_description():
    metadata = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))
    queries = metadata["databases"]["longlist"]["queries"]
    assert len(CHARTED) >= 4
    for query in CHARTED:
        description_html = queries[query.name]["description_html"]
        assert html.escape(charts.href(query.name, query.chart)) in description_html


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_chart_labels_sort_in_the_query_order(client, query):
    """datasette-vega sorts ordinal labels alphabetically; the queries label so that this is
    the order they return."""
    rows = client.get(f"/longlist/{query.name}.json?_shape=array").json()
    for column, vega_type in ((query.chart.x, query.chart.x_type), (query.chart.y, query.chart.y_type)):
        if vega_type in ("ordinal", "nominal") and column:
            labels = list(dict.fromkeys(row[column] for row in rows))
            assert labels == sorted(labels), column


def test_fragment_is_what_datasette_vega_writes():
    chart = charts.parse("mark=bar x=a_b:ordinal y=n:quantitative color=kind", "f.sql", 3)
    assert charts.fragment(chart) == "g.mark=bar&g.x_column=a_b&g.x_type=ordinal&g.y_column=n&g.y_type=quantitative&g.color_column=kind"
    assert charts.fragment(charts.Chart("bar", "theory.label", "ordinal", "n/m", "quantitative-bin")) == (
        "g.mark=bar&g.x_column=theory.label&g.x_type=ordinal&g.y_column=n%2Fm&g.y_type=quantitative-bin"
    )


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("mark=pie x=a:ordinal y=b:quantitative", "mark 'pie' is not one of"),
        ("mark=bar x=a y=b:quantitative", "x='a': expected COLUMN:TYPE"),
        ("mark=bar x=a:ordinal", "y= is missing"),
        ("mark=bar x=a:ordinal y=b:number", "y='b:number': expected COLUMN:TYPE"),
        ("mark=bar x=a:ordinal y=b:quantitative colour=c", "expected KEY=VALUE"),
    ],
)
def test_bad_chart_lines_fail_clearly(text, complaint):
    with pytest.raises(BuildError) as failure:
        charts.parse(text, "sql/queries/q.sql", 3)
    assert str(failure.value).startswith("sql/queries/q.sql:3: chart: ")
    assert complaint in str(failure.value)


def test_a_chart_of_a_missing_column_fails_the_build_and_changes_nothing(fresh_copy):
    from tests.test_build import snapshot

    before = snapshot(fresh_copy)
    path = fresh_copy.root / "sql" / "queries" / "comment_lengths.sql"
    path.write_text(path.read_text(encoding="utf-8").replace("y=characters:", "y=letters:"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"sql/queries/comment_lengths.sql:3: chart: column 'letters' is not in the query's result"):
        build(fresh_copy, progress=quiet)
    assert snapshot(fresh_copy) == before


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_committed_chart_images_are_fresh_and_draw_every_row(built, query):
    relative = charts.CHART_DIR / f"{query.name}.svg"
    committed = (REPO.root / relative).read_text(encoding="utf-8")
    assert committed == (built.root / relative).read_text(encoding="utf-8"), f"{relative} is stale: run the build and commit it"
    with sqlite3.connect(built.db_path) as db:
        _, rows = charts.run_with_defaults(db, query.sql)
    assert svg_marks(committed) == len(plottable(rows, query.chart))
    assert enough_to_draw(rows, query.chart), query.name


def test_chart_images_do_not_depend_on_the_build_machine_fonts():
    assert charts.FONT.startswith("Liberation Sans")  # the font vl-convert bundles
    for query in CHARTED:
        svg = (REPO.root / charts.CHART_DIR / f"{query.name}.svg").read_text(encoding="utf-8")
        families = set(re.findall(r'font-family="([^"]*)"', svg))
        assert families == {charts.FONT}, query.name


def test_charts_page_shows_every_chart_image_that_exists():
    page = (REPO.root / docs.CHARTS_FILE).read_text(encoding="utf-8")
    for query in CHARTED:
        image = f"charts/{query.name}.svg"
        assert f"({image})" in page
        assert (REPO.root / docs.CHARTS_FILE).parent.joinpath(image).exists(), image


def test_stale_chart_images_are_removed(fresh_copy):
    stale = fresh_copy.root / charts.CHART_DIR / "no_such_query.svg"
    stale.write_text("<svg/>", encoding="utf-8")
    build(fresh_copy, progress=quiet)
    assert not stale.exists()
    assert sorted(p.name for p in (fresh_copy.root / charts.CHART_DIR).iterdir()) == sorted(f"{q.name}.svg" for q in CHARTED)


# Front door ------------------------------------------------------------------------------


def test_index_page_has_search_start_links_and_downloads_with_sha256(client, built, descriptor):
    page = client.get("/").text
    assert 'action="longlist/search_text"' in page
    instance = yaml.safe_load((REPO.site_dir / "instance.yml").read_text(encoding="utf-8"))
    for name in instance["start_with"]:
        assert f'href="longlist/{name}' in page
    archive = built.build_dir / "downloads" / f"{descriptor['name']}-{descriptor['version']}.zip"
    assert f'href="/downloads/{archive.name}"' in page
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in page
    assert 'href="/longlist.db"' in page
    for resource in descriptor["resources"]:
        assert f'href="/longlist/{resource["name"]}.csv?_stream=on"' in page
    assert f"Version <strong>{descriptor['version']}</strong>" in page


def test_database_page_has_the_same_downloads(client, descriptor):
    page = client.get("/longlist").text
    assert f"{descriptor['name']}-{descriptor['version']}.zip" in page and 'href="/longlist.db"' in page
    assert 'action="longlist/search_text"' in page


def test_downloads_are_served(client, built, descriptor):
    name = f"{descriptor['name']}-{descriptor['version']}.zip"
    response = client.get(f"/downloads/{name}")
    assert response.status_code == 200 and response.content == (built.build_dir / "downloads" / name).read_bytes()
    assert client.get("/longlist.db").content == built.db_path.read_bytes()
    assert client.get("/longlist/theories.csv?_stream=on").text.count("\n") == 21


def test_citation_hook_shows_on_index_and_database_pages(built):
    """metadata.yml's `citation_html` (top level for the index page, the database's for its
    page) appears under "How to cite"."""
    from tests.conftest import DatasetteClient

    metadata = yaml.safe_load(built.metadata_path.read_text(encoding="utf-8"))
    citation = "<pre>@misc{longlist, title = {hook test}}</pre>"
    metadata["citation_html"] = metadata["databases"]["longlist"]["citation_html"] = citation
    client = DatasetteClient(built, metadata)
    try:
        for path in ("/", "/longlist"):
            page = client.get(path).text
            assert "How to cite" in page and citation in page, path
    finally:
        client.close()


def test_start_with_names_must_be_saved_queries(fresh_copy):
    instance = fresh_copy.site_dir / "instance.yml"
    instance.write_text(instance.read_text(encoding="utf-8").replace("  - post_in_page_order", "  - no_such_query"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"site/instance.yml:\d+: start_with: 'no_such_query' is not a saved query"):
        build(fresh_copy, progress=quiet)


# Hosting ---------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_off_sql_and_variants(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /longlist?sql=", "Disallow: /-/", "Disallow: /*?_"} <= set(lines)
    assert "Disallow: /" not in lines, "the tables and saved queries should stay findable"


def test_pages_and_downloads_are_cacheable(client, descriptor):
    package = f"/downloads/{descriptor['name']}-{descriptor['version']}.zip"
    for path in ("/", "/longlist/theories", "/longlist/theories_by_group_rank.json", "/robots.txt", package, "/longlist.db"):
        assert client.get(path).headers["cache-control"] == f"max-age={instance.SETTINGS['default_cache_ttl']}", path


def test_serve_command_runs_immutable_with_the_site_and_every_setting(built):
    args = instance.command(built, 8123)
    assert args[args.index("--immutable") + 1] == str(built.db_path)
    assert args[args.index("--template-dir") + 1] == str(built.site_dir / "templates")
    assert args[args.index("--plugins-dir") + 1] == str(built.site_dir / "plugins")
    assert args[args.index("--static") + 1] == f"downloads:{built.build_dir / 'downloads'}"
    for name in ("sql_time_limit_ms", "max_returned_rows", "facet_time_limit_ms", "default_cache_ttl"):
        assert ["--setting", name, str(instance.SETTINGS[name])] == args[args.index(name) - 1 : args.index(name) + 2]


@pytest.mark.parametrize("platform", sorted(publish.PLATFORMS))
def test_publish_command_matches_serve(platform):
    args = publish.command(REPO, platform, "longlist")
    assert args[1:4] == ["publish", platform, "build/longlist.db"]
    assert instance.publish_site_options(REPO, path=REPO.rel) == args[4:12]
    assert instance.site_options(REPO, path=REPO.rel)[:2] == ["--inspect-file", "build/inspect-data.json"]  # publish's image makes its own
    extra = shlex.split(args[args.index("--extra-options") + 1])
    assert extra == instance.setting_options()
    installs = [args[i + 1] for i, a in enumerate(args) if a == "--install"]
    assert {"datasette-vega==0.6.2", "datasette-block-robots==1.1"} <= set(installs)
    assert args[-2:] == [publish.PLATFORMS[platform][0], "longlist"]


def test_publish_dry_run_prints_one_runnable_line():
    printed = []
    publish.publish(REPO, "cloudrun", "longlist", dry_run=True, print=printed.append)
    assert len(printed) == 1 and shlex.split(printed[0])[1:] == publish.command(REPO, "cloudrun", "longlist")[1:]
