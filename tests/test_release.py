"""Releases: dist/<name>-<version>/ holds the zip, the database and SHA256SUMS; the same
inputs give the same bytes; a version is never given other bytes; ids are never renumbered
silently; the release record agrees with what it describes."""

import csv
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from scripts.build import build
from scripts.core.errors import BuildError
from scripts.core.paths import Project
from scripts.make_release import SUMS_NAME, dump_sha256, manifest_text, release
from scripts.publishing import charts
from scripts.release import identifiers, package_reader
from tests.helpers import REPO, add_scripts, copy_project, quiet, releasable_copy, remember_svg


def folder_bytes(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    project = releasable_copy(tmp_path_factory.mktemp("released"))
    with pytest.MonkeyPatch.context() as patch:  # as the remembered_charts fixture: the charts are not what a release is about
        patch.setattr(charts, "render_svg", remember_svg(charts.render_svg))
        target = release(project, progress=quiet)
    return project, target


@pytest.mark.slow
def test_release_folder_holds_zip_database_and_checksums(released, descriptor):
    project, target = released
    name = f"{descriptor['name']}-{descriptor['version']}"
    assert target == project.dist_dir / name
    assert sorted(p.name for p in target.iterdir()) == sorted([f"{name}.zip", "longlist.db", "croissant.json", SUMS_NAME])
    with zipfile.ZipFile(target / f"{name}.zip") as archive:
        assert (target / "croissant.json").read_bytes() == archive.read("croissant.json"), "the zip's own croissant.json"
    sums = (target / SUMS_NAME).read_text(encoding="utf-8").splitlines()
    assert len(sums) == 3
    for line in sums:
        digest, file = line.split("  ")
        assert hashlib.sha256((target / file).read_bytes()).hexdigest() == digest
    with zipfile.ZipFile(target / f"{name}.zip") as archive:
        members = set(archive.namelist())
        assert {"datapackage.json", "CITATION.cff", "CHANGELOG.md", "README.md", "LICENSE"} <= members
        assert archive.read("CITATION.cff") == REPO.citation_path.read_bytes()
        assert archive.read("README.md") == (REPO.root / "README.md").read_bytes(), "the release's README is the committed one"
    database = sqlite3.connect(target / "longlist.db")
    assert database.execute("select count(*) from theories").fetchone()[0] == 20
    assert database.execute("select count(*) from comments").fetchone()[0] == 18
    database.close()


def test_the_release_zip_opens_as_a_package_and_every_table_validates(released, descriptor):
    from frictionless import Package

    project, target = released
    package = Package(str(target / f"{descriptor['name']}-{descriptor['version']}.zip"))
    report = package.validate()
    assert report.valid, report.to_summary()
    assert [task.name for task in report.tasks] == [r["name"] for r in descriptor["resources"]]


@pytest.mark.slow
def test_two_releases_from_the_same_inputs_are_byte_identical_database_included(released, tmp_path, remembered_charts):
    project, target = released
    again = releasable_copy(tmp_path)
    second = release(again, progress=quiet)
    first_files, second_files = folder_bytes(target), folder_bytes(second)
    assert first_files.keys() == second_files.keys()
    for name in first_files:  # the SQLite file itself, not only a dump, is compared
        assert first_files[name] == second_files[name], name
    record = "releases/" + json.loads(project.package_path.read_text(encoding="utf-8"))["version"] + "/manifest.json"
    assert (project.root / record).read_bytes() == (again.root / record).read_bytes()


@pytest.mark.slow
def test_the_release_record_describes_the_release(released, descriptor):
    project, target = released
    manifest = json.loads((project.releases_dir / descriptor["version"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == descriptor["version"] and manifest["name"] == descriptor["name"]
    assert manifest["files"] == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.iterdir() if p.name != SUMS_NAME}
    assert manifest["database"] == {"sqlite_version": sqlite3.sqlite_version, "dump_sha256": dump_sha256(target / "longlist.db")}
    with zipfile.ZipFile(target / f"{descriptor['name']}-{descriptor['version']}.zip") as archive:
        released_descriptor = json.loads(archive.read("datapackage.json"))  # a flat zip: the package at its root
        for resource in released_descriptor["resources"]:
            rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode("utf-8"), newline="")))
            recorded = manifest["ids"][resource["name"]]
            keys = resource["schema"]["primaryKey"]
            assert recorded["primary_key"] == keys and [entry["key"] for entry in recorded["rows"]] == [[row[k] for k in keys] for row in rows]
        assert set(manifest["ids"]) == {resource["name"] for resource in released_descriptor["resources"]}
    assert manifest_text(manifest) == (project.releases_dir / descriptor["version"] / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_releasing_again_reproduces_and_keeps_everything(released, remembered_charts):
    project, target = released
    before = folder_bytes(project.dist_dir), folder_bytes(project.releases_dir)
    release(project, progress=quiet)
    assert (folder_bytes(project.dist_dir), folder_bytes(project.releases_dir)) == before


@pytest.mark.slow
def test_other_bytes_under_a_released_version_are_refused(released, tmp_path, remembered_charts):
    project = copy_project(released[0].root, tmp_path / "project")
    target = project.dist_dir / released[1].name
    before = folder_bytes(project.dist_dir), folder_bytes(project.releases_dir)
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note", 1), encoding="utf-8")
    with pytest.raises(BuildError, match=r"manifest.json: version \S+ was released with other bytes .*must mean the same bytes forever"):
        release(project, progress=quiet)
    assert (folder_bytes(project.dist_dir), folder_bytes(project.releases_dir)) == before
    shutil.rmtree(project.releases_dir)  # even without the record, the dist folder is never overwritten
    with pytest.raises(BuildError, match=r"already holds a release of this version with different bytes"):
        release(project, progress=quiet)
    assert folder_bytes(project.dist_dir) == before[0]
    assert [p.name for p in project.dist_dir.iterdir()] == [target.name], "staging folder left behind"


def test_disagreeing_version_copies_stop_the_release_before_anything_is_built(tmp_path):
    project = releasable_copy(tmp_path)
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('version = "', 'version = "7', 1), encoding="utf-8")
    with pytest.raises(BuildError, match="copies disagree"):
        release(project, progress=quiet)
    assert not project.dist_dir.exists() and not project.db_path.exists()


