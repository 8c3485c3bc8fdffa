"""The gate for untrusted rating files (scripts/ratings/gate.py) where the bad-input corpus
(tests/bad_inputs/contributed_ratings.yml) cannot reach: `import-ratings`' entry, errors capped
for every input, and the value limit shared with the instance (one number, site/plugins/sizes.py)."""

import contextlib
import csv
import importlib.util
import io
import os
import shutil
import subprocess
import sys

import pytest

from scripts.build import build
from scripts.cli import main
from scripts.core import sizes
from scripts.core.errors import SHOWN_ERRORS
from scripts.ratings import gate
from tests.helpers import REPO, DatasetteClient, copy_inputs, quiet


def run(argv, root):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv, root=root)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def project(tmp_path):
    project = copy_inputs(tmp_path / "project")
    shutil.copy(REPO.data_dir / "theories.csv", project.data_dir / "theories.csv")
    return project


def contributed_files(project):
    return sorted(n for n in os.listdir(project.contrib_ratings_dir) if n.endswith(".csv"))


# import-ratings' entry ---------------------------------------------------------------------


def test_an_export_given_as_a_link_is_refused_unread(project, tmp_path):
    link = tmp_path / "export.csv"
    os.symlink("/proc/self/environ", link)
    code, _, stderr = run(["import-ratings", str(link)], project.root)
    assert code == 1 and stderr.startswith(f"error: {link}: is a symbolic link, not a regular file")
    assert "PATH=" not in stderr and "Traceback" not in stderr
    assert contributed_files(project) == []


def test_an_export_that_is_a_fifo_does_not_hang(project, tmp_path):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; from scripts.cli import main; sys.exit(main(['import-ratings', {str(fifo)!r}], root={str(project.root)!r}))"],
        cwd=REPO.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and result.stderr.startswith(f"error: {fifo}: is a FIFO (named pipe), not a regular file"), result.stderr


