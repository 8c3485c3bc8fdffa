"""Builds are deterministic, and a failed build leaves every previous output untouched."""

import subprocess
import sys

import pytest

from scripts.core.errors import BuildError
from scripts.core.schema import load_descriptor
from scripts.pipeline.build import build, outputs
from tests.conftest import copy_inputs, quiet


def snapshot(project):
    return {path: (project.root / path).read_bytes() for path in outputs(project, load_descriptor(project))}


def test_two_builds_give_identical_package_bytes(built, tmp_path):
    again = copy_inputs(tmp_path)
    build(again, progress=quiet)
    first, second = snapshot(built), snapshot(again)
    text_outputs = [p for p in first if not p.endswith(".db")]
    assert text_outputs
    for path in text_outputs:
        assert first[path] == second[path], path


def test_corrupted_raw_file_fails_clearly_and_changes_nothing(fresh_copy):
    before = snapshot(fresh_copy)
    raw = fresh_copy.raw_path
    raw.write_bytes(raw.read_bytes().replace(b"Auditing", b"Audit", 1))
    with pytest.raises(BuildError) as failure:
        build(fresh_copy, progress=quiet)
    message = str(failure.value)
    assert "data/raw/longlist-theories-of-impact.lesswrong.txt" in message
    assert "SHA-256" in message and "git checkout -- data/raw/" in message
    assert snapshot(fresh_copy) == before


def test_failure_in_a_late_stage_changes_nothing(fresh_copy):
    before = snapshot(fresh_copy)
    kinds = fresh_copy.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: anecdote"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"theory_point_kinds.yml:\d+: kind: 'anecdote' is not a kind"):
        build(fresh_copy, progress=quiet)
    assert snapshot(fresh_copy) == before
    assert not list(fresh_copy.build_dir.glob("staging-*")), "staging folder left behind"


def test_cli_reports_errors_in_one_line_without_traceback(tmp_path):
    project = copy_inputs(tmp_path)
    project.raw_path.write_text("truncated", encoding="utf-8")
    # The CLI resolves the repo from its own location, so run a copy of the scripts there.
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO.root / "scripts", tmp_path / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "scripts", "build"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: data/raw/longlist-theories-of-impact.lesswrong.txt: SHA-256 is ")
    assert "Traceback" not in result.stderr


def test_package_zip_is_reproducible_and_holds_the_valid_package(built, tmp_path):
    import hashlib
    import json
    import zipfile

    from frictionless import validate

    from scripts.pipeline.build import built_zip_name

    descriptor = json.loads(built.package_path.read_text(encoding="utf-8"))
    archive = built.build_dir / "downloads" / built_zip_name(built, descriptor)
    again = copy_inputs(tmp_path / "again")
    build(again, progress=quiet)
    assert archive.read_bytes() == (again.build_dir / "downloads" / archive.name).read_bytes()
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
