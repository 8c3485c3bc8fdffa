"""The "Load the data" snippets (README.md and docs/loading.md) work on the package as a user
gets it: each Python snippet runs against a fresh build's zip, unzipped, with the database
beside it; the R snippets name files and tables that exist."""

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from scripts.build import built_zip_name
from tests.helpers import REPO

DOCS = ["README.md", "docs/loading.md"]


def blocks(language):
    found = []
    for doc in DOCS:
        text = (REPO.root / doc).read_text(encoding="utf-8")
        found += [(doc, code) for code in re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)]
    return found


PYTHON = blocks("python")
R = blocks("r")


@pytest.fixture(scope="module")
def user_folder(built, tmp_path_factory):
    """What a user has: the package zip from the site, unzipped, and the SQLite download."""
    folder = tmp_path_factory.mktemp("user")
    descriptor = json.loads(built.package_path.read_text(encoding="utf-8"))
    with zipfile.ZipFile(built.build_dir / "downloads" / built_zip_name(built, descriptor)) as archive:
        archive.extractall(folder)
    (folder / "longlist.db").write_bytes(built.db_path.read_bytes())
    return folder


def run(code, folder):
    return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_docs_show_each_tool():
    python = "\n".join(code for _, code in PYTHON)
    for needle in ("from frictionless import Package", "import pandas", "import sqlite3", "import duckdb"):
        assert needle in python, needle
    assert any("library(frictionless)" in code for _, code in R) and any("read.csv(" in code for _, code in R)
    assert (REPO.root / "README.md").stat().st_size <= 12 * 1024


@pytest.mark.parametrize("doc, code", PYTHON, ids=[f"{doc}:{i}" for i, (doc, _) in enumerate(PYTHON)])
def test_python_snippet_runs_on_the_unzipped_package(user_folder, doc, code):
    result = run(code, user_folder)
    assert result.returncode == 0, f"{doc}:\n{code}\n{result.stderr[-3000:]}"
    assert result.stdout.strip(), "a snippet shows something"


def test_the_frictionless_snippet_checks_every_table(user_folder, descriptor):
    code = next(code for doc, code in PYTHON if doc == "docs/loading.md" and "frictionless" in code)
    first = run(code, user_folder).stdout.splitlines()[0]
    assert first == f"True {len(descriptor['resources'])} tables checked"


def test_the_pandas_helper_keeps_the_schema_types(user_folder, descriptor):
    helper = next(code for _, code in PYTHON if "def read_table" in code)
    check = (
        helper
        + "\nimport json\n"
        + "descriptor = json.load(open('datapackage.json', encoding='utf-8'))\n"
        + "for resource in descriptor['resources']:\n"
        + "    frame = read_table(resource['name'])\n"
        + "    print(resource['name'], len(frame), *(f'{c}={frame.dtypes[c]}' for c in frame.columns))\n"
    )
    result = run(check, user_folder)
    assert result.returncode == 0, result.stderr[-3000:]
    types = {line.split()[0]: dict(part.split("=", 1) for part in line.split()[2:]) for line in result.stdout.splitlines() if "=" in line}
    expected = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string", "date": "datetime64"}
    counts = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines() if "=" in line}
    for resource in descriptor["resources"]:
        with open(user_folder / resource["path"], newline="", encoding="utf-8") as handle:
            assert counts[resource["name"]] == len(list(csv.DictReader(handle))), resource["name"]
        for field in resource["schema"]["fields"]:
            assert types[resource["name"]][field["name"]].startswith(expected[field["type"]]), (resource["name"], field["name"])
    # an integer column with blanks stays integer: comments without a quotation have no quote_start
    assert "Int64" in run(helper, user_folder).stdout


def test_r_snippets_name_files_and_tables_that_exist(user_folder, descriptor):
    names = {r["name"] for r in descriptor["resources"]}
    code = "\n".join(code for _, code in R)
    files = re.findall(r'(?:read_package|read\.csv)\("([^"]+)"', code)
    tables = re.findall(r'read_resource\(\w+, "([^"]+)"\)', code)
    assert files and tables
    for path in files:
        assert (user_folder / path).is_file(), path
    assert set(tables) <= names


@pytest.fixture
def with_sub_point_9_10(user_folder, tmp_path):
    """The user's folder with a sub-point 9.10 next to 9.1 (ids that are equal as numbers)."""
    folder = tmp_path / "user"
    shutil.copytree(user_folder, folder)
    path = folder / "data" / "theory_points.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first = next(row for row in rows if row["id"] == "9.1")
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(first), lineterminator="\n").writerow({**first, "id": "9.10", "position": "10"})
    return folder


def test_the_duckdb_snippet_keeps_sub_point_9_10_apart_from_9_1(with_sub_point_9_10):
    (code,) = [code for _, code in PYTHON if "import duckdb" in code]
    result = run(code, with_sub_point_9_10)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "('9.1', 9, " in result.stdout and "('9.10', 9, " in result.stdout


@pytest.mark.skipif(not shutil.which("Rscript"), reason="R is not installed (.ci/run installs r-base-core)")
def test_the_base_r_snippet_keeps_sub_point_9_10_apart_from_9_1(with_sub_point_9_10):
    code = "\n".join(code for _, code in R if "library(frictionless)" not in code)
    result = subprocess.run(["Rscript", "-e", code], cwd=with_sub_point_9_10, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    ids = re.findall(r"^\s*\d+\s+(\S+)\s+9\s", result.stdout, re.MULTILINE)
    assert "9.1" in ids and "9.10" in ids, result.stdout
