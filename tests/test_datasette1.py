"""The site on the newest Datasette 1.0 alpha, in its own environment (`make test` creates
.venv/tools/datasette1 from requirements-datasette1.lock): the same database, templates,
plugins and static mounts, with saved queries, plugin settings and settings written to the
configuration file where 1.0 reads them (`datasette1_files` below). Every
canonical page answers 200 with what a reader needs on it."""

import json
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
import yaml

from scripts.serve import instance
from tests.helpers import REPO, free_port, get

pytestmark = [pytest.mark.datasette1, pytest.mark.server]


# What Datasette 1.0 reads from its configuration file (datasette.yaml) rather than metadata:
# saved queries, plugin settings, settings, and the table options that are not descriptions.
TABLE_CONFIG = ("facets", "sort", "sort_desc", "size", "sortable_columns", "label_column", "hidden", "fts_table", "fts_pk", "searchmode", "units")
BOOLEAN_SETTINGS = ("allow_download", "allow_csv_stream", "suggest_facets")  # 1.0's configuration file wants true/false


def datasette1_files(metadata):
    """(metadata, configuration) for Datasette 1.0 from this site's metadata.yml for 0.65 (1.0
    ignores saved queries left in metadata, and answers 404 for each)."""
    metadata = json.loads(json.dumps(metadata))  # a copy
    config = {"settings": {name: bool(value) if name in BOOLEAN_SETTINGS else value for name, value in instance.SETTINGS.items()}}
    config["plugins"] = metadata.pop("plugins", {})
    config["databases"] = {}
    for name, database in (metadata.get("databases") or {}).items():
        moved = {"queries": database.pop("queries", {}), "tables": {}}
        for table, options in (database.get("tables") or {}).items():
            table_config = {key: options.pop(key) for key in list(options) if key in TABLE_CONFIG}
            if table_config:
                moved["tables"][table] = table_config
        config["databases"][name] = moved
    return metadata, config


@pytest.fixture(scope="module")
def served1(built, tmp_path_factory):
    tool = REPO.datasette1
    assert tool.exists(), f"{tool} is missing: `make test` creates it; or run `make {REPO.rel(tool)}`"
    folder = tmp_path_factory.mktemp("datasette1")
    metadata, config = datasette1_files(yaml.safe_load(built.metadata_path.read_text(encoding="utf-8")))
    (folder / "metadata.yml").write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    (folder / "datasette.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    paths = instance.site_paths(built)
    port = free_port()
    command = [str(tool), "serve", "--immutable", str(built.db_path), "--inspect-file", str(paths["inspect"])]
    command += ["--metadata", str(folder / "metadata.yml"), "--config", str(folder / "datasette.yaml")]
    command += ["--template-dir", str(paths["template_dir"]), "--plugins-dir", str(paths["plugins_dir"])]
    command += [part for mount, directory in paths["static"] for part in ("--static", f"{mount}:{directory}")]
    command += ["--host", instance.HOST, "--port", str(port)]
    log = folder / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{instance.HOST}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(base + "/-/versions.json", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)
    try:
        yield base, config
    finally:
        process.terminate()
        process.wait(10)


def test_it_is_datasette_1(served1):
    base, _ = served1
    assert json.loads(get(base + "/-/versions.json")[2])["datasette"]["version"].startswith("1.0a")


@pytest.mark.parametrize(
    "path, needle",
    [
        ("/", b'class="package-sha256"'),
        ("/", b"application/ld+json"),
        ("/longlist", b"package-sha256"),
        ("/longlist/theories", b"Interpretability tools in the loss function"),
        ("/longlist/theories/9", b"<h1>9. Interpretability tools in the loss function</h1>"),
        ("/longlist/comments/c01", b"c01"),
        ("/thread", b"<svg"),
        ("/rate", b"data-reference="),
        ("/longlist/theories_by_group_rank", b"Interpretability tools in the loss function"),
        ("/longlist/search_text?q=deception", b"deception"),
        ("/longlist/theories.json", b"Interpretability tools in the loss function"),
        ("/package/datapackage.json", b'"resources"'),
        ("/robots.txt", b"Sitemap: "),
    ],
)
def test_canonical_pages_answer(served1, path, needle):
    base, _ = served1
    status, _, body = get(base + path)
    assert status == 200 and needle in body, path


def test_every_saved_query_answers_and_the_sitemap_lists_them(served1):
    base, config = served1
    queries = config["databases"]["longlist"]["queries"]
    assert len(queries) > 20
    listed = {loc.text.rsplit("/", 1)[-1] for loc in ET.fromstring(get(base + "/sitemap.xml")[2]).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for name in queries:
        assert get(base + f"/longlist/{name}.json?_size=1")[0] == 200, name
        assert name in listed, name


def test_the_request_pipeline_runs_on_it(served1):
    base, _ = served1
    assert get(base + "/longlist/theories?" + "&".join(f"_facet=c{n}" for n in range(11)))[0] == 400  # the guard
    _, headers, _ = get(base + "/longlist/theories", headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and headers["cache-control"] == "public, max-age=3600"
    assert get(base + "/longlist.json?sql=select+1")[1]["cache-control"] == "private, no-store"
