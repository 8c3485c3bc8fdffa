"""The package as users' tools read it, and the dataset as catalogues and search engines find it:
the zip and the served package open with frictionless (every resource checked), the index
page's schema.org JSON-LD, the sitemap, .zenodo.json, CITATION.cff, and the release status
a build shows wherever its version does."""

import hashlib
import json
import re
import shutil
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from frictionless import Package

from scripts.build import build, built_status, built_zip_name
from scripts.core.errors import BuildError
from scripts.publishing import charts, citation, docs, zenodo
from scripts.release import bundle, status
from tests.helpers import REPO, Tab, copy_inputs, quiet, releasable_copy

CFF = yaml.safe_load(REPO.citation_path.read_text(encoding="utf-8"))
POST_URL = "https://www.lesswrong.com/posts/uK6sQCNMw8WKzJeCQ/a-longlist-of-theories-of-impact-for-interpretability"


def validated(package, descriptor):
    """Validate every resource of a frictionless Package; the number of tables checked."""
    report = package.validate()
    assert report.valid, report.to_summary()
    assert [task.name for task in report.tasks] == [r["name"] for r in descriptor["resources"]]
    return len(report.tasks)


# The zip ----------------------------------------------------------------------------------


def test_the_package_zip_opens_as_a_package_and_every_table_validates(built, descriptor):
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    with zipfile.ZipFile(archive) as opened:
        assert "datapackage.json" in opened.namelist(), "flat: the descriptor at the root of the archive"
    package = Package(str(archive))
    assert len(package.resources) == len(descriptor["resources"]) >= 13
    assert validated(package, descriptor) == len(descriptor["resources"])
    assert package.get_resource("theories").read_rows()[19]["number"] == 20


# Release status ---------------------------------------------------------------------------


def test_status_is_released_only_for_the_recorded_bytes(built, tmp_path, descriptor):
    version = descriptor["version"]
    project = copy_inputs(tmp_path)
    shutil.rmtree(project.releases_dir, ignore_errors=True)
    db = built.db_path
    assert status.compare(project, version, "x.zip", "a" * 64, db).released, "no record yet: the build is the release candidate"
    record = project.releases_dir / version / "manifest.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"version": version, "files": {"x.zip": "a" * 64}, "database": {"dump_sha256": status.dump_sha256(db)}}), encoding="utf-8")
    assert status.compare(project, version, "x.zip", "a" * 64, db).released
    other = status.compare(project, version, "x.zip", "b" * 64, db)
    assert not other.released and other.label == f"{version} + unreleased changes" and other.file_version == f"{version}+unreleased"
    record.write_text(json.dumps({"version": version, "files": {"x.zip": "a" * 64}, "database": {"dump_sha256": "c" * 64}}), encoding="utf-8")
    assert not status.compare(project, version, "x.zip", "a" * 64, db).released, "the same zip with another database is not the release"


def test_the_build_says_whether_it_is_its_versions_release_wherever_the_version_shows(built, client, descriptor):
    """The build is its version's release only if the committed record of that version holds
    its zip's bytes (or no record exists yet); otherwise it is 'X + unreleased changes' on the
    index page, in the citation block, in the zip's name and README. (While the repository's
    0.1.0 record predates the flat zip, this build is the second case.)"""
    version = descriptor["version"]
    recorded = status.record(REPO, version)
    candidate = bundle.zip_name(descriptor)
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    expect_released = recorded is None or (archive.name == candidate and recorded["files"].get(candidate) == hashlib.sha256(archive.read_bytes()).hexdigest())
    found = built_status(built, descriptor)
    assert found.released == expect_released
    page = client.get("/").text
    with zipfile.ZipFile(archive) as opened:
        readme = opened.read("README.md").decode("utf-8")
    if expect_released:
        assert archive.name == candidate and "unreleased" not in page and "unreleased" not in readme
        assert f"Version <strong>{version}</strong>" in page
        return
    label = f"{version} + unreleased changes"
    assert archive.name == f"{descriptor['name']}-{version}+unreleased.zip"
    assert f"Version <strong>{label}</strong>" in page
    assert f"<strong>{label}</strong>: these files differ from version {version} as released" in page
    assert f"(Version {label}) [Data set]." in page
    assert f"This is **{label}**" in readme and "only `make release` makes one" in readme
    assert f"This is version **{version}**" in (REPO.root / "README.md").read_text(encoding="utf-8"), "the committed README names the version"


