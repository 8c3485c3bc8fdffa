"""Builds are deterministic, and a failed build leaves every previous output untouched."""

import hashlib
import json
import zipfile

import pytest
from frictionless import validate

from scripts.build import build, built_zip_name
from scripts.core.errors import BuildError
from tests.helpers import copy_inputs, output_snapshot, quiet


@pytest.mark.slow
def test_two_builds_give_identical_output_bytes(built, tmp_path):
    again = copy_inputs(tmp_path)
    build(again, progress=quiet)
    first, second = output_snapshot(built.root), output_snapshot(again.root)
    assert first.keys() == second.keys()
    compared = [path for path in first if not path.endswith(".db")]
    # every kind of output: the CSVs, descriptor, metadata, charts, the argument map and the zip
    assert {"datapackage.json", "metadata.yml", "data/theories.csv"} <= set(compared)
    assert any(path.endswith(".zip") for path in compared) and any(path.endswith(".svg") for path in compared)
    for path in compared:
        assert first[path] == second[path], path


def test_corrupted_raw_file_fails_clearly_and_changes_nothing(fresh_copy):
    before = output_snapshot(fresh_copy.root)
    raw = fresh_copy.raw_path
    raw.write_bytes(raw.read_bytes().replace(b"Auditing", b"Audit", 1))
    with pytest.raises(BuildError) as failure:
        build(fresh_copy, progress=quiet)
    message = str(failure.value)
    assert "data/raw/longlist-theories-of-impact.lesswrong.txt" in message
    assert "SHA-256" in message and "git checkout -- data/raw/" in message
    assert output_snapshot(fresh_copy.root) == before


def test_failure_in_a_late_stage_changes_nothing(fresh_copy):
    before = output_snapshot(fresh_copy.root)
    kinds = fresh_copy.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: anecdote"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"theory_point_kinds.yml:\d+: kind: 'anecdote' is not a kind"):
        build(fresh_copy, progress=quiet)
    assert output_snapshot(fresh_copy.root) == before
    assert not list(fresh_copy.build_dir.glob("staging-*")), "staging folder left behind"


def test_package_zip_holds_the_valid_package(built, tmp_path):
    """The zip's contents (its reproducibility is test_two_builds_give_identical_output_bytes')."""
    descriptor = json.loads(built.package_path.read_text(encoding="utf-8"))
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped"  # flat: datapackage.json at the root of the archive
    for resource in descriptor["resources"]:
        assert (folder / resource["path"]).read_bytes() == (built.root / resource["path"]).read_bytes()
    assert (folder / "data/raw/longlist-theories-of-impact.lesswrong.txt").read_bytes() == built.raw_path.read_bytes()
    assert {"README.md", "LICENSE", "datapackage.json", "CITATION.cff"} <= set(names)
    assert validate(str(folder / "datapackage.json")).valid
    digest_line = (built.build_dir / "downloads" / f"{archive.name}.sha256").read_text(encoding="utf-8")
    assert digest_line == f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