@pytest.mark.slow
def test_a_silent_renumbering_of_an_earlier_release_stops_the_release(tmp_path, descriptor, remembered_charts):
    project = releasable_copy(tmp_path)
    current = identifiers.ids(package_reader.read(REPO.root))
    comments = current["comments"]["rows"]
    comments[2]["key"], comments[3]["key"] = comments[3]["key"], comments[2]["key"]  # as if c03 and c04 had been swapped
    earlier = {
        "name": descriptor["name"],
        "version": "0.0.1",
        "commit": None,
        "files": {},
        "database": {"sqlite_version": "", "dump_sha256": ""},
        "ids": current,
    }
    (project.releases_dir / "0.0.1").mkdir(parents=True)
    (project.releases_dir / "0.0.1" / "manifest.json").write_text(manifest_text(earlier), encoding="utf-8")
    with pytest.raises(BuildError, match=r"silently renumbers ids released in 0\.0\.1[\s\S]*`comments` c03: its words now sit under c04"):
        release(project, progress=quiet)
    assert not project.dist_dir.exists() or not any(project.dist_dir.iterdir())


@pytest.mark.slow
def test_a_git_checkout_releases_only_committed_inputs(tmp_path, remembered_charts):
    if not shutil.which("git"):
        pytest.fail("git is needed to test the release's commit check (.ci/run installs it)")
    project = releasable_copy(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\ndist/\n", encoding="utf-8")
    add_scripts(tmp_path)
    build(project, progress=quiet)  # the outputs are committed too
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "inputs"], cwd=tmp_path, check=True)
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"before the build: a release is built only from committed files.*theory_point_kinds.yml"):
        release(project, progress=quiet)
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=tmp_path, check=True)
    target = release(project, progress=quiet)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    manifest = json.loads((project.releases_dir / target.name.rsplit("-", 1)[1] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["commit"] == head


@pytest.mark.slow  # seconds of work: the full suite runs it, `make test-fast` does not
def test_a_record_deleted_from_the_working_tree_still_binds_its_version(tmp_path):
    """`git rm releases/<v>/manifest.json`, commit, `make clean`, change the data, `make release`:
    refused, because a commit of the history recorded that version with other bytes."""
    if not shutil.which("git"):
        pytest.fail("git is needed to test the release's history check (.ci/run installs it)")
    project = releasable_copy(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\ndist/\n", encoding="utf-8")
    build(project, progress=quiet)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "inputs"], cwd=tmp_path, check=True)
    target = release(project, progress=quiet)
    version = target.name.rsplit("-", 1)[1]
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", f"release {version}"], cwd=tmp_path, check=True)
    recorded_in = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([*git, "rm", "-q", f"releases/{version}/manifest.json"], cwd=tmp_path, check=True)
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note", 1), encoding="utf-8")
    build(project, progress=quiet)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "drop the record, change the data"], cwd=tmp_path, check=True)
    shutil.rmtree(project.build_dir)
    shutil.rmtree(project.dist_dir)  # what `make clean` deletes
    refusal = rf"version {version} was released with other bytes \(recorded in commit {recorded_in[:12]}: .*permanent, even once deleted"
    with pytest.raises(BuildError, match=refusal):
        release(project, progress=quiet)
    assert not (project.releases_dir / version / "manifest.json").exists()
    assert not project.dist_dir.exists() or not any(project.dist_dir.iterdir())