@pytest.mark.slow
def test_a_released_build_names_its_version_plainly(tmp_path):
    """After `make release`, a build of the same inputs is that release: plain name, plain version."""
    from scripts.make_release import release

    project = releasable_copy(tmp_path)
    release(project, progress=quiet)
    descriptor = build(project, progress=quiet)
    assert built_status(project, descriptor).released
    assert sorted(p.name for p in (project.build_dir / "downloads").glob("*.zip*")) == [bundle.zip_name(descriptor), bundle.zip_name(descriptor) + ".sha256"]
    about = yaml.safe_load(project.metadata_path.read_text(encoding="utf-8"))["about"]
    assert about.endswith(f"v{descriptor['version']}") and "unreleased" not in project.metadata_path.read_text(encoding="utf-8")
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note", 1), encoding="utf-8")
    build(project, progress=quiet)
    names = sorted(p.name for p in (project.build_dir / "downloads").glob("*.zip*"))
    assert names == [f"{descriptor['name']}-{descriptor['version']}+unreleased.zip", f"{descriptor['name']}-{descriptor['version']}+unreleased.zip.sha256"]


# The index page's JSON-LD ------------------------------------------------------------------


def jsonld_of(page):
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert len(found) == 1
    return json.loads(found[0])


def test_index_page_carries_a_schema_org_dataset(client, built, descriptor):
    data = jsonld_of(client.get("/").text)
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["name"] == descriptor["title"] and data["description"] == descriptor["description"]
    assert data["version"] == built_status(built, descriptor).label
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["creator"] == [{"@type": "Organization", "name": "Longlist dataset maintainers"}]
    post = data["citation"][0]
    assert (post["url"], post["datePublished"], post["author"][0]["name"]) == (POST_URL, "2022-03-11", "Neel Nanda")
    assert data["isBasedOn"] == POST_URL
    assert data["url"] == "http://localhost/"
    urls = {item["contentUrl"]: item["encodingFormat"] for item in data["distribution"]}
    assert urls[f"http://localhost/downloads/{built_zip_name(built, descriptor)}"] == "application/zip"
    assert urls["http://localhost/longlist.db"] == "application/vnd.sqlite3"
    for resource in descriptor["resources"]:
        assert urls[f"http://localhost/package/{resource['path']}"] == "text/csv"
    for url in urls:  # every distribution answers, with the package's own bytes
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
    for resource in descriptor["resources"]:
        assert client.get(f"/package/{resource['path']}").content == (built.root / resource["path"]).read_bytes()


def test_jsonld_cannot_close_its_script_element():
    config = {"dataset_jsonld": {"name": "</script><b>x", "distribution": []}}

    class Fake:
        def plugin_config(self, name):
            return config if name == "longlist-site" else None

        def absolute_url(self, request, path):
            return "http://h" + path

        class urls:
            @staticmethod
            def instance():
                return "/"

    import importlib.util

    spec = importlib.util.spec_from_file_location("discovery", REPO.site_dir / "plugins" / "discovery.py")
    discovery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(discovery)
    text = discovery.jsonld(Fake(), None)
    assert "</" not in text and json.loads(text)["name"] == "</script><b>x"


def test_served_package_files_refuse_other_paths(client):
    assert client.get("/package/datapackage.json").headers["content-type"].startswith("application/json")
    for path in ("/package/../metadata.yml", "/package/nothing.csv", "/package/%2e%2e/x"):
        assert client.get(path).status_code == 404, path


# Sitemap and robots -------------------------------------------------------------------------


def test_sitemap_lists_the_canonical_pages_and_robots_names_it(client, descriptor):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text for loc in root.iter(f"{namespace}loc")]
    paths = [urlsplit(url).path for url in locations]
    assert paths[:2] == ["/", "/longlist"] and len(set(paths)) == len(paths)
    queries = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))["databases"]["longlist"]["queries"]
    assert {f"/longlist/{r['name']}" for r in descriptor["resources"]} | {f"/longlist/{q}" for q in queries} <= set(paths)
    assert not [url for url in locations if "?" in url or "#" in url]
    for path in paths:
        assert client.get(path).status_code == 200, path
    robots = client.get("/robots.txt").text.splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in robots
    disallowed = [line.split(": ", 1)[1] for line in robots if line.startswith("Disallow: ")]
    assert not [p for p in paths if any(p == rule or (rule.endswith("/") and p.startswith(rule)) for rule in disallowed)]


# Saved-query charts through Datasette's own fragment option -----------------------------------


