"""`import-ratings`: the three spreadsheet layouts, headers and scores as people type them,
every problem in one run, a preview before anything is written, all-or-nothing errors."""

import contextlib
import io
import os
import shutil
import subprocess
import sys

import pytest

from scripts.build import build
from scripts.cli import main
from scripts.core.errors import BuildError, BuildErrors
from scripts.core.schema import load_descriptor
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
    import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"), yes=True)
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
    import_ratings.run(project, IMPORTS / "long.csv", note="Export of the test fixture spreadsheet.", out=open(os.devnull, "w"), yes=True)
    build(project, progress=quiet)
    sets = {r["id"]: r for r in read_csv(project, "rating_sets")}
    assert sets["fixture-importer-b"]["note"].startswith("Imported with import-ratings from long.csv, lines 5-7. Export of the test fixture spreadsheet.")
    assert len([r for r in read_csv(project, "ratings") if r["rating_set_id"].startswith("fixture-importer-")]) == 6


def test_every_problem_is_listed_by_line_and_column_and_nothing_is_written(project):
    with pytest.raises(BuildErrors) as failure:
        import_ratings.run(project, IMPORTS / "problems.csv", yes=True)
    found = [(e.line, e.field, e.message) for e in failure.value.errors]
    expected = [
        (3, 'column C "score"', "11 is out of range"),
        (4, 'column C "score"', "'seven' is not a number"),
        (5, 'column B "theory"', "there is no theory 21"),
        (6, 'column B "theory"', "names no theory"),
        (7, 'column C "score"', "already scored theory 1 on line 2"),
        (8, 'column A "rater"', "expected the rater's name on every row"),
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
        (b"\nrater,Autiding\n", ":2: column B \"Autiding\": 'Autiding' names no theory"),
        (b"1,2,3\n5,5,5\n", ":1: no rater column"),
        (b"rater,1\nFixture importer A,\n", ":2: rater 'Fixture importer A' has no scores"),
        (b"rater,1\nFixture importer A,5\nFixture importer A,6\n", ":3: column A \"rater\": rater 'Fixture importer A' is listed twice (first on line 2)"),
        (b"rater,1,date\nFixture importer A,5,01/02/2003\n", ":2: column C \"date\": '01/02/2003' is not a date"),
        (b"rater,1\nFixture importer A,5,6\n", ":2: the row has 3 cells but the header only 2"),
        ("rater,1\nZoë,5\n".encode("latin-1"), ":2: not UTF-8 text: byte 0xeb at column 3"),
    ],
)
def test_bad_exports_are_refused_with_a_clear_message(project, tmp_path, content, message):
    export = tmp_path / "export.csv"
    export.write_bytes(content)
    with pytest.raises((BuildError, BuildErrors)) as failure:
        import_ratings.run(project, export, yes=True)
    assert f"{export}{message}" in str(failure.value)
    assert written(project) == []


def test_a_utf8_byte_order_mark_and_semicolons_are_fine(project, tmp_path):
    export = tmp_path / "excel.csv"
    export.write_bytes(b"\xef\xbb\xbf" + "Rater;Theory 3;Microscope AI\nZoë;8;2\n".encode("utf-8"))
    sets = import_ratings.read_export(export, project)
    assert [(s.id, s.label, s.scores) for s in sets] == [("zoe", "Zoë", {3: 8, 15: 2})]


def test_importing_the_same_raters_again_is_refused(project):
    import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"), yes=True)
    before = {name: (project.contrib_ratings_dir / name).read_bytes() for name in written(project)}
    with pytest.raises(BuildErrors, match="fixture-importer-c.csv already exists"):
        import_ratings.run(project, IMPORTS / "wide.csv", yes=True)
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
        import_ratings.run(project, IMPORTS / "wide.csv", out=open(os.devnull, "w"), yes=True)
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
        assert main(["import-ratings", str(IMPORTS / "long.csv"), "--yes"], root=project.root) == 0
    assert "imported 2 rating sets" in out.getvalue() and len(written(project)) == 2