def test_make_clean_says_what_it_deletes(tmp_path):
    if not shutil.which("make"):
        pytest.fail("make is needed (.ci/run installs it)")
    shutil.copy2(REPO.root / "Makefile", tmp_path / "Makefile")
    add_scripts(tmp_path)
    (tmp_path / "build" / "downloads").mkdir(parents=True)
    (tmp_path / "build" / "longlist.db").write_bytes(b"x" * 2048)
    (tmp_path / "dist" / "longlist-0.1.0").mkdir(parents=True)
    (tmp_path / "releases" / "0.1.0").mkdir(parents=True)
    result = subprocess.run(["make", "-s", "clean", f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "deleting build/" in result.stdout and "deleting dist/" in result.stdout and "releases/ is kept" in result.stdout
    assert not (tmp_path / "build").exists() and not (tmp_path / "dist").exists() and (tmp_path / "releases" / "0.1.0").is_dir()
    # a journal that is not one an interrupted command writes: discarded, never executed, and clean still cleans
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "commit-journal.json").write_text("{}", encoding="utf-8")
    result = subprocess.run(["make", "-s", "clean", f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "discarding build/commit-journal.json" in result.stdout and not (tmp_path / "build").exists()


def test_a_shallow_clone_is_refused_until_it_holds_the_whole_history(tmp_path):
    """In a clone made with --depth 1 the commit that recorded a version is absent, and
    `make release` re-issued that version with other bytes: now a shallow clone is refused,
    saying why and how to fix it, and once unshallowed the history's record binds again."""
    if not shutil.which("git"):
        pytest.fail("git is needed to test the release's history check (.ci/run installs it)")
    origin = tmp_path / "origin"
    project = releasable_copy(origin)
    (origin / ".gitignore").write_text("build/\ndist/\n", encoding="utf-8")
    build(project, progress=quiet)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=origin, check=True)
    subprocess.run([*git, "add", "-A"], cwd=origin, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "inputs"], cwd=origin, check=True)
    target = release(project, progress=quiet)
    version = target.name.rsplit("-", 1)[1]
    subprocess.run([*git, "add", "-A"], cwd=origin, check=True)
    subprocess.run([*git, "commit", "-q", "-m", f"release {version}"], cwd=origin, check=True)
    subprocess.run([*git, "rm", "-q", f"releases/{version}/manifest.json"], cwd=origin, check=True)
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note", 1), encoding="utf-8")
    build(project, progress=quiet)
    subprocess.run([*git, "add", "-A"], cwd=origin, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "drop the record, change the data"], cwd=origin, check=True)

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True)
    shallow = Project(clone)
    with pytest.raises(BuildError, match=r"^\.git: this is a shallow clone \(made with git clone --depth\).*`git fetch --unshallow`"):
        release(shallow, progress=quiet)
    assert not (clone / "dist").exists() and not (clone / "releases" / version).exists()

    subprocess.run(["git", "fetch", "-q", "--unshallow"], cwd=clone, check=True)
    with pytest.raises(BuildError, match=rf"version {version} was released with other bytes \(recorded in commit "):
        release(shallow, progress=quiet)
    assert not (clone / "releases" / version / "manifest.json").exists()
