"""Property: whatever happens to the raw snapshot (pinned as a maintainer would pin a new
one), the build either stops with a BuildError naming a file, leaving the previous outputs
byte-identical, or writes a valid and self-consistent package. Never another exception,
never a half-written output.

FUZZ_EXAMPLES=500 in the environment explores further than the suite's default.
"""

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from frictionless import validate
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scripts.build import build
from scripts.core.errors import BuildError, BuildErrors
from scripts.publishing import charts
from tests.helpers import RAW, REPO, copy_project, output_snapshot, pin_snapshot, quiet, remember_svg, replace_bytes

RAW_BYTES = REPO.raw_path.read_bytes()
LINES = RAW_BYTES.split(b"\n")
# Fragments that matter to the parser, so random edits hit its rules and not only prose.
FRAGMENTS = [
    "\n",
    "\n\n",
    "  ",
    "    ",
    "1. ",
    "  21. Title: text",
    "    3. ",
    ": ",
    " - ",
    ", ",
    "18 comments, sorted by ",
    "The rated order was 1, 2",
    "Curated.",
    "Exercise:",
    "...",
    "\u00a0",
    "\r\n",
    "\t",
    "•",
    "’",
    "\x00",
    "é",
]
text = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40))
position = st.integers(min_value=0, max_value=len(RAW_BYTES))
line_index = st.integers(min_value=0, max_value=len(LINES) - 1)

mutations = st.one_of(
    st.tuples(st.just("delete"), position, st.integers(min_value=1, max_value=400)),
    st.tuples(st.just("insert"), position, text),
    st.tuples(st.just("truncate"), position),
    st.tuples(st.just("flip byte"), position, st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("duplicate line"), line_index),
    st.tuples(st.just("delete line"), line_index),
    st.tuples(st.just("swap lines"), line_index, line_index),
    st.tuples(st.just("edit a digit"), position, st.integers(min_value=0, max_value=99)),
)


def apply(data, mutation):
    kind, *args = mutation
    at = min(args[0], len(data))
    if kind == "delete":
        return data[:at] + data[at + args[1] :]
    if kind == "insert":
        return data[:at] + args[1].encode("utf-8") + data[at:]
    if kind == "truncate":
        return data[:at]
    if kind == "flip byte":
        return data[:at] + bytes([(data[at] ^ args[1]) if at < len(data) else args[1]]) + data[at + 1 :]
    if kind == "edit a digit":  # the next number after `at` becomes another, where the parser counts things
        digits = [i for i in range(at, len(data)) if data[i : i + 1].isdigit()]
        return data if not digits else data[: digits[0]] + str(args[1]).encode() + data[digits[0] + 1 :]
    lines = data.split(b"\n")
    index = args[0] % len(lines)
    if kind == "duplicate line":
        lines.insert(index, lines[index])
    elif kind == "delete line":
        del lines[index]
    else:
        other = args[1] % len(lines)
        lines[index], lines[other] = lines[other], lines[index]
    return b"\n".join(lines)


def consistent(project):
    """Every output belongs to one build: hashes and sizes in the descriptor match the CSVs,
    the database holds the CSVs' row counts, the zip matches its .sha256, frictionless agrees."""
    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    db = sqlite3.connect(project.db_path)
    for resource in descriptor["resources"]:
        data = (project.root / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
        assert resource["bytes"] == len(data)
        rows = len(list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))))
        assert db.execute(f"select count(*) from [{resource['name']}]").fetchone()[0] == rows
    db.close()
    for digest_file in project.build_dir.glob("downloads/*.sha256"):
        digest, name = digest_file.read_text(encoding="utf-8").split()
        assert hashlib.sha256((digest_file.parent / name).read_bytes()).hexdigest() == digest
    assert validate(str(project.package_path)).valid


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 40)),
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(mutations, min_size=1, max_size=3))
def test_a_mutated_snapshot_gives_a_clear_error_or_a_valid_package(built, changes):
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        project = copy_project(built.root, workdir / "project", link=True)
        data = RAW_BYTES
        for change in changes:
            data = apply(data, change)
        replace_bytes(project.raw_path, data)
        pin_snapshot(project.root, data)
        before = output_snapshot(project.root)
        try:
            with pytest.MonkeyPatch.context() as patch:  # as the remembered_charts fixture (a function fixture cannot serve @given)
                patch.setattr(charts, "render_svg", remember_svg(charts.render_svg))
                build(project, progress=quiet)
        except (BuildError, BuildErrors) as failure:
            errors = failure.errors if isinstance(failure, BuildErrors) else [failure]
            for error in errors:
                event(f"refused: {error.file} {error.field or ''}")  # --hypothesis-show-statistics
                assert error.file and error.message
                assert (project.root / error.file).exists() or error.file == RAW, error.file
            assert output_snapshot(project.root) == before, "a failed build changed the previous outputs"
            assert not list(project.build_dir.glob("staging-*"))
            return
        event("built a valid package")
        consistent(project)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