# Headings as people abbreviate them ------------------------------------------------------


@pytest.mark.parametrize(
    "typed, number",
    [
        ("1. Force mult.", 1),  # cut short
        ("2. Better predictions", 2),  # another form of a title word
        ("3. Audit", 3),
        ("4. Auditing", 4),  # theory 3's whole title, but also how theory 4's begins: the number decides
        ("5. Coordination", 5),  # one word of the title
        ("9. Interp in the loss", 9),
        ("12. Cultural shift", 12),  # could be 12 or 13 by title alone: the number decides
        ("20. ELK", 20),  # the title's initials
        ("7. RLHF", 7),  # an acronym of no title: the number decides
        ("14. Helplessness", 14),
        ("ELK", 20),  # initials alone name the one theory they fit
        ("ITLF", 9),
    ],
)
def test_a_numbered_heading_with_a_short_or_paraphrased_title_is_that_theory(names, typed, number):
    assert names.find(typed) == (number, None)


@pytest.mark.parametrize(
    "typed, number, other",
    [
        ("13. Cultural shift 1", 13, 12),
        ("2. Microscope AI", 2, 15),
        ("5. Eliciting Latent Knowledge", 5, 20),
        ("3. Auditing a training run", 3, 19),
        ("1. ELK", 1, 20),
    ],
)
def test_a_title_that_clearly_names_another_theory_than_its_number_is_a_conflict(names, typed, number, other):
    found, problem = names.find(typed)
    assert found is None
    assert f"says theory {number} " in problem and f"the title is theory {other}'s" in problem and repr(typed) in problem


def test_an_export_with_abbreviated_headings_imports_and_the_preview_says_how_each_was_read(project):
    reading = import_ratings.read(IMPORTS / "abbreviated.csv", project)
    assert reading.layout == "wide"
    [rating_set] = reading.sets
    assert rating_set.scores == {1: 7, 2: 5, 3: 9, 4: 8, 5: 3, 9: 6, 12: 4, 15: 2, 20: 8}
    shown = "\n".join(import_ratings.preview(reading, project))
    assert "'4. Auditing' read as theory 4 by its number; 'Auditing' taken as a short form of its title 'Auditing for deception'" in shown
    assert 'line 1, column H "12. Cultural shift"' in shown
    assert written(project) == []


# Every problem in one run ----------------------------------------------------------------


def test_header_problems_do_not_hide_the_problems_in_the_rows(project):
    """Each problem of the file, with its line, its column, the value and what was expected."""
    with pytest.raises(BuildErrors) as failure:
        import_ratings.run(project, IMPORTS / "everything-wrong.csv", yes=True)
    found = [(e.line, e.field) for e in failure.value.errors]
    assert found == [
        (1, 'column C "Autiding"'),  # names no theory
        (1, 'column D "2. Microscope AI"'),  # number and title disagree
        (2, 'column B "3"'),  # 11: out of range
        (2, 'column E "5"'),  # seven: not a number
        (3, 'column A "rater"'),  # the rater again
        (4, 'column B "3"'),  # 7/5: a score out of 5
        (4, 'column E "5"'),  # ten
        (4, 'column F "date"'),  # 01/02/2000
        (5, 'column A "rater"'),  # no name
    ]
    messages = [e.message for e in failure.value.errors]
    for value, message in zip(["'Autiding'", "'2. Microscope AI'", "11", "'seven'", "'Fixture importer A'", "'7/5'", "'ten'", "'01/02/2000'"], messages):
        assert value in message and "expected" in message
    assert "expected the rater's name" in messages[-1]
    assert written(project) == []


