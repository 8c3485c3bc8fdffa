"""The package as the wider ecosystem reads it: Croissant (mlcroissant validates and loads
every record set), Data Package v1 readers (frictionless 4) next to v2 (frictionless 5), the
creators as Zenodo deposits them, and every relative link inside the zip.

mlcroissant and frictionless 4 run from their own tool venvs (the Makefile's `tools`
target, which `make test` depends on): tests marked `slow`."""

import csv
import hashlib
import json
import posixpath
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from urllib import robotparser

import pytest
import yaml

from scripts.build import built_zip_name
from scripts.core.errors import BuildError
from scripts.publishing import base_url, citation, croissant, zenodo
from scripts.release import bundle
from tests.helpers import REPO, DatasetteClient, copy_inputs

TOOLS = REPO.root / ".venv" / "tools"
MLCROISSANT_PYTHON = TOOLS / "croissant" / "bin" / "python"
MLCROISSANT = TOOLS / "croissant" / "bin" / "mlcroissant"
FRICTIONLESS4 = TOOLS / "frictionless4" / "bin" / "frictionless"
CFF = yaml.safe_load(REPO.citation_path.read_text(encoding="utf-8"))

# Run inside the mlcroissant venv: every record set's records, each from a fresh Dataset
# (mlcroissant 1.1.1 caches a record set's generator once it has been the target).
LOAD_EVERY_RECORD_SET = """
import json, sys
import mlcroissant as mlc
path = sys.argv[1]
found = {}
for record_set in mlc.Dataset(jsonld=path).metadata.record_sets:
    rows = list(mlc.Dataset(jsonld=path).records(record_set=record_set.uuid))
    found[record_set.uuid] = [{k: v.decode() if isinstance(v, bytes) else v for k, v in row.items()} for row in rows]
print(json.dumps(found, default=str))
"""


def tool(path):
    assert path.exists(), f"{path} is missing: `make test` creates it; or run `make tools`"
    return str(path)


@pytest.fixture(scope="module")
def unzipped(built, descriptor, tmp_path_factory):
    """The built package zip, unzipped into a folder of its own (as a user would)."""
    folder = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(built.build_dir / "downloads" / built_zip_name(built, descriptor)) as archive:
        archive.extractall(folder)
    return folder