def test_charted_queries_use_datasettes_fragment_option(client):
    queries = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))["databases"]["longlist"]["queries"]
    charted = charts.charted_queries(REPO)
    assert charted
    page = client.get("/longlist").text
    for query in charted:
        if "chart-empty" in queries[query.name].get("description_html", ""):  # nothing to draw yet: it says why instead
            assert "fragment" not in queries[query.name], query.name
            continue
        assert queries[query.name]["fragment"] == charts.CHART_ANCHOR  # the figure the query's page draws its chart in
        assert f'href="/longlist/{query.name}#{charts.CHART_ANCHOR}"' in page, query.name
    assert not [name for name, q in queries.items() if "fragment" in q and name not in {c.name for c in charted}]


# Citing ------------------------------------------------------------------------------------


def test_citation_cff_is_complete_and_agrees_with_the_package(descriptor):
    assert CFF["abstract"] == descriptor["description"]
    assert CFF["keywords"] == descriptor["keywords"]
    post = citation.source_post(CFF)
    assert str(post["date-published"]) == "2022-03-11" and (post["year"], post["month"]) == (2022, 3)
    text = REPO.citation_path.read_text(encoding="utf-8")
    for slot in ("url", "repository-code"):  # no home has been published: the slot is marked, nothing invented
        if slot in CFF:
            assert POST_URL not in CFF[slot] and "lesswrong" not in CFF[slot], "the dataset's home is not the post"
        else:
            assert re.search(rf"^#\s+{slot}: ", text, re.MULTILINE), f"a commented {slot} slot"


def test_a_url_reaches_the_apa_and_bibtex_once_it_is_added(descriptor):
    with_url = {**CFF, "url": "https://example.org/longlist"}  # made-up, only to exercise the rendering
    assert citation.markdown(citation.apa_dataset(with_url, "1.0.0")).endswith("[Data set]. https://example.org/longlist")
    assert "url     = {https://example.org/longlist}" in citation.bibtex_dataset(with_url, descriptor)
    assert {"identifier": "https://example.org/longlist", "relation": "isIdenticalTo", "resource_type": "dataset", "scheme": "url"} in zenodo.metadata(
        with_url, descriptor
    )["related_identifiers"]


def test_a_licence_zenodo_does_not_know_fails_clearly(descriptor):
    with pytest.raises(BuildError, match=r"CITATION.cff: license: 'Beerware' has no Zenodo licence id"):
        zenodo.metadata({**CFF, "license": "Beerware"}, descriptor)


def test_zenodo_json_has_what_a_deposit_requires_from_the_single_sources(descriptor):
    deposit = json.loads((REPO.root / docs.ZENODO_FILE).read_text(encoding="utf-8"))
    assert deposit == zenodo.metadata(CFF, descriptor), "generated by `python -m scripts docs`"
    # required by Zenodo's deposit API, with its vocabularies
    assert deposit["upload_type"] == "dataset" and deposit["access_right"] == "open"
    assert deposit["title"] == CFF["title"] and deposit["version"] == descriptor["version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", deposit["publication_date"]) and deposit["publication_date"] == str(CFF["date-released"])
    assert deposit["creators"] == [{"name": "Longlist dataset maintainers"}]
    assert deposit["description"].startswith("<p>") and "remain their authors" in deposit["description"]
    assert deposit["license"] == "cc-by-4.0" and descriptor["licenses"][0]["name"] == CFF["license"] == "CC-BY-4.0"
    assert deposit["keywords"] == descriptor["keywords"]
    assert {"identifier": POST_URL, "relation": "isDerivedFrom", "resource_type": "publication-other", "scheme": "url"} in deposit["related_identifiers"]
    assert deposit["references"][0].startswith("Nanda, N. (2022, March 11). A Longlist of Theories of Impact for Interpretability.")
    assert "doi" not in deposit, "no DOI has been issued"
    assert zenodo.creator({"given-names": "Neel", "family-names": "Nanda"}) == {"name": "Nanda, Neel"}, "a person as Zenodo wants"


# The served package, from a running instance ------------------------------------------------


@pytest.mark.server
def test_the_served_package_opens_with_frictionless_and_every_table_validates(server, descriptor):  # noqa: F811
    package = Package(f"{server}/package/datapackage.json")
    assert len(package.resources) == len(descriptor["resources"])
    assert validated(package, descriptor) == len(descriptor["resources"])


@pytest.mark.server
def test_the_served_zip_opens_with_frictionless(server, built, descriptor, tmp_path):  # noqa: F811
    name = built_zip_name(built, descriptor)
    saved = tmp_path / name
    with urllib.request.urlopen(f"{server}/downloads/{name}", timeout=10) as response:
        saved.write_bytes(response.read())
    assert validated(Package(str(saved)), descriptor) == len(descriptor["resources"])


