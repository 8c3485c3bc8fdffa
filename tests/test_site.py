"""The published site without a browser: saved queries, charts, the front door, robots,
cache headers and the publish command."""

import hashlib
import html
import json
import re
import shlex
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from scripts.build import build, built_zip_name
from scripts.core.errors import BuildError
from scripts.publishing import charts, docs, palette, queries
from scripts.serve import instance, publish
from tests.helpers import REPO, SVG, DatasetteClient, enough_to_draw, output_snapshot, plottable, quiet, svg_marks

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


def test_discussion_counts_agree_everywhere(client):
    """The chart's query, the per-theory query and the overview view all count the comments
    of the one view theory_discussion."""
    rows = client.get("/longlist/discussion_by_group_rank.json?_shape=array").json()
    mentions = client.get("/longlist/theory_discussion.json?_shape=array&_size=max").json()
    overview = {r["number"]: r for r in client.get("/longlist/theory_overview.json?_shape=array&_size=max").json()}
    for row in rows:
        comments = {m["comment_id"] for m in mentions if m["theory_number"] == row["number"]}
        assert row["comments"] == len(comments) == overview[row["number"]]["discussing_comments"], row["theory"]
        on_page = client.get(f"/longlist/comments_on_a_theory.json?_shape=array&number={row['number']}").json()
        assert {r["id"] for r in on_page if r["part"] != "theory"} == comments, row["theory"]
    assert [r["number"] for r in rows][:5] == [1, 4, 3, 6, 8]


# Charts ----------------------------------------------------------------------------------

CHARTED = charts.charted_queries(REPO)


def test_there_are_charts_and_each_links_from_its_description_or_says_why_not(built):
    metadata = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))
    queries = metadata["databases"]["longlist"]["queries"]
    assert len(CHARTED) >= 4
    with sqlite3.connect(built.db_path) as db:
        for query in CHARTED:
            description_html = queries[query.name]["description_html"]
            _, rows = charts.run_with_defaults(db, query.sql)
            if not charts.draws_nothing(rows, query.chart):
                assert html.escape(charts.href(query.name, query.chart)) in description_html
            else:  # nothing to draw: the reason, in words, and no link to empty axes
                assert "chart-link" not in description_html, query.name
                assert html.escape(query.empty_reason) in description_html and query.empty_reason, query.name


@pytest.mark.parametrize("query", CHARTED, ids=lambda q: q.name)
def test_chart_labels_sort_in_the_query_order(client, query):
    """Vega-Lite sorts ordinal labels alphabetically; the queries label so that this is
    the order they return."""
    rows = client.get(f"/longlist/{query.name}.json?_shape=array").json()
    for column, vega_type in ((query.chart.x, query.chart.x_type), (query.chart.y, query.chart.y_type)):
        if vega_type in ("ordinal", "nominal") and column:
            labels = list(dict.fromkeys(row[column] for row in rows))
            assert labels == sorted(labels), column


def test_chart_links_lead_to_the_chart_on_the_query_page():
    chart = charts.parse("mark=bar x=a_b:ordinal y=n:quantitative color=kind", "f.sql", 3)
    assert charts.href("q", chart) == "q#chart" and charts.href("q", chart, "db") == "db/q#chart"


def test_fixed_scale_and_stance_palette_in_the_spec():
    chart = charts.parse("mark=circle x=mean_score:quantitative y=theory:ordinal scale=0:10", "f.sql", 3)
    query = charts.ChartedQuery("q", "Mean score per theory", chart, "", Path("q.sql"), 3)
    spec = charts.chart_spec(query, [{"mean_score": 7.5, "theory": "03 Auditing"}])
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 10]
    assert spec["encoding"]["x"]["axis"]["labelLimit"] == 0 and spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    stances = charts.Chart("bar", "n", "quantitative", "theory", "ordinal", "stance")
    rows = [{"n": 1, "theory": "03 Auditing", "stance": s} for s in ("questions", "opposes", "supports")]
    colour = charts.chart_spec(charts.ChartedQuery("q", "t", stances, "", Path("q.sql"), 3), rows)["encoding"]["color"]
    assert colour["scale"]["domain"] == ["supports", "opposes", "questions"]  # for and against first, whatever the rows' order
    assert colour["scale"]["range"] == [palette.STANCE_COLOURS[s] for s in colour["scale"]["domain"]]
    with pytest.raises(BuildError, match="LOW below HIGH"):
        charts.parse("mark=bar x=a:quantitative y=b:ordinal scale=10:0", "f.sql", 3)


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
    with sqlite3.connect(built.db_path) as db:
        _, rows = charts.run_with_defaults(db, query.sql)
    assert enough_to_draw(rows, query.chart, query.empty_reason), query.name
    if not charts.draws_nothing(rows, query.chart):
        assert svg_marks(committed) == len(plottable(rows, query.chart))
    else:  # the image is the sentence that says why, not empty axes
        texts = [t.text for t in ET.fromstring(committed).iter(f"{SVG}text")]
        assert "role-axis" not in committed and " ".join(texts[1:]) == query.empty_reason


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
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    assert f'href="/downloads/{archive.name}"' in page
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in page
    assert 'href="/longlist.db"' in page
    for resource in descriptor["resources"]:
        assert f'href="/package/{resource["path"]}"' in page  # the package's own file, every row
    assert f"Version <strong>{descriptor['version']}" in page


