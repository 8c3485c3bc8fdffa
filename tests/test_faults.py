"""Faults during a build (a move that fails, an interrupt, a full disk) leave the previous
outputs exactly as they were: never a mix of old and new files.

The faults are injected into the real os.replace of scripts/core/commit.py, under the real
build(). The project rebuilt holds the repository's inputs and, as its previous outputs, other
bytes for every output (`previous_build`), so that a rebuild replaces each one. So that
2 x (number of outputs) faults do not each compute the same outputs again, the fault tests
replay the shared build's outputs as the stages' result (`replayed`);
test_a_real_rebuild_writes_what_is_replayed_and_replaces_every_output proves the replay equals
a real rebuild, and two tests below fail a real, unreplayed build.
"""

import contextlib
import errno
import io
import json
import os
import shutil
from types import SimpleNamespace

import pytest

from scripts import build as build_module
from scripts.build import build, outputs
from scripts.cli import main
from scripts.core import commit as commit_module
from scripts.core.schema import load_descriptor
from scripts.pipeline import load
from tests.helpers import REPO, copy_project, output_snapshot, quiet, replace_bytes

OUTPUT_COUNT = len(outputs(REPO, load_descriptor(REPO)))


def previous_build(project, descriptor):
    """Give every output other bytes, as an earlier build of other inputs would have left them
    (datapackage.json, also an input, stays the same JSON, laid out otherwise)."""
    for relative in outputs(project, descriptor):
        path = project.root / relative
        if relative == "datapackage.json":
            replace_bytes(path, (json.dumps(json.loads(path.read_bytes()), indent=1) + "\n").encode("utf-8"))
        else:
            replace_bytes(path, path.read_bytes() + b"\n(an earlier build)\n")


@pytest.fixture(scope="module")
def staged(built, tmp_path_factory):
    """(a project with the repository's inputs and other previous outputs, the outputs a build of
    its inputs makes as staged by build(), the descriptor), without a build of its own."""
    folder = tmp_path_factory.mktemp("staged")
    descriptor = json.loads(built.package_path.read_text(encoding="utf-8"))
    staging = folder / "staging"
    for relative in outputs(built, descriptor):
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built.root / relative, staging / relative)
    template = copy_project(built.root, folder / "project")
    previous_build(template, descriptor)
    return template, staging, descriptor


@pytest.fixture
def changed_copy(staged, tmp_path):
    """A private copy of that project: a rebuild would replace every output."""
    return copy_project(staged[0].root, tmp_path / "project", link=True)  # a build replaces its outputs, never writes into them


@pytest.fixture
def replayed(staged, monkeypatch):
    """build() runs as usual, but its stages copy the outputs staged once instead of computing them again."""
    _, staging, descriptor = staged

    def stage_outputs(project, into, progress, timings=None):
        shutil.copytree(staging, into, dirs_exist_ok=True)
        (archive,) = [p.name for p in (into / "build" / "downloads").glob("*.zip")]
        return descriptor, SimpleNamespace(name=archive), SimpleNamespace(remember=lambda: None)

    monkeypatch.setattr(build_module, "stage_outputs", stage_outputs)


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


# The first, a middle and the last move in the quick tier; every move in the full suite.
FAIL_AT = [n if n in (1, OUTPUT_COUNT // 2, OUTPUT_COUNT) else pytest.param(n, marks=pytest.mark.slow) for n in range(1, OUTPUT_COUNT + 1)]


@pytest.mark.parametrize("fail_at", FAIL_AT)
@pytest.mark.parametrize("exception", [OSError(errno.EIO, "Input/output error"), KeyboardInterrupt()], ids=["io-error", "interrupt"])
def test_a_move_that_fails_puts_back_every_output(changed_copy, replayed, monkeypatch, fail_at, exception):
    before = output_snapshot(changed_copy.root)
    monkeypatch.setattr(commit_module.os, "replace", failing_replace(changed_copy, fail_at, exception))
    with pytest.raises(type(exception)):
        build(changed_copy, progress=quiet)
    monkeypatch.undo()
    assert output_snapshot(changed_copy.root) == before
    assert not list(changed_copy.build_dir.glob("staging-*"))


def test_every_output_is_moved_and_the_last_fault_is_the_last_move(changed_copy, replayed, monkeypatch):
    """Guards the parameters above: a build makes exactly OUTPUT_COUNT moves, so fail_at covers each one."""
    moves = []
    real_replace = os.replace

    def counting(src, dst, *args, **kwargs):
        if "staging-" in str(src) and "staging-" not in str(dst):
            moves.append(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(commit_module.os, "replace", counting)
    build(changed_copy, progress=quiet)
    assert len(moves) == len(set(moves)) == OUTPUT_COUNT


@pytest.mark.slow
def test_a_real_rebuild_writes_what_is_replayed_and_replaces_every_output(changed_copy, staged):
    """Guards the replay: a real rebuild of the copy writes the replayed bytes, and replaces
    every output (so that each fault above has something to put back)."""
    _, staging, descriptor = staged
    before = output_snapshot(changed_copy.root)
    build(changed_copy, progress=quiet)
    after = output_snapshot(changed_copy.root)
    for relative in outputs(changed_copy, descriptor):
        assert after[relative] == (staging / relative).read_bytes(), relative
        assert after[relative] != before[relative], relative
    assert len(outputs(changed_copy, descriptor)) == OUTPUT_COUNT


@pytest.mark.slow
def test_a_real_build_that_fails_midway_through_the_moves_puts_back_every_output(changed_copy, remembered_charts, monkeypatch):
    before = output_snapshot(changed_copy.root)
    monkeypatch.setattr(commit_module.os, "replace", failing_replace(changed_copy, OUTPUT_COUNT // 2, OSError(errno.EIO, "Input/output error")))
    with pytest.raises(OSError):
        build(changed_copy, progress=quiet)
    monkeypatch.undo()
    assert output_snapshot(changed_copy.root) == before
    assert not list(changed_copy.build_dir.glob("staging-*"))


@pytest.mark.slow
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


def test_an_interrupt_reports_that_nothing_changed(changed_copy, replayed, monkeypatch):
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
