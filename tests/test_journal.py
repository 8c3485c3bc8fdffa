"""The commit journal (build/commit-journal.json) is data that the next command obeys, and a pull
request can add one. A journal that would move or remove anything outside the staging folder
and the declared outputs, or that git tracks, is refused with a one-line error and never
executed; `clean` always cleans, discarding such a journal unexecuted."""

import json
import os
import subprocess
import sys

import pytest

from scripts.build import outputs
from scripts.cli import main
from scripts.core import commit as commit_module
from scripts.core.errors import BuildError
from scripts.core.schema import load_descriptor
from tests.helpers import REPO, add_scripts, tree_bytes


@pytest.fixture
def checkout(fresh_copy, tmp_path):
    """A built project with a victim folder beside it that no command may touch."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me\n", encoding="utf-8")
    (victim / "staged.csv").write_text("not an output\n", encoding="utf-8")
    return fresh_copy, victim


def plant(project, **changes):
    """A journal as an interrupted build would leave it, with `changes` applied."""
    record = {"kind": "build", "direction": "forward", "staging": "build/staging-x", "moves": ["data/theories.csv"], "removals": [], "had_previous": []}
    record.update(changes)
    path = commit_module.journal_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def checkout_bytes(project):
    """Every file of the checkout but the lock (which any command creates, empty)."""
    return {path: data for path, data in tree_bytes(project.root).items() if path != f"build/{commit_module.LOCK_NAME}"}


def run_build(project, capsys):
    """The CLI's build on `project`: (exit code, stderr)."""
    code = main(["build"], root=project.root)
    return code, capsys.readouterr().err


HOSTILE = {
    "staging outside the checkout": lambda victim: {"staging": "../victim", "direction": "back", "moves": ["precious.txt"], "had_previous": []},
    "staging is the checkout": lambda victim: {"staging": ".", "direction": "back"},
    "staging is build itself": lambda victim: {"staging": "build", "direction": "back"},
    "absolute move": lambda victim: {"moves": [str(victim / "precious.txt")]},
    "absolute removal": lambda victim: {"removals": [str(victim / "precious.txt")]},
    "dot-dot removal": lambda victim: {"removals": ["data/../../victim/precious.txt"]},
    "undeclared output": lambda victim: {"removals": ["README.md"]},
    "output through dot-dot": lambda victim: {"moves": ["data/../datapackage.json"]},
    "not a string": lambda victim: {"moves": [["data/theories.csv"]]},
    "unknown direction": lambda victim: {"direction": "sideways"},
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_journal_pointing_outside_is_refused_and_nothing_changes(checkout, capsys, case):
    project, victim = checkout
    plant(project, **HOSTILE[case](victim))
    # what it would "undo" or "finish" from: a staging folder holding files
    (project.build_dir / "staging-x" / "data").mkdir(parents=True)
    (project.build_dir / "staging-x" / "data" / "theories.csv").write_text("id\n", encoding="utf-8")
    before_victim, before_project = tree_bytes(victim), checkout_bytes(project)
    code, err = run_build(project, capsys)
    assert code == 1
    assert err.startswith("error: build/commit-journal.json:") and "was not executed" in err and "make clean" in err
    assert len(err.strip().splitlines()) == 1
    assert tree_bytes(victim) == before_victim, "a file outside the checkout changed"
    assert checkout_bytes(project) == before_project, "the refused journal changed the checkout"


def test_a_staging_folder_that_is_a_symbolic_link_out_is_refused(checkout, capsys):
    project, victim = checkout
    os.symlink(victim, project.build_dir / "staging-link")
    plant(project, staging="build/staging-link", moves=["data/staged.csv"])
    before = tree_bytes(victim)
    code, err = run_build(project, capsys)
    assert code == 1 and "symbolic link" in err and "was not executed" in err
    assert tree_bytes(victim) == before and not (project.data_dir / "staged.csv").exists()


def test_an_output_folder_that_is_a_symbolic_link_out_is_refused(checkout, capsys):
    project, victim = checkout
    os.symlink(victim, project.root / "exports-elsewhere")
    (project.root / "exports").rename(project.root / "exports-old")
    os.symlink(victim, project.root / "exports")
    plant(project, removals=["exports/precious.json"])
    (victim / "precious.json").write_text("{}", encoding="utf-8")
    code, err = run_build(project, capsys)
    assert code == 1 and "outside the checkout" in err
    assert (victim / "precious.json").exists()


def test_a_journal_that_git_tracks_is_refused_even_with_valid_paths(checkout, capsys):
    project, _ = checkout
    path = plant(project)
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    subprocess.run(["git", "-C", str(project.root), "add", "-f", str(path)], check=True)
    before = checkout_bytes(project)
    code, err = run_build(project, capsys)
    assert code == 1 and "git tracks this file" in err and "was not executed" in err
    assert checkout_bytes(project) == before


def test_the_same_journal_untracked_is_recovered(checkout, capsys):
    """The check refuses hostile journals, not real ones: an untracked journal of a build killed
    after its staging folder was written is finished by the next command."""
    project, _ = checkout
    staged = project.build_dir / "staging-x" / "data" / "theories.csv"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"id\n")
    plant(project)
    with commit_module.exclusive(project, progress=lambda message: None):
        pass
    assert (project.data_dir / "theories.csv").read_bytes() == b"id\n"
    assert not commit_module.journal_path(project).exists() and not staged.parent.parent.exists()


def test_a_commit_never_writes_a_journal_the_recovery_would_refuse(fresh_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(BuildError) as refused, commit_module.exclusive(fresh_copy, progress=lambda message: None):
        commit_module.commit(fresh_copy, fresh_copy.build_dir / "staging-y", ["README.md"])
    assert refused.value.field == "moves[0]"
    assert not commit_module.journal_path(fresh_copy).exists()


def test_every_output_the_build_lists_is_a_declared_output():
    """OUTPUT_PATTERNS is the allow-list the recovery checks; the build's own list must fit it."""
    listed = outputs(REPO, load_descriptor(REPO), zip_name="package-9.9.9.zip")
    refused = [relative for relative in listed if commit_module.path_problem(REPO, relative, commit_module.OUTPUT_PATTERNS)]
    assert listed and not refused


@pytest.mark.parametrize("case", ["staging outside the checkout", "absolute removal"])
def test_clean_always_cleans_and_discards_a_refused_journal_unexecuted(checkout, case):
    project, victim = checkout
    plant(project, **HOSTILE[case](victim))
    (project.root / "dist" / "longlist-0.1.0").mkdir(parents=True)
    before = tree_bytes(victim)
    add_scripts(project.root)  # `python -m scripts` run there cleans that copy, not the repository
    result = subprocess.run([sys.executable, "-m", "scripts", "clean"], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "discarding build/commit-journal.json" in result.stdout and "was not executed" in result.stdout
    assert "deleting build/" in result.stdout and "deleting dist/" in result.stdout and "releases/ is kept" in result.stdout
    assert not project.build_dir.exists() and not project.dist_dir.exists()
    assert (project.root / "releases").is_dir() and tree_bytes(victim) == before
