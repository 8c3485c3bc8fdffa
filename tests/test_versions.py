"""One version number: datapackage.json holds it, every copy agrees, the CHANGELOG covers it."""

import json
import re
import shutil
import tomllib

import pytest
import yaml

from scripts.core.errors import BuildError
from scripts.release import versions
from tests.helpers import REPO, copy_inputs


def test_the_hand_written_copies_of_the_version_agree_with_datapackage_json(descriptor):
    """pyproject.toml, CITATION.cff and the CHANGELOG are typed by hand: each is read here, not
    with the code's reader. (metadata.yml and the README's citation block are generated from
    datapackage.json, so they are checked by the freshness tests, test_package.py's and
    `docs --check`'s, and a hand edit of them by test_a_disagreeing_copy_is_reported.)"""
    version = descriptor["version"]
    assert tomllib.loads((REPO.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"] == version
    assert str(yaml.safe_load(REPO.citation_path.read_text(encoding="utf-8"))["version"]) == version
    newest = re.search(r"^## \[?(\d+\.\d+\.\d+)\]? — ", REPO.changelog_path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert newest and newest[1] == version


def test_the_version_check_knows_every_copy_and_passes_on_the_repository():
    assert set(versions.copies(REPO)) == {
        "pyproject.toml [project] version",
        "CITATION.cff version",
        "CHANGELOG.md newest section",
        "metadata.yml about",
        "README.md citation block",
    }
    assert versions.disagreements(REPO) == []


def test_the_version_is_semantic(descriptor):
    major, minor, patch = versions.parse(descriptor["version"])
    assert all(isinstance(part, int) and part >= 0 for part in (major, minor, patch))
    for bad in ("1.0", "v1.0.0", "1.0.0-beta", "01.2.3"):
        with pytest.raises(BuildError, match="not a semantic version"):
            versions.parse(bad)


@pytest.mark.parametrize(
    "path, old, new, where",
    [
        ("pyproject.toml", 'version = "{v}"', 'version = "9.9.9"', "pyproject.toml"),
        ("CITATION.cff", "version: {v}", "version: 9.9.9", "CITATION.cff"),
        ("CHANGELOG.md", "## {v} —", "## 9.9.9 —", "CHANGELOG.md"),
        ("README.md", "This is version **{v}**", "This is version **9.9.9**", "README.md"),
        ("metadata.yml", " v{v}", " v9.9.9", "metadata.yml"),
    ],
)
def test_a_disagreeing_copy_is_reported(tmp_path, descriptor, path, old, new, where):
    project = copy_inputs(tmp_path)
    for extra in ("pyproject.toml", "metadata.yml"):
        shutil.copy2(REPO.root / extra, tmp_path / extra)
    target = tmp_path / path
    text = target.read_text(encoding="utf-8")
    assert old.format(v=descriptor["version"]) in text
    target.write_text(text.replace(old.format(v=descriptor["version"]), new, 1), encoding="utf-8")
    problems = versions.disagreements(project)
    assert len(problems) == 1 and problems[0].startswith(where) and "9.9.9" in problems[0], problems
    with pytest.raises(BuildError, match="copies disagree"):
        versions.check(project)


def changelog_sections():
    """[(version, date)] of the CHANGELOG's release headings "## X.Y.Z — YYYY-MM-DD", read here."""
    return re.findall(r"^## \[?(\d+\.\d+\.\d+)\]? — (\d{4}-\d{2}-\d{2})\s*$", REPO.changelog_path.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_changelog_dates_the_current_version_as_citation_cff_does(descriptor):
    dates = dict(changelog_sections())
    cff = yaml.safe_load(REPO.citation_path.read_text(encoding="utf-8"))
    assert dates[descriptor["version"]] == str(cff["date-released"])
    assert versions.changelog_sections(REPO.changelog_path.read_text(encoding="utf-8")) == changelog_sections()


def test_changelog_sections_are_newest_first_and_cover_every_recorded_release():
    sections = changelog_sections()
    numbers = [tuple(int(part) for part in version.split(".")) for version, _ in sections]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    recorded = {path.parent.name for path in REPO.releases_dir.glob("*/manifest.json")}
    assert recorded, "no release recorded under releases/"
    assert recorded <= {version for version, _ in sections}


def test_version_is_shown_on_the_datasette_pages(client, descriptor):
    version = descriptor["version"]
    # Datasette 0.65 puts `about` in the footer of these pages (not on row and saved-query pages).
    for path in ("/", "/longlist", "/longlist/theories", "/longlist/theory_overview"):
        page = client.get(path)
        assert page.status_code == 200
        assert f"v{version}" in page.text, path
    assert f"Version {version}" in client.get("/").text


def test_release_records_are_named_by_their_version():
    for path in REPO.releases_dir.glob("*/manifest.json"):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert path.parent.name == manifest["version"]
        assert re.fullmatch(r"[0-9a-f]{64}", manifest["database"]["dump_sha256"])