def csv_rows(folder, resource):
    with open(folder / resource["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Croissant ---------------------------------------------------------------------------------


def test_croissant_describes_every_resource_with_its_hash_types_and_keys(unzipped):
    document = json.loads((unzipped / croissant.FILE_NAME).read_text(encoding="utf-8"))
    package = json.loads((unzipped / "datapackage.json").read_text(encoding="utf-8"))
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    files = {f["contentUrl"]: f for f in document["distribution"]}
    sets = {s["name"]: s for s in document["recordSet"]}
    for resource in package["resources"]:
        assert files[resource["path"]]["sha256"] == hashlib.sha256((unzipped / resource["path"]).read_bytes()).hexdigest()
        fields = {f["name"]: f for f in sets[resource["name"]]["field"]}
        assert list(fields) == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            assert fields[field["name"]]["dataType"] == croissant.DATA_TYPES[field["type"]]
        assert [k["@id"] for k in sets[resource["name"]]["key"]] == [f"{resource['name']}/{k}" for k in resource["schema"]["primaryKey"]]
        for fk in resource["schema"].get("foreignKeys", []):
            other = fk["reference"].get("resource")
            target = f"{other or resource['name']}/{fk['reference']['fields'][0]}"
            if other:
                assert fields[fk["fields"][0]]["references"] == {"field": {"@id": target}}
            else:  # a key into the same resource: a record set of its own (mlcroissant cannot self-join)
                link = sets[f"{resource['name']}__{fk['fields'][0]}"]
                assert [f["references"]["field"]["@id"] for f in link["field"]] == [f"{resource['name']}/{resource['schema']['primaryKey'][0]}", target]


def test_croissant_answers_every_responsible_ai_field_from_existing_docs():
    document = json.loads((REPO.root / croissant.FILE_NAME).read_text(encoding="utf-8"))
    answers = yaml.safe_load((REPO.root / croissant.RAI_FILE).read_text(encoding="utf-8"))
    for name in croissant.RAI_FIELDS:
        assert len(document[f"rai:{name}"]) > 20, name
        for basis in answers[name]["basis"]:
            assert (REPO.root / basis).exists(), f"{croissant.RAI_FILE}: {name} cites {basis}, which does not exist"


def test_croissant_names_the_organisation_as_an_organisation():
    document = json.loads((REPO.root / croissant.FILE_NAME).read_text(encoding="utf-8"))
    organisations = [a["name"] for a in CFF["authors"] if "name" in a]
    assert [c["name"] for c in document["creator"] if c["@type"] == "Organization"] == organisations
    assert organisations, "CITATION.cff names the maintainers as an organisation"


@pytest.mark.slow
def test_mlcroissant_validates_the_built_file(unzipped):
    result = subprocess.run([tool(MLCROISSANT), "validate", "--jsonld", croissant.FILE_NAME], cwd=unzipped, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done." in result.stderr
    assert "WARNING" not in result.stderr and "error" not in result.stderr.lower(), result.stderr[-3000:]


@pytest.mark.slow
def test_mlcroissant_loads_every_record_set_with_every_row_and_ids_as_text(unzipped):
    python = tool(MLCROISSANT_PYTHON)
    result = subprocess.run([python, "-c", LOAD_EVERY_RECORD_SET, croissant.FILE_NAME], cwd=unzipped, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout)
    package = json.loads((unzipped / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        rows = csv_rows(unzipped, resource)
        assert len(loaded[resource["name"]]) == len(rows), resource["name"]
        for fk in resource["schema"].get("foreignKeys", []):
            if not fk["reference"].get("resource"):
                assert len(loaded[f"{resource['name']}__{fk['fields'][0]}"]) == len(rows)
    points = {row["theory_points/id"] for row in loaded["theory_points"]}
    assert points == {row["id"] for row in csv_rows(unzipped, next(r for r in package["resources"] if r["name"] == "theory_points"))}
    assert all(isinstance(point, str) for point in points), "sub-point ids such as 2.1 stay text"


# Data Package v1 and v2 readers -----------------------------------------------------------


def test_every_foreign_key_names_its_resource_as_data_package_v1_requires(descriptor):
    for resource in descriptor["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            assert "resource" in fk["reference"], f'{resource["name"]}.{fk["fields"]}: v1 readers need "resource" ("" for the same resource)'


@pytest.mark.slow
def test_frictionless_4_validates_the_zip(built, descriptor):
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    result = subprocess.run([tool(FRICTIONLESS4), "validate", "--json", "--type", "package", str(archive)], capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report.get("errors") or [t for t in report["tasks"] if not t["valid"]])[:3000]
    assert len(report["tasks"]) == len(descriptor["resources"]), "every table checked"


@pytest.mark.slow
def test_frictionless_5_validates_the_zip(built, descriptor):
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    result = subprocess.run([str(REPO.root / ".venv" / "bin" / "frictionless"), "validate", "--json", str(archive)], capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert report["valid"], result.stdout[:3000]
    assert len(report["tasks"]) == len(descriptor["resources"])


# Creators ----------------------------------------------------------------------------------


def zenodo_deposited_name(creator):
    """(family_name, given_name) as Zenodo's deposit API stores a `.zenodo.json` creator: its
    legacy deserializer (zenodo_rdm/legacy/deserializers/metadata.py, PersonSchema.load_names)
    makes every creator `personal`, splits a name with exactly one comma into "family, given",
    and keeps any other name whole as the family name."""
    name = creator["name"]
    if name.count(",") == 1:
        family, given = name.split(",")
        return family.strip(), given.strip()
    return name, None


def test_zenodo_keeps_the_organisation_whole_and_splits_people_at_their_comma():
    deposit = json.loads((REPO.root / ".zenodo.json").read_text(encoding="utf-8"))
    stored = [zenodo_deposited_name(c) for c in deposit["creators"]]
    expected = [(a["name"], None) if "name" in a else (a["family-names"], a["given-names"]) for a in CFF["authors"]]
    assert stored == expected


def test_a_comma_in_an_organisation_name_would_split_it_on_zenodo_and_is_refused():
    with pytest.raises(BuildError, match="comma"):
        zenodo.creator({"name": "Maintainers, Longlist"})


# Links inside the zip ------------------------------------------------------------------------


def test_every_relative_link_inside_the_zip_resolves_inside_it(built, descriptor):
    with zipfile.ZipFile(built.build_dir / "downloads" / built_zip_name(built, descriptor)) as archive:
        names = set(archive.namelist())
        pages = [name for name in names if name.endswith(".md")]
        checked = 0
        for page in pages:
            for target in bundle.relative_links(archive.read(page).decode("utf-8")):
                path = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
                assert path in names, f"{page} links to {target}, which the zip does not hold"
                checked += 1
    assert "README.md" in pages and any(re.match(r"docs/.+\.md$", p) for p in pages)
    assert checked > 30


# The canonical base URL, robots.txt and the database's type ----------------------------------

BASE = "https://longlist.example.org"


@pytest.fixture(scope="module")
def behind_plain_http_proxy(built):
    """The built site with base_url set, asked over plain HTTP as a proxy that forwards no
    scheme would ask it (Datasette's test client sends http://localhost)."""
    metadata = yaml.safe_load(built.metadata_path.read_text(encoding="utf-8"))
    metadata["plugins"]["longlist-site"]["base_url"] = BASE
    client = DatasetteClient(built, metadata)
    yield client
    client.close()


def test_sitemap_jsonld_and_robots_carry_the_configured_base_url_behind_a_plain_http_proxy(behind_plain_http_proxy):
    client = behind_plain_http_proxy
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locations and all(url.startswith(f"{BASE}/") for url in locations)
    page = client.get("/").text
    data = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)[0])
    assert data["url"] == f"{BASE}/"
    assert all(item["contentUrl"].startswith(f"{BASE}/") for item in data["distribution"])
    assert f"Sitemap: {BASE}/sitemap.xml" in client.get("/robots.txt").text.splitlines()
    assert "http://localhost" not in page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]


def test_robots_txt_lets_crawlers_fetch_every_download_the_jsonld_lists(client):
    rules = robotparser.RobotFileParser()
    rules.parse(client.get("/robots.txt").text.splitlines())
    data = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', client.get("/").text, re.DOTALL)[0])
    urls = [item["contentUrl"] for item in data["distribution"]]
    assert any(url.endswith("/longlist.db") for url in urls) and any(url.endswith("/croissant.json") for url in urls)
    assert [url for url in urls if not rules.can_fetch("*", url)] == []
    assert not rules.can_fetch("*", "http://localhost/longlist?sql=select+1"), "arbitrary SQL stays off limits"


def test_the_database_is_served_as_sqlite_and_croissant_as_json(client, built):
    response = client.get("/longlist.db")
    assert response.status_code == 200 and response.headers["content-type"] == "application/vnd.sqlite3"
    assert response.content == built.db_path.read_bytes()
    served = client.get("/package/croissant.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert json.loads(served.content)["conformsTo"] == croissant.CONFORMS_TO


def test_base_url_fills_the_citation_url_and_croissant_and_refuses_another(tmp_path):
    project = copy_inputs(tmp_path)
    instance = project.site_dir / "instance.yml"
    instance.write_text(instance.read_text(encoding="utf-8").replace('base_url: ""', f'base_url: "{BASE}/"'), encoding="utf-8")
    assert base_url.configured(project) == BASE
    cff = citation.load(project)
    assert cff["url"] == f"{BASE}/"
    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    assert json.loads(croissant.text_for(project, descriptor))["url"] == f"{BASE}/"
    assert f"{BASE}/" in citation.bibtex_dataset(cff, descriptor)
    with project.citation_path.open("a", encoding="utf-8") as handle:
        handle.write('url: "https://elsewhere.example.org/"\n')
    with pytest.raises(BuildError, match="differs from site/instance.yml's base_url"):
        citation.load(project)


@pytest.mark.parametrize("value", ["longlist.example.org", "https://x.org/?a=1", "ftp://x.org", "https://x.org/#top"])
def test_a_base_url_that_is_not_an_http_address_is_refused(value):
    with pytest.raises(BuildError, match="base_url: expected an absolute http"):
        base_url.check(value)
