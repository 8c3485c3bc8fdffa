"""The committed package: valid, fresh, deterministic in form, and fully described."""

import csv
import hashlib
import json
import shutil

import pytest
import yaml
from frictionless import validate

from scripts.build import build
from scripts.core.errors import BuildError
from scripts.pipeline.load import SQL_TYPES
from scripts.publishing import docs
from tests.helpers import REPO, copy_inputs, key_order, quiet


def test_committed_package_validates_with_frictionless():
    report = validate(str(REPO.package_path))
    assert report.valid, report.to_summary()


def test_package_names_licences_sources_and_version(descriptor):
    for key in ("name", "id", "title", "description", "version", "created", "licenses", "sources", "contributors", "keywords"):
        assert descriptor[key], key
    assert descriptor["sources"][0]["path"].startswith("https://www.lesswrong.com/posts/uK6sQCNMw8WKzJeCQ/")


def test_data_package_v2_metadata(descriptor):
    """Data Package v2 as the standard means it: licences hold licences only, the post's author
    is the source's author (not a creator of this package), the snapshot's hash has a field."""
    import datetime
    import uuid

    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    uuid.UUID(descriptor["id"])  # a globally unique identifier (no DOI has been assigned yet)
    datetime.datetime.fromisoformat(descriptor["created"])  # RFC 3339, fixed in the descriptor: not the build time
    for licence in descriptor["licenses"]:
        assert licence["name"] == "CC-BY-4.0" and licence["path"].startswith("https://creativecommons.org/"), licence
    source = descriptor["sources"][0]
    assert "remain their authors'" in source["rights"]
    meta = yaml.safe_load(REPO.source_meta_path.read_text(encoding="utf-8"))
    assert source["sha256"] == meta["sha256"] == hashlib.sha256(REPO.raw_path.read_bytes()).hexdigest()
    assert source["snapshot"] == REPO.rel(REPO.raw_path) and "sha256" not in source["title"].lower()
    assert "2022-03-11" in source["title"] and "Neel Nanda" in source["title"]
    roles = {c["title"]: c["roles"] for c in descriptor["contributors"]}
    assert "creator" not in roles["Neel Nanda"] and "creator" in roles["Longlist dataset maintainers"]
    assert all(isinstance(r, list) for r in roles.values()), "v2 roles are lists"
    assert "homepage" not in descriptor or "lesswrong.com" not in descriptor["homepage"], "the homepage is the dataset's own, not the post"
    assert {r.get("type") for r in descriptor["resources"]} == {"table"}


@pytest.mark.slow
def test_the_build_fills_the_snapshot_hash_from_source_yml(fresh_copy):
    package = json.loads(fresh_copy.package_path.read_text(encoding="utf-8"))
    package["sources"][0]["sha256"] = "0" * 64
    fresh_copy.package_path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    build(fresh_copy, progress=quiet)
    rebuilt = json.loads(fresh_copy.package_path.read_text(encoding="utf-8"))
    assert rebuilt["sources"][0]["sha256"] == yaml.safe_load(fresh_copy.source_meta_path.read_text(encoding="utf-8"))["sha256"]


def test_every_resource_and_field_is_described_and_keyed(descriptor):
    for resource in descriptor["resources"]:
        assert resource["description"] and resource["title"], resource["name"]
        assert resource["schema"]["primaryKey"], resource["name"]
        for field in resource["schema"]["fields"]:
            assert field.get("description"), f"{resource['name']}.{field['name']}"
            assert field["type"] in SQL_TYPES, "a type the loader does not know"


@pytest.mark.parametrize("name", ["theories", "theory_points", "comments", "post_sections", "rating_sets", "ratings"])
def test_committed_outputs_equal_a_fresh_build(built, name):
    assert (REPO.data_dir / f"{name}.csv").read_bytes() == (built.data_dir / f"{name}.csv").read_bytes()


def test_committed_descriptor_and_metadata_equal_a_fresh_build(built):
    assert REPO.package_path.read_bytes() == built.package_path.read_bytes()
    assert REPO.metadata_path.read_bytes() == built.metadata_path.read_bytes()


def test_data_dictionary_describes_every_field_of_the_package(descriptor):
    dictionary = (REPO.root / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    for resource in descriptor["resources"]:
        assert f"### `{resource['name']}` ({resource['path']})" in dictionary
        for field in resource["schema"]["fields"]:
            assert field["description"].replace("|", "\\|") in dictionary, field["name"]


def test_generated_docs_are_fresh():
    assert docs.stale(REPO) == []


def test_a_stale_generated_doc_fails_the_check(tmp_path):
    project = copy_inputs(tmp_path)
    shutil.copy2(REPO.root / docs.ZENODO_FILE, project.root / docs.ZENODO_FILE)
    shutil.copy2(REPO.root / docs.CROISSANT_FILE, project.root / docs.CROISSANT_FILE)
    assert docs.stale(project) == []
    path = project.root / "docs" / "data-dictionary.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Primary key", "Primary  key", 1), encoding="utf-8")
    assert docs.stale(project) == ["docs/data-dictionary.md"]
    with pytest.raises(BuildError, match="generated docs are stale"):
        docs.write(project, check=True, progress=quiet)
    docs.write(project, progress=quiet)
    assert docs.stale(project) == []


def test_bytes_and_hash_describe_the_files(descriptor):
    for resource in descriptor["resources"]:
        data = (REPO.root / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_csvs_use_lf_and_the_schema_field_order(descriptor):
    for resource in descriptor["resources"]:
        data = (REPO.root / resource["path"]).read_bytes()
        assert b"\r\n" not in data and data.endswith(b"\n")
        header = next(csv.reader([data.decode("utf-8").split("\n", 1)[0]]))
        assert header == [field["name"] for field in resource["schema"]["fields"]]


def test_rows_sorted_by_primary_key(descriptor, tables):
    for resource in descriptor["resources"]:
        keys = [tuple(key_order(row[f]) for f in resource["schema"]["primaryKey"]) for row in tables[resource["name"]]]
        assert keys == sorted(keys), resource["name"]
        assert len(set(keys)) == len(keys), resource["name"]


def test_metadata_column_descriptions_come_from_the_package(descriptor):
    metadata = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))
    tables = metadata["databases"]["longlist"]["tables"]
    for resource in descriptor["resources"]:
        table = tables[resource["name"]]
        assert table["description"] == resource["description"]
        assert table["columns"] == {f["name"]: f["description"] for f in resource["schema"]["fields"]}
    assert metadata["source_url"] == descriptor["sources"][0]["path"]


def test_descriptor_is_stable_json(descriptor):
    text = REPO.package_path.read_text(encoding="utf-8")
    assert text == json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