def test_the_command_lists_header_and_row_problems_together(project):
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "import-ratings", str(IMPORTS / "everything-wrong.csv"), "--yes"],
        cwd=REPO.root,
        env={**os.environ, "PYTHONPATH": str(REPO.root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and lines[-1] == "9 problems; nothing was changed"
    assert lines[0].startswith(f"error: {IMPORTS / 'everything-wrong.csv'}:1: column C \"Autiding\": 'Autiding' names no theory")
    assert result.stdout == ""  # no preview for a file that cannot be imported


# Three layouts ---------------------------------------------------------------------------


def sets_by_label(sets):
    return {s.label: (s.scores, s.date) for s in sets}


def test_the_transposed_layout_reads_as_the_same_sets_as_the_wide_one(project):
    wide = import_ratings.read(IMPORTS / "wide.csv", project)
    transposed = import_ratings.read(IMPORTS / "transposed.csv", project)
    assert (wide.layout, transposed.layout) == ("wide", "transposed")
    assert sets_by_label(transposed.sets) == sets_by_label(wide.sets)
    assert [s.note for s in transposed.sets][0] == f"Imported with import-ratings from transposed.csv, column B. {FIXTURE_NOTE}"
    shown = import_ratings.preview(transposed, project)
    assert shown[0] == f"Read {IMPORTS / 'transposed.csv'} as the transposed layout (one row per theory, one column per rater)."
    assert "  Fixture importer B: 5 scores -> data/contrib/ratings/fixture-importer-b-2000-02-02.csv" in shown


@pytest.mark.parametrize(
    "layout, text",
    [
        ("wide", "Rater,1,3. Auditing,Theory 20\nFixture importer A,7,9,2\nFixture importer B,3,,8\n"),
        ("transposed", "Theory,Fixture importer A,Fixture importer B\n1,7,3\n3. Auditing,9,\nTheory 20,2,8\n"),
        ("transposed", "#,Title,Fixture importer A,Fixture importer B\n1,Force-multiplier,7,3\n3,Auditing,9,\n20,ELK,2,8\n"),
        ("transposed", ",Fixture importer A,Fixture importer B\n1,7,3\nAuditing,9,\nELK,2,8\n"),
        (
            "long",
            "Rater,Theory,Score\nFixture importer A,1,7\nFixture importer A,3,9\nFixture importer A,20,2\nFixture importer B,1,3\nFixture importer B,ELK,8\n",
        ),
    ],
)
def test_each_layout_says_which_it_is_and_gives_the_same_sets(project, tmp_path, layout, text):
    export = tmp_path / "export.csv"
    export.write_text(text, encoding="utf-8")
    reading = import_ratings.read(export, project)
    assert reading.layout == layout
    assert sets_by_label(reading.sets) == {"Fixture importer A": ({1: 7, 3: 9, 20: 2}, None), "Fixture importer B": ({1: 3, 20: 8}, None)}
    assert import_ratings.preview(reading, project)[0] == f"Read {export} as {import_ratings.LAYOUTS[layout]}."


@pytest.mark.parametrize(
    "text, problems",
    [
        # a rater twice, a theory twice, a column of scores without a rater, a bad score
        (
            "Theory,Fixture importer A,Fixture importer A,\n1,7,3,4\n3,11,,\nAuditing,5,,\n",
            [
                (1, 'column C "Fixture importer A"', "is listed twice (first in column B)"),
                (1, 'column D ""', "the column has scores but no rater's name"),
                (3, 'column B "Fixture importer A"', "11 is out of range"),
                (4, 'column A "Theory"', "'Auditing' is theory 3, which has a row already (line 3)"),
            ],
        ),
        # an unknown theory row, a date that is not one
        (
            "Theory,Fixture importer A\n1,7\nInterpretability in general,5\nDate,yesterday\n",
            [(3, 'column A "Theory"', "'Interpretability in general' names no theory"), (4, 'column B "Fixture importer A"', "'yesterday' is not a date")],
        ),
    ],
)
def test_the_transposed_layout_lists_every_problem(project, tmp_path, text, problems):
    export = tmp_path / "export.csv"
    export.write_text(text, encoding="utf-8")
    with pytest.raises(BuildErrors) as failure:
        import_ratings.run(project, export, yes=True)
    found = failure.value.errors
    assert [(e.line, e.field) for e in found] == [(line, field) for line, field, _ in problems]
    for error, (_, _, part) in zip(found, problems):
        assert part in error.message
    assert written(project) == []


# Score spellings -------------------------------------------------------------------------


def test_common_score_spellings_are_read_and_said_so(project):
    reading = import_ratings.read(IMPORTS / "spellings.csv", project)  # separated by semicolons
    assert reading.sets[0].scores == {1: 7, 2: 7.5, 3: 7.5, 4: 8, 5: 6}
    shown = import_ratings.preview(reading, project)
    assert "Scores read from other spellings: 2 as a decimal comma, 2 as a score out of 10." in shown
    assert """  line 2, column C "2": '7,5' read as 7.5 (a decimal comma)""" in shown
    assert """  line 2, column B "1": '7/10' read as 7 (a score out of 10)""" in shown
    assert not any("'7.5'" in line or "'6'" in line for line in shown)  # plain numbers are read as typed


@pytest.mark.parametrize(
    "cell, delimiter, message",
    [
        ('"7,5"', ",", "'7,5': a decimal comma is ambiguous in a comma-separated file; expected a decimal point (7.5)"),
        ("3/5", ",", "'3/5' is a score out of 5; expected a score out of 10"),
        ("7/100", ";", "'7/100' is a score out of 100"),
        ("70%", ",", "'70%' is not a number"),
        ("7-8", ",", "'7-8' is not a number"),
        ("7.5.1", ",", "'7.5.1' is not a number"),
        ("7,5,1", ";", "'7,5,1' is not a number"),
        ("½", ",", "'½' is not a number"),
        ("12/10", ",", "'12/10': 12 is out of range"),
        ("10,5", ";", "'10,5': 10.5 is out of range"),
        ("-1", ",", "-1 is out of range"),
    ],
)
def test_anything_else_is_an_error_never_a_guess(project, tmp_path, cell, delimiter, message):
    export = tmp_path / "export.csv"
    export.write_text(f"Rater{delimiter}3\nFixture importer A{delimiter}{cell}\n", encoding="utf-8")
    with pytest.raises(BuildErrors) as failure:
        import_ratings.run(project, export, yes=True)
    [error] = failure.value.errors
    assert (error.line, error.field) == (2, 'column B "3"') and message in error.message
    assert written(project) == []


# The preview and the confirmation --------------------------------------------------------


@pytest.mark.parametrize("answer, kept", [("y\n", True), ("yes\n", True), ("n\n", False), ("\n", False), ("", False)])
def test_files_are_written_only_when_the_preview_is_confirmed(project, answer, kept):
    out = io.StringIO()
    files = import_ratings.run(project, IMPORTS / "spellings.csv", out=out, stdin=io.StringIO(answer))
    shown = out.getvalue()
    assert shown.index("Read ") < shown.index("Write this file? [y/N]")
    assert "1 rater, one new file:" in shown and "Fixture importer A: 5 scores" in shown
    assert written(project) == (["fixture-importer-a.csv"] if kept else []) and bool(files) == kept
    if not kept:
        assert "Nothing was written." in shown
    if answer == "":
        assert "pass --yes to import without asking" in shown


def test_the_command_asks_on_standard_input_or_writes_with_yes(project):
    shutil.copytree(REPO.root / "scripts", project.root / "scripts", ignore=shutil.ignore_patterns("__pycache__"))

    def command(*args, answer=None):
        return subprocess.run(
            [sys.executable, "-m", "scripts", "import-ratings", str(IMPORTS / "transposed.csv"), *args],
            cwd=project.root,
            input=answer,
            capture_output=True,
            text=True,
            timeout=60,
        )

    declined = command(answer="n\n")
    assert declined.returncode == 1 and "Write these 3 files? [y/N]" in declined.stdout and "Nothing was written." in declined.stdout
    assert written(project) == []
    accepted = command("--yes")
    assert accepted.returncode == 0 and "as the transposed layout" in accepted.stdout and "[y/N]" not in accepted.stdout
    assert written(project) == ["fixture-importer-a-2000-02-01.csv", "fixture-importer-b-2000-02-02.csv", "fixture-importer-c.csv"]
