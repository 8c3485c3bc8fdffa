"""`import-ratings`: both spreadsheet layouts, headers as people type them, all-or-nothing errors."""

import contextlib
import io
import os
import shutil
import subprocess
import sys

import pytest

from scripts.cli import main
from scripts.core.errors import BuildError, BuildErrors
from scripts.core.schema import load_descriptor
from scripts.pipeline.build import build
from scripts.ratings import contributed
from scripts.ratings import importer as import_ratings
from tests.helpers import REPO, add_scripts, copy_inputs, quiet, read_csv

IMPORTS = REPO.root / "tests" / "fixtures" / "ratings" / "import"
FIXTURE_NOTE = "TEST FIXTURE: made up for the tests; not real ratings"


@pytest.fixture
def project(tmp_path):
    project = copy_inputs(tmp_path / "project")
    shutil.copy(REPO.data_dir / "theories.csv", project.data_dir / "theories.csv")
    return project


@pytest.fixture(scope="module")
def names():
    return import_ratings.TheoryNames(read_csv(REPO, "theories"))


def written(project):
    folder = project.contrib_ratings_dir
    return sorted(name for name in os.listdir(folder) if name.endswith(".csv")) if folder.exists() else []


@pytest.mark.parametrize(
    "typed, number",
    [
        ("3", 3),
        ("#3", 3),
        ("Theory 3", 3),
        ("theory #3", 3),
        ("(3)", 3),
        ("3.", 3),
        ("3)", 3),
        ("3. Auditing", 3),
        ("3 - Auditing", 3),
        ("3: auditing", 3),
        ("Auditing", 3),
        ("  AUDITING ", 3),
        ("Auditing for deception", 4),
        ("auditing a training run", 19),
        ("Auditing for deception: Rather than fully auditing", 4),
        ("Force-multiplier on alignment research", 1),
        ("force multiplier on alignment research", 1),
        ("Enabling coordination / cooperation", 5),
        ("Eliciting Latent Knowledge", 20),
        ("Microscope", 15),
        ("1. Force-multiplier on alignment research: Interpretability", 1),
        ("Cultural shift 2", 13),
        ("12", 12),
    ],
)
def test_a_theory_is_found_by_number_title_or_both(names, typed, number):
    assert names.find(typed) == (number, None)


@pytest.mark.parametrize(
    "typed, why",
    [
        ("21", "there is no theory 21"),
        ("0", "there is no theory 0"),
        ("3. Auditing for deception", "says theory 3 ('Auditing') but the title is theory 4's"),
        ("2. Microscope AI", "says theory 2 ('Better prediction of future systems') but the title is theory 15's"),
        ("Interpretability", "names no theory"),
        ("Cultural", "could be theory 12, 13"),
        ("", "is empty"),
    ],
)
def test_a_header_that_names_no_single_theory_is_refused(names, typed, why):
    number, problem = names.find(typed)
    assert number is None and why in problem


def test_the_wide_layout_makes_one_file_per_rater(project):
    import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"))
    assert written(project) == ["fixture-importer-a-2000-02-01.csv", "fixture-importer-b-2000-02-02.csv", "fixture-importer-c.csv"]
    rules = contributed.Rules.from_package(load_descriptor(project), range(1, 21))
    sets = {name: contributed.read_set(str(project.contrib_ratings_dir / name), name, rules)[0] for name in written(project)}
    a, b, c = sets.values()
    assert a.scores == {1: 7, 2: 5, 3: 9, 5: 3, 20: 8} and a.date == "2000-02-01" and a.label == "Fixture importer A"
    assert b.scores == {1: 6, 2: 4, 3: 2, 4: 8, 5: 1} and b.date == "2000-02-02"
    assert c.scores == {1: 10, 3: 7.5, 4: 6, 5: 0, 20: 10} and c.date is None
    assert a.note == f"Imported with import-ratings from wide.csv, line 2. {FIXTURE_NOTE}"


def test_the_long_layout_gives_the_same_kind_of_sets(project):
    sets = import_ratings.read_export(IMPORTS / "long.csv", project)
    assert [(s.id, s.scores) for s in sets] == [("fixture-importer-a", {1: 7, 2: 5, 3: 9}), ("fixture-importer-b", {3: 2, 4: 8, 20: 0})]
    assert sets[1].note == f"Imported with import-ratings from long.csv, lines 5-7. {FIXTURE_NOTE}"
    assert written(project) == []  # read_export writes nothing


@pytest.mark.slow
def test_imported_sets_go_through_the_build(project, remembered_charts):
    import_ratings.run(project, IMPORTS / "long.csv", note="Export of the test fixture spreadsheet.", out=open(os.devnull, "w"))
    build(project, progress=quiet)
    sets = {r["id"]: r for r in read_csv(project, "rating_sets")}
    assert sets["fixture-importer-b"]["note"].startswith("Imported with import-ratings from long.csv, lines 5-7. Export of the test fixture spreadsheet.")
    assert len([r for r in read_csv(project, "ratings") if r["rating_set_id"].startswith("fixture-importer-")]) == 6


