"""Every bad input in tests/bad_inputs/*.yml: the build command exits non-zero with a one- or
two-line message naming the file (and line, field, what was expected, as the case's regex
demands), prints no traceback, and leaves the previous good outputs byte-identical.

Cases marked `ok: true` are oddities the parser must accept; they build a valid package.
A case may list `absent:` strings the output must never contain (what a file it must not read holds).
Most cases run the CLI in-process (scripts.cli.main with a root); those marked
`subprocess: true` run `python -m scripts build` as a real process.
"""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from frictionless import validate

from scripts.cli import main
from tests.helpers import copy_project, mutate, output_snapshot, read_csv

CASE_DIR = Path(__file__).parent / "bad_inputs"
ERROR_LINE = re.compile(r"^error: (?P<file>[^\s:]+)(:(?P<line>\d+))?: \S")


def load_cases():
    cases = []
    for path in sorted(CASE_DIR.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            assert ("error" in case) != bool(case.get("ok")), f"{path.name}: {case['name']}: give either error or ok: true"
            # a case that builds a whole package (an oddity accepted, or a row frictionless
            # refuses at the end of the build), or starts a process, is left to the full suite
            slow = [pytest.mark.slow] if case.get("ok") or case.get("subprocess") or "frictionless" in case.get("error", "") else []
            cases.append(pytest.param(case, id=f"{path.stem}:{case['name']}", marks=slow))
    return cases


CASES = load_cases()


def pick(row, fields):
    return {f: row[f] for f in fields}


def run_build(project, as_subprocess):
    if as_subprocess:
        result = subprocess.run([sys.executable, "-m", "scripts", "build"], cwd=project.root, capture_output=True, text=True, timeout=120)
        return result.returncode, result.stderr
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        code = main(["build"], root=project.root)
    return code, stderr.getvalue()


def test_the_corpus_is_large_and_covers_every_input():
    files = {case.values[0]["file"] for case in CASES}
    assert len([c for c in CASES if "error" in c.values[0]]) >= 30
    assert {
        "data/raw/longlist-theories-of-impact.lesswrong.txt",
        "data/raw/source.yml",
        "datapackage.json",
        "data/curation/comment_boundaries.yml",
        "data/curation/theory_point_kinds.yml",
        "data/curation/comment_parents.yml",
        "data/curation/attributions.yml",
        "data/curation/arguments.yml",
        "data/curation/second_pass.yml",
        "data/curation/first_pass.yml",
        "data/curation/adjudication.yml",
        "data/curation/readings/longlist-thread-2026-12/reading.yml",
        "data/curation/readings/longlist-thread-2026-12/adjudication.yml",
        "data/curation/readings/critique-2026-12/adjudication.yml",
        "data/curation/theory_relations.yml",
        "data/curation/mentions.yml",
    } <= files


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case, built, tmp_path, remembered_charts):
    # hard links: mutate() replaces the file it changes, and a build replaces its outputs
    project = copy_project(built.root, tmp_path / "project", with_scripts=case.get("subprocess", False), link=True)
    before = output_snapshot(project.root)
    mutate(project.root, case)
    mutated = project.root / case["file"]
    mutated_bytes = mutated.read_bytes() if mutated.is_file() and not mutated.is_symlink() else None

    code, stderr = run_build(project, case.get("subprocess", False))
    for secret in case.get("absent", []):
        assert secret not in stderr, f"the output quotes {secret!r}"

    if case.get("ok"):
        assert code == 0, stderr
        assert validate(str(project.package_path)).valid
        words = ("number", "title", "description", "credit")
        assert [pick(r, words) for r in read_csv(project, "theories")] == [pick(r, words) for r in read_csv(built, "theories")]
        assert len(read_csv(project, "comments")) == 18
        return
    assert code == 1, f"exit {code}; stderr: {stderr}"
    assert "Traceback" not in stderr
    lines = stderr.rstrip("\n").split("\n")
    assert 1 <= len(lines) <= 2, f"expected one or two lines, got:\n{stderr}"
    where = ERROR_LINE.match(lines[0])
    assert where, f"expected 'error: FILE[:LINE]: ...', got {lines[0]!r}"
    assert (built.root / where["file"]).exists() or where["file"] == case["file"], f"{where['file']} is not a project file"
    assert re.search(case["error"], stderr), f"expected /{case['error']}/, got:\n{stderr}"
    after = output_snapshot(project.root)
    if case["file"] in before:  # an input that is also an output (datapackage.json, README.md) keeps the bad bytes
        assert after.pop(case["file"], None) == mutated_bytes
        before.pop(case["file"])
    assert after == before, "a failed build changed the previous outputs"
    assert not list(project.build_dir.glob("staging-*")), "a staging folder was left behind"