def test_an_export_over_the_size_cap_is_not_read(project, tmp_path, monkeypatch):
    monkeypatch.setattr(gate, "MAX_EXPORT_BYTES", 1_000)
    export = tmp_path / "export.csv"
    export.write_text("rater,1\n" + "x,5\n" * 500, encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    assert (code, stderr) == (1, f"error: {export}: is 2,008 bytes; the limit is 1,000\n")


def test_a_cell_over_the_csv_field_limit_is_an_error_with_its_line(project, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("rater,1,note\nJane,5,ok\nJoe,6," + "a" * 140_000 + "\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    assert code == 1 and "Traceback" not in stderr
    assert stderr.startswith(f"error: {export}:3: a cell of more than 131,072 characters; a value may be at most {sizes.MAX_TEXT_BYTES:,} bytes")
    assert len(stderr) < 300 and contributed_files(project) == []


@pytest.mark.parametrize(
    "label, expected",
    [
        ('=HYPERLINK("http://example.com")', "starts with '=', which a spreadsheet would run as a formula"),
        ("@SUM(A1)", "starts with '@', which a spreadsheet would run as a formula"),
        ("Jane\x1b[2JDoe", "holds the control character U+001B at character 5"),
    ],
)
def test_an_export_with_a_value_the_build_would_refuse_writes_nothing(project, tmp_path, label, expected):
    export = tmp_path / "export.csv"
    export.write_text(f'rater,1,2\nAnn,5,6\n"{label.replace(chr(34), chr(34) * 2)}",7,8\n', encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    assert code == 1 and "Traceback" not in stderr and "\x1b" not in stderr
    assert f"{export}:3: label: rater " in stderr and expected in stderr
    assert contributed_files(project) == []


@pytest.mark.parametrize(
    "header, why",
    [
        ("(" + " " * 3_000, 'column B "(": is empty'),  # the issue's 3 kB file: spaces a cell's edge drops
        ("(" + " " * 3_000 + "x", "3,002 characters) is too long to name a theory (at most 300 characters)"),
        ("theory" + " " * 3_000 + "#" + " " * 3_000 + "1" * 3_000 + "x", "is too long to name a theory"),
        (",".join(["(" + " " * 3_000 + "x"] * 100), "3,002 characters) is too long to name a theory"),  # 300 kB of them
    ],
)
def test_a_heading_that_made_the_pattern_backtrack_is_a_clean_error(project, tmp_path, header, why):
    """A heading of "(" and spaces took the old pattern cubic time (65 s at 2,000 spaces): now a
    length cap before any matching and a pattern without backtracking (bench/slow_patterns.py
    times it). The message quotes an excerpt of the cell, not the cell."""
    export = tmp_path / "export.csv"
    export.write_text(f"rater,{header}\nJane,5\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export), "--yes"], project.root)
    assert code == 1 and "Traceback" not in stderr and contributed_files(project) == []
    assert stderr.startswith(f"error: {export}:1: column B ") and why in stderr
    assert all(len(line) < 600 for line in stderr.splitlines())  # an excerpt of the heading, not 3 kB of it


def test_import_ratings_refuses_a_ratings_folder_that_leads_outside(project, tmp_path):
    """The build refuses a data/contrib/ratings/ that is a link out of the repository;
    import-ratings must not write through it either."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(project.contrib_ratings_dir)
    os.symlink(outside, project.contrib_ratings_dir)
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2\nJane,5,6\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export), "--yes"], project.root)
    assert code == 1 and "Traceback" not in stderr
    assert stderr.startswith("error: data/contrib/ratings: leads outside the repository (through a symbolic link)")
    assert os.listdir(outside) == []
    code, _, stderr = run(["build"], project.root)  # the same words from the build
    assert code == 1 and stderr.startswith("error: data/contrib/ratings: leads outside the repository (through a symbolic link)")


def test_import_ratings_refuses_a_parent_folder_that_leads_outside(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(project.root / "data" / "contrib")
    os.symlink(outside, project.root / "data" / "contrib")  # data/contrib/ratings/ does not exist yet
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2\nJane,5,6\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export), "--yes"], project.root)
    assert code == 1 and stderr.startswith("error: data/contrib/ratings: leads outside the repository")
    assert os.listdir(outside) == []


def test_a_note_with_a_trailing_space_is_imported_without_it(project, tmp_path):
    """`--note "... "` ended in an AssertionError: the file's values are stripped when read."""
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2\nJane,5,6\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export), "--yes", "--note", "From the workshop sheet. "], project.root)
    assert (code, stderr) == (0, "")
    text = (project.contrib_ratings_dir / contributed_files(project)[0]).read_text(encoding="utf-8")
    assert ' From the workshop sheet."\n' in text


def test_a_note_the_build_would_refuse_is_refused_by_the_import(project, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2\nJane,5,6\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export), "--yes", "--note", "see\u200bhere"], project.root)
    assert code == 1 and "Traceback" not in stderr and contributed_files(project) == []
    assert ":2: note: rater 'Jane': holds the invisible character U+200B (ZERO WIDTH SPACE)" in stderr


# errors capped -----------------------------------------------------------------------------


