"""Faults during a build (a move that fails, an interrupt, a full disk) leave the previous
outputs exactly as they were: never a mix of old and new files."""

import contextlib
import errno
import io
import os

import pytest

from scripts.cli import main
from scripts.core.schema import load_descriptor
from scripts.pipeline import commit as commit_module
from scripts.pipeline import load
from scripts.pipeline.build import build, outputs
from tests.conftest import REPO, quiet
from tests.mutations import copy_project, output_snapshot

OUTPUT_COUNT = len(outputs(REPO, load_descriptor(REPO)))


@pytest.fixture
def changed_copy(built, tmp_path):
    """A built copy whose inputs changed, so that a rebuild would replace every output."""
    project = copy_project(built.root, tmp_path / "project")
    package = project.package_path
    package.write_text(
        package.read_text(encoding="utf-8").replace("The theory's number in the post's list.", "The theory's number in the list."), encoding="utf-8"
    )
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note"), encoding="utf-8")
    return project


def failing_replace(project, fail_at, exception):
    """os.replace that raises on the `fail_at`-th move of an output into the project."""
    real_replace, calls = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if "staging-" in str(src) and "staging-" not in str(dst) and str(dst).startswith(str(project.root)):
            calls.append(dst)
            if len(calls) == fail_at:
                raise exception
        return real_replace(src, dst, *args, **kwargs)

    return replace


@pytest.mark.parametrize("fail_at", range(1, OUTPUT_COUNT + 1))
@pytest.mark.parametrize("exception", [OSError(errno.EIO, "Input/output error"), KeyboardInterrupt()], ids=["io-error", "interrupt"])
def test_a_move_that_fails_puts_back_every_output(changed_copy, monkeypatch, fail_at, exception):
    before = output_snapshot(changed_copy.root)
    monkeypatch.setattr(commit_module.os, "replace", failing_replace(changed_copy, fail_at, exception))
    with pytest.raises(type(exception)):
        build(changed_copy, progress=quiet)
    monkeypatch.undo()
    assert output_snapshot(changed_copy.root) == before
    assert not list(changed_copy.build_dir.glob("staging-*"))


def test_the_changed_copy_really_changes_every_output(changed_copy):
    """Guards the test above: without a fault, the rebuild rewrites every output."""
    before = output_snapshot(changed_copy.root)
    build(changed_copy, progress=quiet)
    after = output_snapshot(changed_copy.root)
    changed = {path for path in before if before[path] != after[path]}
    assert {"data/theory_points.csv", "datapackage.json", "metadata.yml", "build/longlist.db"} <= changed
    assert len([path for path in changed if path.startswith("build/downloads/")]) == 2


def test_a_full_disk_is_one_line_and_changes_nothing(changed_copy, monkeypatch):
    before = output_snapshot(changed_copy.root)

    def no_space(package_dir, db_path, views=()):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(db_path))

    monkeypatch.setattr(load, "load", no_space)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        code = main(["build"], root=changed_copy.root)
    assert code == 1
    assert stderr.getvalue().startswith("error: build/staging-") and "No space left on device" in stderr.getvalue()
    assert stderr.getvalue().count("\n") == 1
    assert output_snapshot(changed_copy.root) == before


def test_an_interrupt_reports_that_nothing_changed(changed_copy, monkeypatch):
    before = output_snapshot(changed_copy.root)
    monkeypatch.setattr(commit_module.os, "replace", failing_replace(changed_copy, 3, KeyboardInterrupt()))
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        code = main(["build"], root=changed_copy.root)
    monkeypatch.undo()
    assert code == 130 and "nothing was changed" in stderr.getvalue()
    assert output_snapshot(changed_copy.root) == before


def test_a_database_that_fills_the_disk_is_one_line_and_changes_nothing(changed_copy, monkeypatch):
    """SQLite reports a full disk as sqlite3.OperationalError, not OSError (seen on a 40 MB tmpfs)."""
    import sqlite3

    before = output_snapshot(changed_copy.root)

    def disk_full(package_dir, db_path, views=()):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(load, "load", disk_full)
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        code = main(["build"], root=changed_copy.root)
    assert code == 1
    assert stderr.getvalue() == "error: build/longlist.db: SQLite: database or disk is full; nothing was changed\n"
    assert output_snapshot(changed_copy.root) == before