def test_database_page_has_the_same_downloads(client, built, descriptor):
    page = client.get("/longlist").text
    assert built_zip_name(built, descriptor) in page and 'href="/longlist.db"' in page
    assert 'action="longlist/search_text"' in page


def test_downloads_are_served(client, built, descriptor):
    name = built_zip_name(built, descriptor)
    response = client.get(f"/downloads/{name}")
    assert response.status_code == 200 and response.content == (built.build_dir / "downloads" / name).read_bytes()
    assert client.get("/longlist.db").content == built.db_path.read_bytes()
    assert client.get("/package/data/theories.csv").content == (built.root / "data" / "theories.csv").read_bytes()


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


def test_pages_and_downloads_are_cacheable(client, built, descriptor):
    package = f"/downloads/{built_zip_name(built, descriptor)}"
    for path in ("/", "/longlist/theories", "/longlist/theories_by_group_rank.json", "/robots.txt", package, "/longlist.db"):
        assert client.get(path).headers["cache-control"] == f"public, max-age={instance.SETTINGS['default_cache_ttl']}", path


def test_serve_command_is_gunicorn_with_uvicorn_workers_on_one_socket(built):
    args = instance.command(built, 8123, workers=3)
    assert Path(args[0]).name == "gunicorn" and args[args.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"
    assert "--reuse-port" not in args and args[args.index("--workers") + 1] == "3" and args[args.index("--bind") + 1] == f"{instance.HOST}:8123"
    assert args[-1] == f"scripts.serve.asgi:create_app({str(built.root)!r})"
    assert args[args.index("--pid") + 1] == str(instance.pid_path(built, 8123))


def test_served_datasette_has_the_site_and_every_setting(built):
    datasette = instance.app(built)
    assert [db.path for name, db in datasette.databases.items() if name != "_internal"] == [str(built.db_path)]
    assert all(not db.is_mutable for name, db in datasette.databases.items() if name != "_internal")
    for name, value in instance.SETTINGS.items():
        assert datasette.setting(name) == value, name


def test_inspect_file_holds_the_served_database_hash_and_every_table_count(built):
    """Datasette takes row counts from it and never counts at request time: they must be this database's."""
    summary = json.loads(instance.inspect_path(built).read_text(encoding="utf-8"))[built.db_path.stem]
    assert summary["hash"] == hashlib.sha256(built.db_path.read_bytes()).hexdigest()
    with sqlite3.connect(built.db_path) as connection:
        names = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table' and name not like '%fts%'")]
        counts = {name: connection.execute(f"select count(*) from [{name}]").fetchone()[0] for name in names}
    assert counts["theories"] == 20 and {name: summary["tables"][name]["count"] for name in names} == counts


def test_plain_datasette_serve_arguments_run_immutable_with_the_site_and_every_setting(built):
    args = instance.serve_arguments(built, 8123)
    assert args[args.index("--immutable") + 1] == str(built.db_path)
    assert args[args.index("--template-dir") + 1] == str(built.site_dir / "templates")
    assert args[args.index("--plugins-dir") + 1] == str(built.site_dir / "plugins")
    assert args[args.index("--static") + 1] == f"downloads:{built.build_dir / 'downloads'}"
    mounts = [args[i + 1] for i, a in enumerate(args) if a == "--static"]
    assert f"assets:{built.site_dir / 'static'}" in mounts and f"rating:{built.build_dir / 'rating'}" in mounts  # the rating page's files
    for name in ("sql_time_limit_ms", "max_returned_rows", "facet_time_limit_ms", "default_cache_ttl"):
        assert ["--setting", name, str(instance.SETTINGS[name])] == args[args.index(name) - 1 : args.index(name) + 2]


def flag_values(args):
    """{flag: [values]} of a command line's `--flag value` options."""
    found = {}
    for flag, value in zip(args, args[1:]):
        if flag.startswith("--"):
            found.setdefault(flag, []).append(value)
    return found


@pytest.mark.parametrize("platform", sorted(publish.PLATFORMS))
def test_publish_command_matches_serve(platform):
    """Every site option and setting of `serve` reaches `datasette publish`, whatever options
    serve gains later (only the inspect file is made by publish itself, in the image)."""
    args = publish.command(REPO, platform, "longlist")
    serve_args = instance.serve_arguments(REPO, 8001)
    assert args[1:4] == ["publish", platform, "build/longlist.db"]
    assert serve_args[serve_args.index("--immutable") + 1] == str(REPO.db_path), "publish serves its files immutable (-i) too"
    published = flag_values(args)
    served = flag_values(instance.site_options(REPO, path=REPO.rel))
    assert set(served) - set(published) == {"--inspect-file"}, "serve's counts come from the build; publish's image makes its own"
    for flag, values in served.items():
        assert flag == "--inspect-file" or set(values) <= set(published[flag]), f"serve uses {flag} {values}; publish does not"
    extra = shlex.split(args[args.index("--extra-options") + 1])
    assert extra == instance.setting_options()
    assert flag_values(extra) == {f: v for f, v in flag_values(serve_args).items() if f == "--setting"}
    assert args[-2:] == [publish.PLATFORMS[platform][0], "longlist"]


def test_every_option_publish_passes_is_one_datasette_publish_takes():
    """Datasette's own help names each flag; an option it lacks would fail the deployment."""
    helped = subprocess.run([instance.datasette_executable(), "publish", "cloudrun", "--help"], capture_output=True, text=True, check=True).stdout
    taken = set(re.findall(r"(--[a-z][a-z_-]+)", helped))
    flags = {part for part in publish.command(REPO, "cloudrun", "longlist") if re.fullmatch(r"--[a-z-]+", part)}
    assert flags and flags <= taken, flags - taken


def test_publish_installs_datasette_its_plugins_and_all_their_dependencies_at_the_locked_versions():
    args = publish.command(REPO, "cloudrun", "longlist")
    installs = [args[i + 1] for i, a in enumerate(args) if a == "--install"]
    lock = (REPO.root / "requirements.lock").read_text(encoding="utf-8").splitlines()
    locked = [line for line in lock if line.lower().startswith(("datasette==", "datasette-")) and not line.lower().startswith("datasette-publish-")]
    assert set(locked) <= set(installs) and any(pin.startswith("datasette==0.65.") for pin in installs)
    assert set(installs) <= set(lock), "every pin is requirements.lock's"
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pinned = {canonicalize_name(pin.split("==")[0]) for pin in installs}
    locked_names = {canonicalize_name(line.split("==")[0]) for line in lock if "==" in line}
    for pin in installs:  # the versions the tests ran, and every dependency of each pinned too
        name, version = pin.split("==")
        assert metadata.version(name) == version, pin
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            needed = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            if needed and canonicalize_name(requirement.name) in locked_names:
                assert canonicalize_name(requirement.name) in pinned, f"{name} needs {requirement.name}, which the image would install unpinned"
    assert {"uvicorn", "httpx", "jinja2"} <= pinned


def test_publish_dry_run_prints_one_runnable_line():
    printed = []
    publish.publish(REPO, "cloudrun", "longlist", dry_run=True, print=printed.append)
    assert len(printed) == 1 and shlex.split(printed[0])[1:] == publish.command(REPO, "cloudrun", "longlist")[1:]
    assert "--install datasette==0.65.5 " in printed[0] and "--setting sql_time_limit_ms 1000" in printed[0]
    assert re.search(r"--install uvicorn==[0-9.]+ ", printed[0]), "the dry run shows the dependencies' pins"


# The argument map as a picture --------------------------------------------------------------


def test_argument_map_picture_is_fresh_and_draws_every_comment_argument_and_relation(built):
    from scripts.build import ARGUMENT_MAP_DOC
    from scripts.publishing import argument_map

    committed = (REPO.root / ARGUMENT_MAP_DOC).read_text(encoding="utf-8")
    assert committed == (built.root / ARGUMENT_MAP_DOC).read_text(encoding="utf-8"), f"{ARGUMENT_MAP_DOC} is stale: run the build and commit it"
    assert (built.build_dir / "downloads" / argument_map.SERVED_NAME).read_text(encoding="utf-8") == committed
    assert argument_map.svg(argument_map.load(built.db_path)) == committed  # the same bytes every time
    root = ET.fromstring(committed)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    with sqlite3.connect(built.db_path) as db:
        comments = [r[0] for r in db.execute("select id from comments order by position")]
        # the thread's map: the longlist's arguments (the critique's answers have their own page)
        arguments = [r[0] for r in db.execute("select id from arguments where document_id = 'longlist' order by start, id")]
        relations = db.execute(
            "select r.argument_id, r.relation, r.target_argument_id from argument_relations r"
            " join arguments a on a.id = r.argument_id where a.document_id = 'longlist'"
        ).fetchall()
        replies = db.execute("select count(*) from comments where parent_id is not null").fetchone()[0]
    assert [h.rsplit("/", 1)[1] for h in links if "/comments/" in h] == comments
    assert [h.rsplit("/", 1)[1] for h in links if "/arguments/" in h] == arguments
    arcs = sorted(tuple(p.find(f"{SVG}title").text.split(" ")) for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None)
    assert arcs == sorted(tuple(r) for r in relations)
    # the reply tree: one connector per reply (grey, no title)
    assert len([p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#9a9a9a"]) == replies


# Reading pages -------------------------------------------------------------------------------


def test_reading_pages_show_voice_grade_and_the_posts_theory_relations(client, tables):
    """The theory and comment pages show an argument's voice, an attribution's grade and the
    theory-to-theory relations the post states (facts of the source: theory 4's own text says
    "Similar to auditing", i.e. theory 3; the disagreement paragraph reports a "competing intuition")."""
    reported = {a["id"] for a in tables["arguments"] if a["voice"] == "reported"}
    assert "a05" in reported or "a06" in reported
    theory_9 = client.get("/longlist/theories/9").text
    assert '<span class="tag voice">reported</span>' in theory_9
    theory_4 = client.get("/longlist/theories/4").text
    assert "Related theories" in theory_4 and "Similar to auditing" in theory_4 and 'href="/longlist/theories/3"' in theory_4
    theory_3 = client.get("/longlist/theories/3").text  # the other end of the relation
    assert 'href="/longlist/theories/4"' in theory_3.split("Related theories")[1]
    grades = {c["id"]: c["attribution_grade"] for c in tables["comments"] if c["attribution_grade"]}
    for comment_id, grade in grades.items():
        assert f'<span class="tag grade">{grade}</span>' in client.get(f"/longlist/comments/{comment_id}").text, comment_id
    assert "Writer unknown" in client.get("/longlist/comments/c04").text


@pytest.mark.parametrize(
    "path, link",
    [
        ("/longlist/comments_on_a_theory?number=9", '<a href="/longlist/comments/c01">c01</a>'),
        ("/longlist/comments_on_a_theory?number=9", '<a href="/longlist/theories/9">9</a>'),
        ("/longlist/comment_quotes", 'post section <a href="/longlist/post_sections/disagreement">disagreement</a>'),
        ("/longlist/arguments_on_theory?theory=9", 'post: <a href="/longlist/post_sections/disagreement">disagreement</a>'),
        ("/longlist/search_text?q=Goodharted", '<a href="/longlist/theory_points/9~2E1">9.1</a>'),
        ("/longlist/argument_targets", '<a href="/longlist/theory_points/9~2E2">9.2</a>'),
        ("/longlist/theory_discussion", '<a href="/longlist/theories/20">20</a>'),
        ("/longlist/theory_overview", '<a href="/longlist/comments/c09">c09</a>, <a href="/longlist/comments/c10">c10</a>'),
    ],
)
def test_ids_in_results_link_to_their_pages(client, path, link):
    page = client.get(path)
    assert page.status_code == 200 and link in page.text


def test_counts_are_not_linked_as_theories(client):
    page = client.get("/longlist/discussion_by_group_rank").text
    assert 'td class="col-comments"><a' not in page and '<td class="col-number"><a href="/longlist/theories/1">1</a>' in page


def test_index_page_leads_to_the_thread_and_the_rating_page(client):
    page = client.get("/").text
    for path in ("thread", "rate"):
        assert f'<a href="{path}">' in page, path
        assert client.get(f"/{path}").status_code == 200, path
