"""The gate for untrusted rating files (scripts/ratings/gate.py) where the bad-input corpus
(tests/bad_inputs/contributed_ratings.yml) cannot reach: `import-ratings`' entry, errors capped
for every input, and the value limit shared with the instance (one number, site/plugins/sizes.py)."""

import contextlib
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
    """A label and a note of exactly MAX_TEXT_BYTES bytes pass the build, and the pages that show
    them (the rating_sets table, its row, rater_agreement, CSV export) answer 200 on the instance."""
    project = copy_inputs(tmp_path / "project")
    label = "é" * (sizes.MAX_TEXT_BYTES // 2)  # two bytes each: the limit counts bytes
    note = "n" * sizes.MAX_TEXT_BYTES
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
    assert code == 1 and f"label: is {sizes.MAX_TEXT_BYTES + 2:,} bytes long; the limit is {sizes.MAX_TEXT_BYTES:,}" in stderr


def test_the_cell_limit_holds_even_after_frictionless_raised_the_global_one(project, tmp_path):
    import csv

    import frictionless.formats.csv.parser  # noqa: F401  (sets csv.field_size_limit(2**31 - 2) for the process)

    assert csv.field_size_limit() > gate.MAX_CELL_CHARS
    export = tmp_path / "export.csv"
    export.write_text("rater,1,note\nJoe,6," + "a" * 140_000 + "\n", encoding="utf-8")
    code, _, stderr = run(["import-ratings", str(export)], project.root)
    assert code == 1 and stderr.startswith(f"error: {export}:2: a cell of more than 131,072 characters")
    assert csv.field_size_limit() > gate.MAX_CELL_CHARS  # put back as it was
