"""The published site without a browser: saved queries, charts, the front door, robots,
cache headers and the publish command."""

import hashlib
import html
import re
import shlex
import sqlite3
import urllib.parse

import pytest
import yaml

from scripts.core.errors import BuildError
from scripts.pipeline.build import build
from scripts.publishing import charts, docs, queries
from scripts.serve import instance, publish
from tests.helpers import REPO, DatasetteClient, enough_to_draw, output_snapshot, plottable, quiet, svg_marks

QUERY_FILES = queries.sql_files(REPO.root / "sql" / "queries")

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


def chart_line(query_name):
    """The query file's own `-- chart:` line as {key: value}, read here without the code's parser."""
    text = (REPO.root / "sql" / "queries" / f"{query_name}.sql").read_text(encoding="utf-8")
    (line,) = re.findall(r"^-- chart: (.*)$", text, flags=re.MULTILINE)
    return dict(part.split("=", 1) for part in line.split())


def test_there_are_charts_and_each_links_from_its_description():
    """The link in each charted query's description opens the query with datasette-vega's
    fragment saying what the .sql file's chart line says."""
    metadata = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))
    saved = metadata["databases"]["longlist"]["queries"]
    charted = [name for name in sorted(saved) if re.search(r"^-- chart: ", (REPO.root / "sql" / "queries" / f"{name}.sql").read_text(encoding="utf-8"), re.M)]
    assert len(charted) >= 4 and charted == sorted(q.name for q in CHARTED)
    for name in charted:
        hrefs = re.findall(r'<a class="chart-link" href="([^"]*)"', saved[name]["description_html"])
        assert len(hrefs) == 1, name
        target, _, fragment = html.unescape(hrefs[0]).partition("#")
        assert target == f"{name}?_chart=1", name
        settings = dict(urllib.parse.parse_qsl(fragment))
        declared = chart_line(name)
        expected = {"g.mark": declared["mark"]}
        for axis in ("x", "y"):
            column, kind = declared[axis].split(":")
            expected |= {f"g.{axis}_column": column, f"g.{axis}_type": kind}
        expected |= {f"g.{key}_column": declared[key] for key in ("color", "size") if key in declared}
        assert settings == expected, name


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


@pytest.mark.slow  # the build runs as far as the charts
def test_a_chart_of_a_missing_column_fails_the_build_and_changes_nothing(fresh_copy, remembered_charts):
    before = output_snapshot(fresh_copy.root)
    path = fresh_copy.root / "sql" / "queries" / "comment_lengths.sql"
    path.write_text(path.read_text(encoding="utf-8").replace("y=characters:", "y=letters:"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"sql/queries/comment_lengths.sql:3: chart: column 'letters' is not in the query's result"):
        build(fresh_copy, progress=quiet)
    assert output_snapshot(fresh_copy.root) == before


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_committed_chart_images_are_fresh_and_draw_every_row(built, client, query):
    """Each image draws one mark per row the site's own page of the query shows (no parameters given)."""
    relative = charts.CHART_DIR / f"{query.name}.svg"
    committed = (REPO.root / relative).read_text(encoding="utf-8")
    assert committed == (built.root / relative).read_text(encoding="utf-8"), f"{relative} is stale: run the build and commit it"
    rows = client.get(f"/longlist/{query.name}.json?_shape=array&_size=max").json()
    assert svg_marks(committed) == len(plottable(rows, query.chart))
    assert enough_to_draw(rows, query.chart), query.name


def test_chart_images_name_one_font_family_and_no_machine_default(built):
    """Every text of every chart asks for the one family the chart spec sets (a font vl-convert
    bundles, so text is measured alike on every machine; that the images are then the same
    here as where they were committed is test_committed_chart_images_are_fresh_and_draw_every_row),
    and none falls back to the renderer's default family."""
    for query in CHARTED:
        svg = (built.root / charts.CHART_DIR / f"{query.name}.svg").read_text(encoding="utf-8")
        texts = re.findall(r"<text\b[^>]*>", svg)
        assert texts, query.name
        families = {re.search(r'font-family="([^"]*)"', text)[1] if "font-family" in text else None for text in texts}
        assert families == {charts.vegalite_spec(query, [])["config"]["font"]}, (query.name, families)


def test_charts_page_shows_every_chart_image_that_exists():
    page = (REPO.root / docs.CHARTS_FILE).read_text(encoding="utf-8")
    for query in CHARTED:
        image = f"charts/{query.name}.svg"
        assert f"({image})" in page
        assert (REPO.root / docs.CHARTS_FILE).parent.joinpath(image).exists(), image


@pytest.mark.slow
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


@pytest.mark.slow
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


def option_values(args, option):
    return [args[i + 1] for i, a in enumerate(args) if a == option]


def setting_triples(args):
    return [args[i : i + 3] for i, a in enumerate(args) if a == "--setting"]


@pytest.mark.parametrize("platform", sorted(publish.PLATFORMS))
def test_publish_command_matches_serve(platform):
    """What `datasette publish` is told equals what `serve` runs with: the same database, site
    files (as paths relative to the project) and settings, and the pinned Datasette plugins."""
    served = instance.command(REPO, 8123)
    args = publish.command(REPO, platform, "longlist")
    assert args[1:4] == ["publish", platform, "build/longlist.db"]
    assert served[served.index("--immutable") + 1] == str(REPO.root / args[3])
    for option in ("--metadata", "--template-dir", "--plugins-dir"):
        (relative,) = option_values(args, option)
        assert not relative.startswith("/") and option_values(served, option) == [str(REPO.root / relative)], option
    (static,) = option_values(args, "--static")
    mount, _, folder = static.partition(":")
    assert option_values(served, "--static") == [f"{mount}:{REPO.root / folder}"]
    extra = shlex.split(args[args.index("--extra-options") + 1])
    assert setting_triples(extra) == setting_triples(served) and len(extra) == 3 * len(setting_triples(served)) > 0
    lock = (REPO.root / "requirements.lock").read_text(encoding="utf-8").split()
    assert {"datasette-vega==0.6.2", "datasette-block-robots==1.1"} <= set(option_values(args, "--install")) <= set(lock)
    assert args[-2:] == [publish.PLATFORMS[platform][0], "longlist"]


def test_publish_dry_run_prints_one_runnable_line():
    printed = []
    publish.publish(REPO, "cloudrun", "longlist", dry_run=True, print=printed.append)
    assert len(printed) == 1 and shlex.split(printed[0])[1:] == publish.command(REPO, "cloudrun", "longlist")[1:]
