"""A build or an import killed (SIGKILL: no handler runs) at any point of its final moves leaves,
once the next command has run, either the complete old set of outputs or the complete new one
(scripts/core/commit.py: the journal). Real processes are killed: a commit is stopped at a
chosen move by LONGLIST_COMMIT_TEST, or slowed and killed after a random delay."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.build import build, outputs
from scripts.core import commit as commit_module
from scripts.core.paths import Project
from scripts.core.schema import load_descriptor
from tests.helpers import REPO, copy_inputs, quiet

pytestmark = pytest.mark.slow

DRIVER = """
import json, sys
from pathlib import Path
from scripts.core.paths import Project
from scripts.core.commit import commit, exclusive
project = Project(Path(sys.argv[1]))
spec = json.loads(sys.argv[2])
with exclusive(project, progress=lambda message: None):
    commit(project, project.root / spec["staging"], spec["moves"], spec["removals"])
"""


def change_inputs(project):
    """Inputs whose build changes every output (as tests/test_faults.py's changed copy)."""
    package = project.package_path
    package.write_text(
        package.read_text(encoding="utf-8").replace("The theory's number in the post's list.", "The theory's number in the list."), encoding="utf-8"
    )
    kinds = project.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note"), encoding="utf-8")


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """An old build (with one stale chart image, which the new commit removes) and the new
    outputs of changed inputs: {"old": root, "new": root, "moves": [...], "removals": [...]}."""
    old = copy_inputs(tmp_path_factory.mktemp("old"))
    build(old, progress=quiet)
    (old.root / "docs" / "charts" / "stale.svg").write_text("<svg/>", encoding="utf-8")
    new = copy_inputs(tmp_path_factory.mktemp("new"))
    change_inputs(new)
    build(new, progress=quiet)
    moves = outputs(new, load_descriptor(new))
    return {"old": old.root, "new": new.root, "moves": moves, "removals": ["docs/charts/stale.svg"]}


def cli_args(argv, root):
    """A real process running the command line on the project at `root`."""
    return [sys.executable, "-c", f"import sys; from pathlib import Path; from scripts.cli import main; sys.exit(main({argv!r}, root=Path({str(root)!r})))"]


def files(root, relatives):
    return {r: (Path(root) / r).read_bytes() if (Path(root) / r).exists() else None for r in relatives}


def start_stopped(args, cwd, hook, marker="commit: stopped"):
    """Start a process with the commit hook and wait until it reports it has stopped."""
    process = subprocess.Popen(args, cwd=cwd, env={**os.environ, commit_module.TEST_HOOK: hook}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith(marker):
            return process
    process.wait(10)
    pytest.fail(f"the process ended without stopping (exit {process.returncode}):\n{''.join(lines)}")


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def assert_one_complete_set(project, versions):
    relatives = versions["moves"] + versions["removals"]
    now = files(project.root, relatives)
    old, new = files(versions["old"], relatives), files(versions["new"], relatives)
    still_old, already_new = (sorted(r for r in relatives if now[r] == a[r] != b[r]) for a, b in ((old, new), (new, old)))
    assert now in (old, new), f"a mix: old {still_old}, new {already_new}"
    assert not commit_module.journal_path(project).exists()
    assert not [p for p in project.build_dir.iterdir() if "staging" in p.name] and not list(project.contrib_ratings_dir.glob(".incoming-*"))
    return "old" if now == old else "new"


def staged_copy(versions, destination):
    """A copy of the old build with the new outputs staged, as a build leaves them before its commit."""
    shutil.copytree(versions["old"], destination)
    project = Project(destination)
    staging = project.build_dir / "test-staging"  # (not build/staging-*, which the lock's recovery removes as stale)
    for relative in versions["moves"]:
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(versions["new"]) / relative, staging / relative)
    spec = {"staging": "build/test-staging", "moves": versions["moves"], "removals": versions["removals"]}
    return project, [sys.executable, "-c", DRIVER, str(destination), json.dumps(spec)]


def test_the_old_and_new_sets_differ_in_every_output(versions):
    """Guards the tests below: a mix of old and new would show."""
    old, new = files(versions["old"], versions["moves"]), files(versions["new"], versions["moves"])
    assert len(versions["moves"]) >= 20
    assert all(old[r] != new[r] for r in ("datapackage.json", "data/theory_points.csv", "metadata.yml", "build/longlist.db"))


def test_a_commit_killed_after_any_move_is_finished_by_the_next_command(versions, tmp_path):
    """Killed just after the journal is written, after the first and last moves, and on each side
    of every move that changes a file (the others replace a file with the same bytes)."""
    moves, count = versions["moves"], len(versions["moves"])
    old, new = files(versions["old"], moves), files(versions["new"], moves)
    changing = [i for i, r in enumerate(moves) if old[r] != new[r]]
    mixes = 0
    for stop in sorted({0, 1, count - 1, count} | {i for i in changing} | {i + 1 for i in changing}):
        project, args = staged_copy(versions, tmp_path / f"stop-{stop}")
        kill(start_stopped(args, REPO.root, f"stop:{stop}"))
        now = files(project.root, moves)
        mixes += now not in (old, new)
        with commit_module.exclusive(project, progress=quiet):  # what every later command does first
            pass
        assert assert_one_complete_set(project, versions) == "new", stop
        shutil.rmtree(project.root)
    assert mixes >= 3  # the kills really left a mix for the recovery to repair


@pytest.mark.parametrize("fail_at, stop_back", [(5, 0), (5, 3), (12, 11), (3, 25)])
def test_a_commit_killed_while_putting_back_is_undone_by_the_next_command(versions, tmp_path, fail_at, stop_back):
    project, args = staged_copy(versions, tmp_path / "project")
    kill(start_stopped(args, REPO.root, f"fail:{fail_at},stop-back:{stop_back}"))
    with commit_module.exclusive(project, progress=quiet):
        pass
    assert assert_one_complete_set(project, versions) == "old"


def test_a_real_build_killed_in_its_commit_leaves_one_complete_set(versions, tmp_path):
    """`python -m scripts build` killed right after its first move, and (moves slowed to 40 ms)
    at a random moment of its commit; then `import-ratings`, another command, recovers first."""
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2\nKill Test,5,6\n", encoding="utf-8")
    stopped, slowed = tmp_path / "stopped", tmp_path / "slowed"
    for root in (stopped, slowed):
        shutil.copytree(versions["old"], root)
        change_inputs(Project(root))
    kill(start_stopped(cli_args(["build"], stopped), REPO.root, "stop:1", marker="commit: stopped after 1"))
    process = subprocess.Popen(
        cli_args(["build"], slowed),
        cwd=REPO.root,
        env={**os.environ, commit_module.TEST_HOOK: "pause:0.04"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in process.stdout:
        if line.startswith("[ validate]"):  # the last stage: the commit starts now
            break
    time.sleep(random.Random(16).uniform(0, 0.04 * len(versions["moves"])))
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    process.stdout.close()
    for killed in (stopped, slowed):
        result = subprocess.run(cli_args(["import-ratings", str(export), "--yes"], killed), cwd=REPO.root, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "[  recover]" in result.stdout
        assert_one_complete_set(Project(killed), versions)
        assert (Project(killed).contrib_ratings_dir / "kill-test.csv").exists()


def import_args(project, export):
    return cli_args(["import-ratings", str(export), "--yes"], project.root)


@pytest.fixture
def export(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("rater,1,2,3\n" + "".join(f"Rater {i},{i % 11},5,6\n" for i in range(40)), encoding="utf-8")
    return export


def imported(project):
    return sorted(p.name for p in project.contrib_ratings_dir.glob("*.csv"))


@pytest.mark.parametrize("stop", [0, 1, 17, 39, 40])
def test_an_import_killed_half_way_is_finished_by_the_next_command(versions, tmp_path, export, stop):
    project = copy_inputs(tmp_path / "project")
    shutil.copy(Path(versions["old"]) / "data" / "theories.csv", project.data_dir / "theories.csv")
    kill(start_stopped(import_args(project, export), REPO.root, f"stop:{stop}"))
    assert len(imported(project)) == stop
    with commit_module.exclusive(project, progress=quiet):
        pass
    assert len(imported(project)) == 40 and not list(project.contrib_ratings_dir.glob(".incoming-*"))
    assert (project.contrib_ratings_dir / "rater-7.csv").read_text(encoding="utf-8").startswith("field,value\nlabel,Rater 7\n")
    # a re-run now refuses cleanly: everything is already there
    result = subprocess.run(import_args(project, export), cwd=REPO.root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "already exists (imported before?)" in result.stderr


def test_an_import_killed_while_putting_back_leaves_nothing(versions, tmp_path, export):
    project = copy_inputs(tmp_path / "project")
    shutil.copy(Path(versions["old"]) / "data" / "theories.csv", project.data_dir / "theories.csv")
    kill(start_stopped(import_args(project, export), REPO.root, "fail:20,stop-back:5"))
    assert 0 < len(imported(project)) < 40
    result = subprocess.run(import_args(project, export), cwd=REPO.root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr  # the next import first undoes the killed one, then imports all 40
    assert len(imported(project)) == 40


def test_serve_finishes_an_interrupted_commit_before_serving(versions, tmp_path, monkeypatch):
    from scripts.cli import main
    from scripts.serve import instance

    project, args = staged_copy(versions, tmp_path / "project")
    kill(start_stopped(args, REPO.root, "stop:3"))
    served = []
    monkeypatch.setattr(instance, "serve", lambda project, port, workers=None: served.append(assert_one_complete_set(project, versions)))
    assert main(["serve"], root=project.root) == 0
    assert served == ["new"]