def test_every_problem_is_listed_by_line_and_column_and_nothing_is_written(project):
    with pytest.raises(BuildErrors) as failure:
        import_ratings.run(project, IMPORTS / "problems.csv")
    found = [(e.line, e.field, e.message) for e in failure.value.errors]
    expected = [
        (3, 'column C "score"', "11 is out of range"),
        (4, 'column C "score"', "'seven' is not a number"),
        (5, 'column B "theory"', "there is no theory 21"),
        (6, 'column B "theory"', "names no theory"),
        (7, 'column C "score"', "already scored theory 1 on line 2"),
        (8, 'column A "rater"', "every row needs the rater's name"),
        (9, 'column B "theory"', "the title is theory 4's"),
    ]
    assert [(line, field) for line, field, _ in found] == [(line, field) for line, field, _ in expected]
    for (_, _, message), (_, _, part) in zip(found, expected):
        assert part in message
    assert all(str(e).startswith(f"{IMPORTS / 'problems.csv'}:") for e in failure.value.errors)
    assert written(project) == []


def test_problems_in_a_wide_header_are_listed(project, tmp_path):
    export = tmp_path / "header.csv"
    export.write_text("rater,3,Autiding,3,theory 44\nFixture importer A,1,2,3,4\n", encoding="utf-8")
    with pytest.raises(BuildErrors) as failure:
        import_ratings.read_export(export, project)
    assert [(e.line, e.field) for e in failure.value.errors] == [(1, 'column C "Autiding"'), (1, 'column D "3"'), (1, 'column E "theory 44"')]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", ":1: the file is empty"),
        (b"\n\n", ":1: the file is empty"),
        (b"rater,1,2\n", ":2: no ratings: the file has a header but no rows"),
        (b"\nrater,1,2\n", ":3: no ratings: the file has a header but no rows"),
        (b"\nrater,Autiding\n", ':2: column B "Autiding": names no theory'),
        (b"1,2,3\n5,5,5\n", ":1: no rater column"),
        (b"rater,1\nFixture importer A,\n", ":2: rater 'Fixture importer A' has no scores"),
        (b"rater,1\nFixture importer A,5\nFixture importer A,6\n", ":3: column B \"1\": rater 'Fixture importer A' already scored theory 1 on line 2"),
        (b"rater,1,date\nFixture importer A,5,01/02/2003\n", ":2: column C \"date\": '01/02/2003' is not a date"),
        (b"rater,1\nFixture importer A,5,6\n", ":2: the row has 3 cells but the header only 2"),
        ("rater,1\nZoë,5\n".encode("latin-1"), ":2: not UTF-8 text: byte 0xeb at column 3"),
    ],
)
def test_bad_exports_are_refused_with_a_clear_message(project, tmp_path, content, message):
    export = tmp_path / "export.csv"
    export.write_bytes(content)
    with pytest.raises((BuildError, BuildErrors)) as failure:
        import_ratings.run(project, export)
    assert f"{export}{message}" in str(failure.value)
    assert written(project) == []


def test_a_utf8_byte_order_mark_and_semicolons_are_fine(project, tmp_path):
    export = tmp_path / "excel.csv"
    export.write_bytes(b"\xef\xbb\xbf" + "Rater;Theory 3;Microscope AI\nZoë;8;2\n".encode("utf-8"))
    sets = import_ratings.read_export(export, project)
    assert [(s.id, s.label, s.scores) for s in sets] == [("zoe", "Zoë", {3: 8, 15: 2})]


def test_importing_the_same_raters_again_is_refused(project):
    import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"))
    before = {name: (project.contrib_ratings_dir / name).read_bytes() for name in written(project)}
    with pytest.raises(BuildErrors, match="fixture-importer-c.csv already exists"):
        import_ratings.run(project, IMPORTS / "wide.csv")
    assert {name: (project.contrib_ratings_dir / name).read_bytes() for name in written(project)} == before


def test_a_failure_while_writing_leaves_no_file_behind(project, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"))
    assert written(project) == []  # the first file was taken back
    assert not [p for p in project.contrib_ratings_dir.iterdir() if p.name.startswith(".incoming-")]  # and the staging folder removed


@pytest.mark.slow
def test_the_command_lists_every_problem(project):
    add_scripts(project.root)
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "import-ratings", str(IMPORTS / "problems.csv")], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len([line for line in lines if line.startswith(f"error: {IMPORTS / 'problems.csv'}:")]) == 7
    assert lines[-1] == "7 problems; nothing was changed"
    out = io.StringIO()  # the good file in-process: the process itself is shown above
    with contextlib.redirect_stdout(out):
        assert main(["import-ratings", str(IMPORTS / "long.csv")], root=project.root) == 0
    assert "imported 2 rating sets" in out.getvalue() and len(written(project)) == 2