@pytest.mark.server
def test_the_served_jsonld_names_absolute_urls_of_this_host(server, built, descriptor):  # noqa: F811
    with urllib.request.urlopen(f"{server}/", timeout=10) as response:
        data = jsonld_of(response.read().decode("utf-8"))
    assert data["url"] == f"{server}/" and data["version"] == built_status(built, descriptor).label
    for item in data["distribution"]:
        assert item["contentUrl"].startswith(f"{server}/")
        with urllib.request.urlopen(item["contentUrl"], timeout=10) as response:
            assert response.status == 200


# Deployments run an older SQLite ---------------------------------------------------------------

# Added to SQLite after 3.34.1, the SQLite of the image `datasette publish` builds (docs/publishing.md)
NEWER_THAN_3_34 = {
    "-> / ->> (3.38)": r"->",
    "math functions (3.35)": r"(?<![\w.])(acos|asin|atan|atan2|ceil|ceiling|cos|degrees|exp|floor|ln|log|log2|log10|mod|pi|pow|power"
    r"|radians|sin|sqrt|tan|trunc)\s*\(",
    "unixepoch (3.38)": r"(?<![\w.])unixepoch\s*\(",
    "format (3.38)": r"(?<![\w.])format\s*\(",
    "concat, concat_ws, string_agg (3.44)": r"(?<![\w.])(concat|concat_ws|string_agg)\s*\(",
    "octet_length, timediff (3.43)": r"(?<![\w.])(octet_length|timediff)\s*\(",
    "right / full outer join (3.39)": r"\b(right|full)\s+(outer\s+)?join\b",
    "is distinct from (3.39)": r"\bis\s+(not\s+)?distinct\s+from\b",
}


@pytest.mark.parametrize("path", sorted((REPO.root / "sql").rglob("*.sql")), ids=lambda p: p.name)
def test_saved_queries_and_views_run_on_the_deployments_sqlite(path):
    sql = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("--"))
    found = [what for what, pattern in NEWER_THAN_3_34.items() if re.search(pattern, sql, re.IGNORECASE)]
    assert not found, f"{REPO.rel(path)} uses {', '.join(found)}: a deployment runs SQLite 3.34.1"


def test_the_sqlite_check_finds_newer_syntax():
    assert re.search(NEWER_THAN_3_34["-> / ->> (3.38)"], "select x ->> '$.a'") and not re.search(
        NEWER_THAN_3_34["concat, concat_ws, string_agg (3.44)"], "group_concat(x)"
    )


# The index page in a browser -------------------------------------------------------------------

SHOTS = Path("/tmp/shots-11")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_index_page_shows_the_version_citation_and_dataset_to_readers_and_crawlers(browser, server, built, descriptor, width):  # noqa: F811
    tab = Tab(browser, server)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/")
        page = tab.page
        label = built_status(built, descriptor).label
        assert f"Version {label}" in page.locator(".metadata-description").inner_text()
        cite = page.locator(".front-door-cite")
        assert cite.is_visible() and label in cite.inner_text()
        data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        assert data["@type"] == "Dataset" and data["version"] == label
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for selector in ("a.package-download", "a.database-download"):
            href = page.locator(selector).get_attribute("href")
            with urllib.request.urlopen(server + href, timeout=10) as response:
                assert response.status == 200, href
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"index-{width}.png"), full_page=True)
        page.locator(".front-door-cite").screenshot(path=str(SHOTS / f"index-cite-{width}.png"))
        tab.check()
    finally:
        tab.context.close()


@pytest.mark.browser
def test_the_database_pages_chart_links_open_drawn(browser, server):  # noqa: F811
    """Datasette's own `fragment` option: the database page's list of saved queries opens a
    charted query with its chart drawn."""
    tab = Tab(browser, server)
    try:
        tab.goto("/longlist")
        links = tab.page.locator("a[href$='#chart']")
        queries = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))["databases"]["longlist"]["queries"]
        drawn = [q for q in charts.charted_queries(REPO) if "fragment" in queries[q.name]]  # a chart with nothing to draw says why instead
        assert links.count() == len(drawn) >= 4
        with tab.page.expect_navigation():
            links.first.click()
        drawn = tab.page.locator("#chart .chart-area[data-drawn] svg.marks")
        drawn.wait_for()
        assert drawn.bounding_box()["width"] > 100
        tab.check()
    finally:
        tab.context.close()