@pytest.mark.slow  # seconds of work: the full suite runs it, `make test-fast` does not
def test_a_100_000_column_sheet_prints_a_capped_list(project, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("rater," + ",".join(f"nonsense {i}" for i in range(100_000)) + "\nJane," + ",".join("5" * 100_000) + "\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    lines = stderr.splitlines()
    assert code == 1 and len(lines) == SHOWN_ERRORS + 2
    assert all(line.startswith(f"error: {export}:1: column ") for line in lines[:SHOWN_ERRORS])
    assert lines[-2:] == [f"... and {100_000 - SHOWN_ERRORS:,} more", "100000 problems; nothing was changed"]


def test_many_bad_contributed_files_print_a_capped_list(built, tmp_path):
    project = copy_inputs(tmp_path / "project")
    for i in range(SHOWN_ERRORS + 15):
        (project.contrib_ratings_dir / f"bad-{i:02d}.csv").write_text("field,value\nlabel,=1+1\ntheory 1,5\n", encoding="utf-8")
    code, _, stderr = run(["build"], project.root)
    lines = stderr.splitlines()
    assert code == 1 and len(lines) == SHOWN_ERRORS + 2
    assert lines[0].startswith("error: data/contrib/ratings/bad-00.csv:2: label: starts with '='")
    assert lines[-2:] == ["... and 15 more", f"{SHOWN_ERRORS + 15} problems; nothing was changed"]


def test_a_long_message_is_cut_and_control_characters_escaped():
    from scripts.core.errors import MAX_MESSAGE_CHARS, BuildError

    shown = str(BuildError("x.csv", "\x00\x1b" + "v" * 10_000, line=3))
    assert shown.startswith("x.csv:3: \\x00\\x1bvvv") and shown.endswith(" more characters)")
    assert len(shown) < MAX_MESSAGE_CHARS + 100


# one value limit for the build and the instance ------------------------------------------------


def test_the_build_and_the_instance_read_the_same_limit():
    spec = importlib.util.spec_from_file_location("limits_under_test", REPO.site_dir / "plugins" / "limits.py")
    limits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(limits)
    assert limits.MAX_VALUE_BYTES == sizes.MAX_VALUE_BYTES and limits.MAX_SQL_BYTES == sizes.MAX_SQL_BYTES
    assert sizes.MAX_TEXT_BYTES < sizes.MAX_VALUE_BYTES
    assert "25_000" not in (REPO.site_dir / "plugins" / "limits.py").read_text(encoding="utf-8")


@pytest.mark.slow  # seconds of work: the full suite runs it, `make test-fast` does not
def test_the_longest_values_the_build_accepts_are_served(tmp_path):
    """A label and a note of exactly their limits (MAX_LABEL_BYTES, MAX_NOTE_BYTES) pass the
    build, and the pages that show them (the rating_sets table, its row, rater_agreement, CSV
    export) answer 200 on the instance."""
    project = copy_inputs(tmp_path / "project")
    label = "é" * (sizes.MAX_LABEL_BYTES // 2)  # two bytes each: the limit counts bytes
    note = "n" * sizes.MAX_NOTE_BYTES
    for name in ("longest", "other"):
        (project.contrib_ratings_dir / f"{name}.csv").write_text(
            f"field,value\nlabel,{label if name == 'longest' else 'Other'}\nnote,{note}\n" + "".join(f"theory {n},{n % 7}\n" for n in range(1, 21)),
            encoding="utf-8",
        )
    build(project, progress=quiet)
    client = DatasetteClient(project)
    try:
        pages = ["/longlist/rating_sets", "/longlist/rating_sets/longest", "/longlist/rating_sets.csv"]
        pages += ["/longlist/rater_agreement", "/longlist/rater_agreement.json"]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
        assert label in client.get("/longlist/rating_sets.csv").text
    finally:
        client.close()
    (project.contrib_ratings_dir / "longest.csv").write_text(f"field,value\nlabel,{label}é\ntheory 1,5\n", encoding="utf-8")
    code, _, stderr = run(["build"], project.root)
    assert code == 1 and f"label: is {sizes.MAX_LABEL_BYTES + 2:,} bytes long; the limit is {sizes.MAX_LABEL_BYTES:,}" in stderr


def test_each_field_limit_is_within_the_instances():
    assert sizes.MAX_LABEL_BYTES <= sizes.MAX_NOTE_BYTES <= sizes.MAX_TEXT_BYTES
    # the rating page's form (100 and 500 UTF-16 units, up to 3 bytes each) makes files the build takes
    form = (REPO.site_dir / "templates" / "pages" / "rate.html").read_text(encoding="utf-8")
    assert 'name="label" type="text" maxlength="100"' in form and 'name="note" type="text" maxlength="500"' in form
    assert 3 * 100 <= sizes.MAX_LABEL_BYTES and 3 * 500 <= sizes.MAX_NOTE_BYTES


# totals: what all contributed files may add up to ---------------------------------------------


def issue_file(number):
    """One of issue 20's files: a label and a note of 24,000 quote marks (96 kB of CSV)."""
    quotes = '"' * 24_000  # the label starts with 3 digits: 24,000 bytes, within the old limit
    return f'field,value\nlabel,"{number:03d}{quotes[3:] * 2}"\nnote,"{quotes * 2}"\n' + "".join(f"theory {n},{n % 11}\n" for n in range(1, 21))


def test_the_issues_120_files_of_96_kb_are_refused_at_the_gate(built, tmp_path):
    project = copy_inputs(tmp_path / "project")
    for i in range(120):
        (project.contrib_ratings_dir / f"quotes-{i:03d}.csv").write_text(issue_file(i), encoding="utf-8")
    assert (project.contrib_ratings_dir / "quotes-000.csv").stat().st_size > 96_000
    before = {p: p.read_bytes() for p in project.data_dir.glob("*.csv")}
    code, _, stderr = run(["build"], project.root)
    lines = stderr.splitlines()
    assert code == 1 and "Traceback" not in stderr
    assert lines[0] == f"error: data/contrib/ratings/quotes-000.csv:2: label: is 24,000 bytes long; the limit is {sizes.MAX_LABEL_BYTES:,}"
    assert lines[1] == f"error: data/contrib/ratings/quotes-000.csv:3: note: is 24,000 bytes long; the limit is {sizes.MAX_NOTE_BYTES:,}"
    assert lines[-1] == "240 problems; nothing was changed"
    assert {p: p.read_bytes() for p in project.data_dir.glob("*.csv")} == before


@pytest.mark.parametrize(
    "limit, value, expected",
    [
        ("MAX_CONTRIBUTED_FILES", 2, "error: data/contrib/ratings: holds 3 contributed files; the limit is 2 \\(scripts/core/sizes.py\\)"),
        (
            "MAX_CONTRIBUTED_TOTAL_BYTES",
            3_000,
            r"error: data/contrib/ratings/c\.csv: the contributed files come to 4,\d{3} bytes with this one; the limit for all of them together is 3,000",
        ),
        (
            "MAX_CONTRIBUTED_TEXT_BYTES",
            2_000,
            r"error: data/contrib/ratings/b\.csv:3: note: the labels and notes of the contributed files come to 2,4\d\d bytes with this one; "
            "the limit for all of them together is 2,000",
        ),
    ],
)
def test_contributions_over_a_total_are_refused_with_the_file_where_they_cross_it(project, monkeypatch, limit, value, expected):
    """Totals of every contributed file together (scripts/core/sizes.py), lowered here so that
    three small valid files cross them: refused with the file (and line and field) where the
    total is crossed; the files after it are not read."""
    import re

    for name in ("a", "b", "c"):
        (project.contrib_ratings_dir / f"{name}.csv").write_text(
            f"field,value\nlabel,Rater {name}\nnote,{'n' * 1_200}\n" + "".join(f"theory {n},{n % 7}\n" for n in range(1, 21)), encoding="utf-8"
        )
    monkeypatch.setattr(sizes, limit, value)
    code, _, stderr = run(["build"], project.root)
    assert code == 1 and "Traceback" not in stderr
    assert re.match(expected, stderr), stderr
    assert stderr.splitlines()[-1] == "1 problems; nothing was changed"


def test_the_cell_limit_holds_even_after_frictionless_raised_the_global_one(project, tmp_path):
    import csv

    import frictionless.formats.csv.parser  # noqa: F401  (sets csv.field_size_limit(2**31 - 2) for the process)

    assert csv.field_size_limit() > gate.MAX_CELL_CHARS
    export = tmp_path / "export.csv"
    export.write_text("rater,1,note\nJoe,6," + "a" * 140_000 + "\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    assert code == 1 and stderr.startswith(f"error: {export}:2: a cell of more than 131,072 characters")
    assert csv.field_size_limit() > gate.MAX_CELL_CHARS  # put back as it was


@pytest.mark.slow  # draws the charts again: seconds
def test_charts_draw_long_labels_cut_and_the_data_keeps_them_whole(tmp_path):
    """A label at its limit is drawn cut to CHART_TEXT_CHARS characters with "…" (issue 20: a
    label of 24,000 quote marks made a 38.4 MB SVG); the package keeps the whole label."""
    import re

    project = copy_inputs(tmp_path / "project")
    labels = {}
    for i in range(3):
        labels[i] = f"Rater {i} " + '"' * (sizes.MAX_LABEL_BYTES - 8)
        (project.contrib_ratings_dir / f"long-{i}.csv").write_text(
            f'field,value\nlabel,"{labels[i].replace(chr(34), chr(34) * 2)}"\n' + "".join(f"theory {n},{(n * (i + 3)) % 11}\n" for n in range(1, 21)),
            encoding="utf-8",
        )
    build(project, progress=quiet)
    rows = {r["id"]: r for r in csv.DictReader(open(project.data_dir / "rating_sets.csv", newline="", encoding="utf-8"))}
    assert [rows[f"long-{i}"]["label"] for i in range(3)] == [labels[i] for i in range(3)]
    svg = (project.root / "docs" / "charts" / "rater_agreement.svg").read_text(encoding="utf-8")
    drawn = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if "Rater" in t]
    assert len(drawn) == 3 and all(t.endswith("…") for t in drawn), drawn
    assert all(len(t.replace("&quot;", '"')) == sizes.CHART_TEXT_CHARS for t in drawn), drawn
    assert len(svg) < 100_000
